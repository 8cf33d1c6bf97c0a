"""Titration kits of capsules planned, with their numbers worked by hand.

A schedule of 1.5 mg nightly for 14 days, 3 mg for 14 days, then 4.5 mg for 30 days (start low
and hold each step before raising it) is made as three batches in white, blue and green shells
(the pharmacy's kit colours), or, when the prescriber allows several capsules a dose, as one
batch of 1.5 mg capsules. Overage: ⌈5 % of n⌉ capsules a batch (the workbench's default).
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from compounding import OrderError, plan_order
from compounding.orders.kit import KitPlan
from compounding.settings import Settings

COLOURS = Settings(kit_colours=((Fraction(3, 2), "white"), (Fraction(3), "blue"),
                                (Fraction(9, 2), "green")))
THREE_STEPS = [{"dose": "1.5 mg", "days": 14}, {"dose": "3 mg", "days": 14},
               {"dose": "4.5 mg", "days": 30}]
ORDER = {"schedule": THREE_STEPS, "capsule": {"size": "3"},
         "source": {"average_tablet_weight": "250 mg"}, "compounded_on": "2026-11-22",
         "start_on": "2026-11-23"}


def kit(settings: Settings = COLOURS, **fields) -> KitPlan:
    plan = plan_order({**ORDER, **fields}, settings)
    assert isinstance(plan, KitPlan)
    return plan


def test_three_strengths_three_batches_with_their_quantities_and_overage():
    """1.5 mg: 14 × 1 × 1 = 14 capsules, overage ⌈5 % × 14⌉ = ⌈0.7⌉ = 1; 3 mg: the same;
    4.5 mg: 30 capsules, overage ⌈1.5⌉ = 2. Days' supply: 14 + 14 + 30 = 58."""
    plan = kit()
    assert [(p.strength, p.capsules_dispensed, p.overage_capsules) for p in plan.kit] == [
        (Fraction(3, 2), 14, 1), (3, 14, 1), (Fraction(9, 2), 30, 2)]
    assert [p.shell_colour for p in plan.kit] == ["white", "blue", "green"]
    assert plan.days_supply == 58 and plan.daily_dose == Fraction(9, 2)


def test_the_kit_directions_and_the_dates_from_the_start_day():
    """Started on 23 November: days 1–14 end on 6 December, days 15–28 run 7–20 December,
    days 29–58 run 21 December to 19 January."""
    plan = kit()
    assert plan.kit_directions == [
        "Days 1–14: take 1 white capsule (1.5 mg) by mouth at bedtime",
        "Days 15–28: take 1 blue capsule (3 mg) by mouth at bedtime",
        "Days 29–58: take 1 green capsule (4.5 mg) by mouth at bedtime"]
    assert [(s.first_date, s.last_date) for s in plan.schedule] == [
        (date(2026, 11, 23), date(2026, 12, 6)), (date(2026, 12, 7), date(2026, 12, 20)),
        (date(2026, 12, 21), date(2027, 1, 19))]
    assert plan.kit[1].kit_steps == [plan.kit_directions[1]]


def test_combined_doses_share_one_batch_of_the_lowest_strength():
    """With combine: 3 mg as 2 × 1.5 mg and 4.5 mg as 3 × 1.5 mg; one batch of
    14 × 1 + 14 × 2 + 30 × 3 = 132 capsules, + ⌈6.6⌉ = 7 overage."""
    plan = kit(combine=True)
    [batch] = plan.kit
    assert (batch.strength, batch.capsules_dispensed, batch.overage_capsules) == (
        Fraction(3, 2), 132, 7)
    assert plan.kit_directions[2] == ("Days 29–58: take 3 white capsules (4.5 mg) by mouth at "
                                      "bedtime")
    assert batch.daily_dose == Fraction(9, 2)  # the dose rules see the highest step


def test_a_step_the_strengths_cannot_give_is_named():
    with pytest.raises(OrderError) as raised:
        kit(strengths=["4.5 mg"])
    fields = {e.field: e.message for e in raised.value.errors
              if e.code == "SCHEDULE_STEP_UNDOSABLE"}
    assert set(fields) == {"schedule[0].dose", "schedule[1].dose"}
    assert "step 1 (1.5 mg, days 1–14)" in fields["schedule[0].dose"]


def test_two_strengths_in_one_colour_clash():
    same = Settings(kit_colours=((Fraction(3, 2), "blue"), (Fraction(3), "blue"),
                                 (Fraction(9, 2), "green")))
    with pytest.raises(OrderError) as raised:
        kit(same)
    [clash] = [e for e in raised.value.errors if e.code == "KIT_COLOURS_CLASH"]
    assert "1.5 mg and 3 mg" in clash.message and "“blue”" in clash.message


def test_a_bud_before_the_last_step_names_the_schedule_day():
    """A 4.5 mg tablet lot expiring 31 December caps every batch's BUD there; the green
    capsules are taken until day 58 (19 January): the BUD falls on day 39."""
    plan = kit(source={"average_tablet_weight": "250 mg", "expiry": "2026-12-31"})
    [finding] = [f for f in plan.findings if f.code == "BUD_SHORTER_THAN_SUPPLY"]
    assert "4.5 mg" in finding.message and "day 39" in finding.message


def test_each_strengths_batch_carries_its_colour_in_its_shell():
    plan = kit()
    assert all(p.kit_steps for p in plan.kit)
    data = plan.model_dump(mode="json")
    assert data["kit"][2]["shell_colour"] == "green"
    assert data["schedule"][0]["first_date"] == "2026-11-23"


def test_a_titration_written_as_text_becomes_the_schedule():
    """"1.5 mg at bedtime for 2 weeks, then 3 mg … for 2 weeks, then 4.5 mg … for 30 days" is
    read in units of 1.5 mg (the largest mass dividing 1.5, 3 and 4.5): 1, 2 and 3 units, 14,
    14 and 30 days; the same kit as the schedule."""
    text = ("Take 1.5 mg at bedtime for 2 weeks, then 3 mg at bedtime for 2 weeks, then 4.5 mg "
            "at bedtime for 30 days")
    order = {k: v for k, v in ORDER.items() if k != "schedule"}
    plan = plan_order({**order, "directions": text}, COLOURS)
    assert isinstance(plan, KitPlan)
    assert plan.kit_directions == kit().kit_directions and plan.days_supply == 58


def test_a_text_and_a_schedule_that_disagree_are_a_mismatch():
    with pytest.raises(OrderError) as raised:
        kit(directions="1.5 mg nightly for 7 days, then 3 mg nightly for 14 days, then 4.5 mg "
                       "nightly for 30 days")
    [error] = raised.value.errors
    assert error.code == "DIRECTIONS_MISMATCH" and "1.5 mg × 1 a day for 7 days" in error.message


def test_a_text_without_days_for_a_step_is_refused_naming_it():
    order = {k: v for k, v in ORDER.items() if k != "schedule"}
    with pytest.raises(OrderError) as raised:
        plan_order({**order, "directions": "1.5 mg nightly for 14 days then 3 mg nightly"},
                   COLOURS)
    [error] = raised.value.errors
    assert error.field == "directions" and "step 2 does not say for how many days" in \
        error.message
