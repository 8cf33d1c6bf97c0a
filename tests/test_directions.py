"""Directions text read as a pharmacist reads it (domain.md §10): the dose rules see the highest
daily amount any reading allows; masses are counted with the strength; the days' supply follows
the schedule. Each case was read by hand: capsules a day × strength = the daily dose."""

from __future__ import annotations

from fractions import Fraction

import pytest

from compounding import plan_order

from .helpers import make_order


def plan_of(directions: str, strength: str = "4.5 mg", **changes):
    return plan_order(make_order(strength=strength, directions=directions, **changes))


def codes(plan) -> set[str]:
    return {f.code for f in plan.findings}


@pytest.mark.parametrize(("directions", "daily_mg"), [
    # each read as 1 capsule, 4.5 mg, with no finding
    ("Take 1 capsule at bedtime. May increase to 2 capsules at bedtime after 1 week", 9),
    ("Take 1 capsule at bedtime, increase by 1 capsule each week up to 3 capsules", "13.5"),
    ("Start 1 capsule nightly, increase weekly by one capsule to 4 capsules nightly", 18),
    ("Take 1 to 3 capsules at bedtime", "13.5"),
    ("take 1-2 capsules at bedtime", 9),
    ("Take 1 capsule in the morning and 1 capsule at bedtime", 9),
    ("Take 1 capsule nightly; may take an additional capsule in the morning if needed", 9),
])
def test_the_dose_rules_see_the_most_the_text_allows(directions, daily_mg):
    plan = plan_of(directions)
    assert plan.daily_dose == Fraction(str(daily_mg))
    assert "DOSE_ABOVE_LDN" in codes(plan)  # above 5 mg a day (domain.md §4)


def test_two_doses_a_day_are_multiple_daily():
    plan = plan_of("Take 1 capsule in the morning and 1 capsule at bedtime")
    assert "DOSE_MULTIPLE_DAILY" in codes(plan)
    assert (plan.sig.capsules_per_dose, plan.sig.doses_per_day) == (1, 2)


@pytest.mark.parametrize(("directions", "strength", "per_dose", "daily_mg", "days"), [
    # 4.5 mg of 4.5 mg capsules is 1 capsule, not 4 (18 mg, a false critical, 7 days)
    ("Take 4.5 mg at bedtime", "4.5 mg", 1, "4.5", 30),
    ("Take 9 mg at bedtime", "4.5 mg", 2, 9, 15),  # not 9 capsules
    ("Take 1.5 mg (3 capsules) at bedtime", "0.5 mg", 3, "1.5", 10),  # not 1 capsule
    ("Take 500 mcg at bedtime", "0.5 mg", 1, "0.5", 30),
])
def test_amounts_in_mg_are_counted_with_the_strength(directions, strength, per_dose, daily_mg,
                                                     days):
    plan = plan_of(directions, strength)
    assert plan.sig.capsules_per_dose == per_dose
    assert plan.daily_dose == Fraction(daily_mg) and plan.days_supply == days
    assert "DOSE_ABOVE_LDN" not in codes(plan) or Fraction(daily_mg) > 5


def test_a_sig_agrees_with_the_capsules_the_text_names():
    # with 0.5 mg capsules, "1.5 mg (3 capsules)" and the sig {3, 1} were refused as a mismatch
    plan = plan_of("Take 1.5 mg (3 capsules) at bedtime", "0.5 mg",
                   sig={"capsules_per_dose": 3, "doses_per_day": 1})
    assert plan.daily_dose == Fraction("1.5")
    # a sig of 2 agrees with "1-2"; 3 does not
    assert plan_of("take 1-2 capsules at bedtime",
                   sig={"capsules_per_dose": 2, "doses_per_day": 1}).daily_dose == 9


def test_a_sig_outside_the_range_is_a_mismatch(errors_of):
    errors = errors_of(make_order(directions="take 1-2 capsules at bedtime",
                                  sig={"capsules_per_dose": 3, "doses_per_day": 1}))
    assert [(e["code"], e["field"]) for e in errors] == [("DIRECTIONS_MISMATCH", "directions")]
    assert "1-2 × 1 a day" in errors[0]["message"]


def test_an_amount_the_capsules_cannot_make_is_named():
    # "1.5 mg nightly x 2 weeks then increase to 3 mg" from 4.5 mg capsules passed silently
    plan = plan_of("1.5 mg nightly x 2 weeks then increase to 3 mg")
    [unread] = [f for f in plan.findings if f.code == "DIRECTIONS_UNREAD"]
    assert "“1.5 mg” is not a whole number of 4.5 mg capsules" in unread.message


@pytest.mark.parametrize("directions", ["take one capsule at night",
                                        "Take 1 capsule by mouth 1 hour before bedtime",
                                        "1 cap po qhs", "Take 1 capsule by mouth every evening"])
def test_plain_once_daily_texts_are_read(directions):
    # "take one capsule at night" and "1 hour before bedtime" were DIRECTIONS_UNREAD
    plan = plan_of(directions)
    assert codes(plan) == set() and plan.daily_dose == Fraction("4.5")


def test_as_directed_is_flagged():
    plan = plan_of("Take 1 capsule at bedtime for 2 weeks, then as directed", "1.5 mg")
    [unread] = [f for f in plan.findings if f.code == "DIRECTIONS_UNREAD"]
    assert "as directed" in unread.message


def test_the_days_supply_follows_the_schedule():
    # "1 capsule for 7 days then 2" with 30 capsules: 7 days use 7, then 23 at 2 a day last
    # ⌊23 / 2⌋ = 11 days: 18 days, not ⌊30 / 2⌋ = 15
    plan = plan_of("1 capsule for 7 days then 2", "1.5 mg")
    assert plan.days_supply == 18 and plan.daily_dose == 3
    # weekly steps 1, 2, 3 capsules: 7 + 14 = 21 capsules in 14 days, 9 left at 3 a day = 3
    assert plan_of("Take 1 capsule at bedtime, increase by 1 capsule each week up to 3 "
                   "capsules", "1 mg").days_supply == 17


def test_a_twice_daily_sig_is_not_written_at_bedtime():
    # a sig of 2 doses a day with no timing printed "twice daily, at bedtime"
    plan = plan_order(make_order(sig={"capsules_per_dose": 1, "doses_per_day": 2}))
    assert plan.directions == "Take 1 capsule by mouth twice daily"
    once = plan_order(make_order(sig={"capsules_per_dose": 1, "doses_per_day": 1}))
    assert once.directions == "Take 1 capsule by mouth at bedtime"


@pytest.mark.parametrize(("directions", "daily_mg"), [
    # a limit is not an extra dose: "more" read as "an additional capsule" made 9 mg
    ("Take 1 capsule at bedtime. Do not take more than 1 capsule a day", "4.5"),
    ("Take 1 capsule at bedtime, maximum 1 capsule daily", "4.5"),
    # but the most the text allows is what the dose rules see
    ("Take 1 capsule at bedtime, not to exceed 2 capsules daily", 9),
])
def test_a_limit_is_read_as_the_most_a_day(directions, daily_mg):
    assert plan_of(directions).daily_dose == Fraction(str(daily_mg))
