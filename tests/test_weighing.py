"""Minimum weighable quantity and capacity (domain.md §3 step 6, §9; UNC lab: 6 mg ÷ 5 % =
120 mg; a Class A prescription balance weighs up to 120 g)."""

from __future__ import annotations

import pytest

from compounding import OrderError, Settings, plan_order

from .helpers import make_order


def mwq(plan):
    return [(f.field, f.message.split(",")[0]) for f in plan.findings
            if f.code == "BELOW_MINIMUM_WEIGHABLE"]


def test_exact_portion_below_mwq_is_refused_naming_the_method_that_works():
    # 0.5 mg × 32 capsules: N·p = 32 × 2.5 = 80 mg of powder < 120 mg. The worksheet used to
    # say "weigh out 80 mg"; a weighing out of range is never printed as an instruction.
    # Whole tablets would weigh in range but fill 100 capsules for 32: a trituration works.
    with pytest.raises(OrderError) as caught:
        plan_order(make_order(strength="0.5 mg", method="exact_portion"))
    [error] = caught.value.errors
    assert (error.code, error.field) == ("METHOD_NOT_WEIGHABLE", "method")
    assert "80 mg of tablet powder, below" in error.message
    assert "use trituration" in error.message


def test_whole_tablets_same_order_weighs_in_range():
    # whole_tablets asked for: 1 tablet, 250 mg of powder ≥ 120 mg (a surplus warning, no MWQ)
    plan = plan_order(make_order(strength="0.5 mg", method="whole_tablets"))
    assert mwq(plan) == [] and plan.method == "whole_tablets"


def test_small_capsule_fill_below_mwq():
    # chart size 4: w = 110 mg < 120 mg; a balance with MWQ 50 mg is fine.
    order = make_order(capsule={"size": "4"}, filler={"pack_stat": None})
    assert mwq(plan_order(order)) == [("capsule.size", "Each capsule's fill")]
    assert mwq(plan_order(order, Settings(minimum_weighable_quantity="50 mg"))) == []


def test_at_mwq_is_fine():
    # exactly 120 mg is weighable: 0.75 mg × 32 × 5 = 120 mg.
    plan = plan_order(make_order(strength="0.75 mg", method="exact_portion"))
    assert plan.tablet_powder == 120 and mwq(plan) == []


def test_above_the_balance_capacity_is_refused():
    # 1 mg whole tablets for 3000 capsules: filler 3152 × 125 = 394 g > 120 g
    with pytest.raises(OrderError) as caught:
        plan_order(make_order(strength="1 mg", quantity=3000, method="whole_tablets"))
    [error] = caught.value.errors
    assert error.code == "METHOD_NOT_WEIGHABLE" and "above the balance's capacity of 120 g" in (
        error.message)
