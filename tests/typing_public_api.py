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
