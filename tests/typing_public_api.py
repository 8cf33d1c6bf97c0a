"""What a pharmacy system's type checker sees of the public API (``.ci/typecheck`` runs mypy on
this file against the installed package; ``assert_type`` fails the check when a field is
``Any`` or another type). Nothing here runs in the test suite."""

from fractions import Fraction
from typing import assert_type

import compounding
from compounding import Order, Plan, plan_order


def typed(order: Order) -> None:
    plan = plan_order(order)
    assert_type(plan, Plan)
    assert_type(plan.fill_weight, Fraction)
    assert_type(plan.daily_dose, Fraction)
    assert_type(plan.capsules_dispensed, int)
    assert_type(compounding.__version__, str)


def typed_liquid(order: compounding.LiquidOrder) -> None:
    plan = plan_order(order)
    assert_type(plan, compounding.LiquidPlan)
    assert_type(plan.dose_volume, Fraction)
    assert_type(plan.batch_volume, Fraction)
    assert_type(plan.syringe.capacity, Fraction)


def from_json(body: dict[str, object]) -> None:
    plan = plan_order(body)
    assert_type(plan, Plan | compounding.LiquidPlan | compounding.KitPlan)
    if isinstance(plan, compounding.LiquidPlan):
        assert_type(plan.concentration, Fraction)
