"""What the bench can really make (domain.md §9, §13): the exact_portion margin, the surplus
limit, fill inputs a bench could have, and amounts written as the balance shows them.

Every expected number is worked by hand in the test, from the domain's example order (S = 50 mg,
W = 250 mg, size 3 = 0.30 mL, F = 130 mg) unless the test changes it.
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from compounding import OrderError, plan_order
from compounding.display import show_to_step, weighing
from compounding.documents import worksheet_pdf

from . import pdf
from .helpers import make_order


def test_exact_portion_keeps_a_margin_for_crushing_loss():
    # domain.md §9: 5 mg × 30, no overage. T = ⌈N·d / (S·(1 − loss))⌉ = ⌈150 / 49⌉ = ⌈3.06⌉ = 4;
    # before, T = ⌈150/50⌉ = 3 and the bench was told to weigh out 750 mg of 750 mg of powder
    plan = plan_order(make_order(strength="5 mg", overage={"capsules": 0}, method="exact_portion"))
    assert plan.tablets == 4
    # the portion: N·p = 30 × (5 × 250 / 50) = 30 × 25 = 750 mg, of 4 × 250 = 1000 mg crushed
    assert plan.tablet_powder == 750
    text = pdf.text(worksheet_pdf(make_order(strength="5 mg", overage={"capsules": 0},
                                             method="exact_portion")))
    assert "T = ⌈N × d / (S × (1 − loss))⌉" in text and "⌈30 × 5 / (50 × 0.98)⌉" in text


def test_whole_tablets_has_no_margin():
    # the usual order: T = ⌈32 × 4.5 / 50⌉ = ⌈2.88⌉ = 3, unchanged
    assert plan_order(make_order()).tablets == 3


def test_a_large_surplus_is_a_warning():
    # 0.1 mg whole_tablets: 1 tablet = 50 / 0.1 = 500 capsule equivalents for N = 32; surplus
    # 468 > max(10, ⌈3.2⌉) = 10. Filler: 500 × (130 − 0.1 × 250 / 50) = 500 × 129.5 = 64 750 mg
    plan = plan_order(make_order(strength="0.1 mg", method="whole_tablets"))
    [surplus] = [f for f in plan.findings if f.code == "BATCH_SURPLUS"]
    assert (surplus.severity.value, surplus.field) == ("warning", "method")
    assert "500 capsules for 32 required (468 surplus, the limit is 10)" in surplus.message
    assert "64.75 g of filler" in surplus.message
    # the automatic method avoids it (a trituration, below)
    assert plan_order(make_order(strength="0.1 mg")).method == "trituration"
    assert not [f for f in plan_order(make_order()).findings if f.code == "BATCH_SURPLUS"]


def test_the_surplus_limit_grows_with_the_batch():
    # N = 250 (no overage): limit max(10, ⌈25⌉) = 25. 1 mg whole tablets: T = ⌈250/50⌉ = 5,
    # 5 × 50 / 1 = 250 capsules, surplus 0; at 1.2 mg: T = ⌈300/50⌉ = 6, ⌊6 × 50 / 1.2⌋ = 250
    for strength in ("1 mg", "1.2 mg"):
        plan = plan_order(make_order(strength=strength, quantity=250, overage={"capsules": 0}))
        assert not [f for f in plan.findings if f.code == "BATCH_SURPLUS"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"filler": {"pack_stat": "1300 mg"}}, "filler.pack_stat"),  # 1300 / 300 = 4.33 g/mL
    ({"filler": {"pack_stat": "130 g"}}, "filler.pack_stat"),  # 433 g/mL
    ({"filler": {"pack_stat": "50 mg"}}, "filler.pack_stat"),  # 50 / 300 = 0.17 g/mL
    ({"filler": {"pack_stat": None, "density": "4.5 g/mL"}}, "filler.density"),
    ({"density_factor": 10}, "density_factor"),
    ({"density_factor": 0.4}, "density_factor"),
], ids=["1300-mg-size-3", "130-g", "50-mg", "density-4.5", "df-10", "df-0.4"])
def test_implausible_fill_inputs_are_errors(changes, field):
    with pytest.raises(OrderError) as caught:
        plan_order(make_order(**changes))
    assert [(e.code, e.field) for e in caught.value.errors] == [("FILL_IMPLAUSIBLE", field)]


@pytest.mark.parametrize("changes", [
    {"filler": {"pack_stat": "60 mg"}},  # 60 / 300 = 0.2 g/mL: the lower edge
    {"filler": {"pack_stat": None, "density": "1.5 g/mL"}},  # the upper edge
    {"density_factor": 0.5}, {"density_factor": 2},
], ids=["0.2-g-per-ml", "1.5-g-per-ml", "df-0.5", "df-2"])
def test_the_edges_of_the_ranges_are_accepted(changes):
    try:
        plan_order(make_order(**changes))
    except OrderError as exc:
        assert "FILL_IMPLAUSIBLE" not in {e.code for e in exc.errors}


def test_amounts_round_half_up():
    # domain.md §13: half up. Python's round() goes to even: 22.5 -> 22, 3583.5 -> 3584
    assert show_to_step(F("22.5"), F(1)) == "23"
    assert show_to_step(F("3582.5"), F(1)) == "3583"
    assert show_to_step(F("0.25"), F(1, 10)) == "0.3"


def test_ten_grams_and_more_print_in_grams():
    assert weighing(F(9999), F(1)) == "9999 mg"
    assert weighing(F(10000), F(1)) == "10 g"
    assert weighing(F(64750), F(1)) == "64.75 g"
    text = pdf.text(worksheet_pdf(make_order(strength="0.1 mg", method="whole_tablets")))
    # the amounts to weigh; the calculations keep their exact working in mg
    assert "Weigh 64.75 g of microcrystalline cellulose" in text
    assert "Filler: microcrystalline cellulose — — — 64.75 g" in text


def test_the_ranges_are_the_pharmacys_settings():
    from compounding.profile import ProfileError, load_profile

    # a pharmacy whose filler packs denser may widen the range; a reversed range is refused
    wide = load_profile('[calculation]\nfill_density_max = "2 g/mL"\n')
    plan_order(make_order(filler={"pack_stat": "540 mg"}), wide.settings)  # 1.8 g/mL
    with pytest.raises(OrderError):
        plan_order(make_order(filler={"pack_stat": "540 mg"}))
    with pytest.raises(ProfileError) as caught:
        load_profile("[calculation]\ndensity_factor_min = 2\ndensity_factor_max = 1\n")
    assert caught.value.errors[0].field == "profile.calculation"
