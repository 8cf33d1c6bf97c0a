"""Beyond-use date (USP <795> 2023, domain.md §5)."""

from __future__ import annotations

import pytest

from compounding import OrderError, Settings, plan_order

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
def test_capped_by_component(changes, bud, label, compounding_day):
    if "compounded_on" in changes:  # planned on the day it is made
        compounding_day.move_to(f"{changes['compounded_on']}T10:00:00-06:00")
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


@pytest.mark.parametrize(("compounded_on", "refused"), [
    ("1999-01-01", True), ("2099-01-01", True),
    ("2026-10-21", True), ("2026-10-22", False),  # 32 and 31 days before 2026-11-22
    ("2026-12-23", False), ("2026-12-24", True),  # 31 and 32 days after
])
def test_a_compounding_date_far_from_today_is_refused(compounded_on, refused, errors_of):
    # 1999-01-01 and 2099-01-01 were planned, and their BUDs printed (issue: records that
    # cannot be bent); the clock reads 2026-11-22 (tests/days.py)
    order = make_order(compounded_on=compounded_on)
    if not refused:
        assert str(plan_order(order).compounded_on) == compounded_on
        return
    [error] = errors_of(order)
    assert (error["code"], error["field"]) == ("COMPOUNDED_ON_OUT_OF_RANGE", "compounded_on")
    assert "31 days" in error["message"] and "2026-11-22" in error["message"]


def test_the_window_is_a_setting():
    assert plan_order(make_order(compounded_on="2026-09-01"),
                      Settings(compounding_date_window_days=90)).compounded_on.isoformat() \
        == "2026-09-01"
    with pytest.raises(OrderError, match="more than 0 days"):
        plan_order(make_order(compounded_on="2026-11-23"),
                   Settings(compounding_date_window_days=0))
