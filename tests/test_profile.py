"""The pharmacy profile (TOML)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from compounding import plan_order
from compounding.profile import DEFAULT_PROFILE, ProfileError, load_profile

from .helpers import assert_error_body, make_order

SAMPLE = (Path(__file__).resolve().parent.parent / "samples" / "pharmacy.toml").read_text(
    encoding="utf-8")


def test_sample_profile():
    profile = load_profile(SAMPLE)
    assert profile.pharmacy.name == "Riverside Compounding Pharmacy"
    assert profile.label.stock == "4x2"
    assert profile.settings.minimum_weighable_quantity == 120


def test_defaults_work_out_of_the_box():
    assert load_profile("") == DEFAULT_PROFILE
    # the master formulation record gives the beyond-use date; the pharmacy sets no cap
    assert DEFAULT_PROFILE.settings.beyond_use_days is None


def test_values_reach_the_calculation():
    profile = load_profile('[calculation]\nbeyond_use_days = 90\noverage_percent = 10\n'
                           '[pack_stats]\n"3" = "0.125 g"\n[balance]\nreadability = "100 mcg"\n')
    assert profile.settings.balance_readability == Fraction(1, 10)
    plan = plan_order(make_order(overage=None, filler={"pack_stat": None}), profile.settings)
    assert (plan.overage_capsules, plan.capsule_filler_capacity) == (3, 125)
    assert str(plan.beyond_use_date) == "2027-02-20"


@pytest.mark.parametrize(
    ("text", "field"),
    [("[pharmacy]\ncolour = 'blue'", "profile.pharmacy.colour"),
     ("[balance]\nreadability = 1", "profile.balance.readability"),
     ("[label]\nstock = '5x5'", "profile.label.stock"),
     ("[pack_stats]\n\"7\" = '100 mg'", 'profile.pack_stats["7"]'),
     ("[pharmacy\n", "profile")],
)
def test_bad_profile_names_the_key(text, field):
    with pytest.raises(ProfileError) as caught:
        load_profile(text)
    errors = assert_error_body(caught.value.to_json(), 422)
    assert field in [e["field"] for e in errors]
