"""Beyond-use date (USP <795> 2023, domain.md §5)."""

from __future__ import annotations

import pytest

from compounding import Settings, plan_order

from .helpers import make_order


def test_default_180_days():
    # 2026-11-22 + 180 days = 2027-05-21 (domain.md §3 example)
    plan = plan_order(make_order())
    assert str(plan.beyond_use_date) == "2027-05-21"
    assert "no component expires sooner" in plan.beyond_use_rationale
    assert "no expiry given for source tablet lot, filler lot, capsule shell lot" in (
        plan.beyond_use_rationale)


@pytest.mark.parametrize(
    ("changes", "bud", "label"),
    [
        ({"source": {"expiry": "2027-03-15"}}, "2027-03-15", "source tablet lot"),
        # month-only expiry means the last day of the month; February 2028 is a leap month
        ({"filler": {"expiry": "2028-02"}, "compounded_on": "2027-11-01"}, "2028-02-29",
         "filler lot"),
        ({"capsule": {"expiry": "2027-01"}}, "2027-01-31", "capsule shell lot"),
    ],
    ids=["tablets", "filler-month-leap", "shells-month"],
)
def test_capped_by_component(changes, bud, label):
    plan = plan_order(make_order(**changes))
    assert str(plan.beyond_use_date) == bud
    assert plan.beyond_use_rationale.startswith(f"{label} expires {bud}")
    assert [f.code for f in plan.findings] == ["BUD_LIMITED_BY_COMPONENT"]


def test_later_expiry_does_not_cap():
    plan = plan_order(make_order(source={"expiry": "2030-01-01"}, filler={"expiry": "2030-01"},
                                 capsule={"expiry": "2030-01"}))
    assert str(plan.beyond_use_date) == "2027-05-21"
    assert plan.beyond_use_rationale == (
        "compounding date + 180 days (USP <795> non-aqueous); no component expires sooner")


def test_expired_component(errors_of):
    errors = errors_of(make_order(source={"expiry": "2026-11-22"}, filler={"expiry": "2026-10"}))
    assert {(e["code"], e["field"]) for e in errors} == {
        ("COMPONENT_EXPIRED", "source.expiry"), ("COMPONENT_EXPIRED", "filler.expiry")}


def test_day_count_is_a_setting():
    plan = plan_order(make_order(), Settings(beyond_use_days=90))
    assert str(plan.beyond_use_date) == "2027-02-20"
    assert "+ 90 days" in plan.beyond_use_rationale
