"""``plan_order``: an order in, a batch plan with its findings out.

The order's dosage form plans it (:func:`compounding.forms.form_of`: capsules, from tablets or
naltrexone HCl powder, :mod:`compounding.forms.capsules`), under the master formulation record
the order names or the formulary's default (:mod:`compounding.formulary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, overload

from compounding.errors import ErrorDetail, OrderError
from compounding.forms import form_of
from compounding.forms.capsules import Worked, trituration_stages
from compounding.forms.common import acknowledged, match_acknowledgement
from compounding.forms.kit import plan_kit
from compounding.forms.liquid import LiquidWorked
from compounding.orders.kit import KitOrder, KitPlan
from compounding.orders.liquid import LiquidOrder, LiquidPlan
from compounding.orders.models import Order, Plan
from compounding.orders.reading import parse_any
from compounding.settings import DEFAULT_SETTINGS, Settings

__all__ = ["Worked", "acknowledged", "match_acknowledgement", "plan_of", "plan_order",
           "trituration_stages", "work_out"]


@overload
def plan_order(order: Order, settings: Settings | None = None) -> Plan: ...
@overload
def plan_order(order: LiquidOrder, settings: Settings | None = None) -> LiquidPlan: ...
@overload
def plan_order(order: KitOrder, settings: Settings | None = None) -> KitPlan: ...
@overload
def plan_order(order: Order | LiquidOrder | KitOrder | Mapping[str, Any],
               settings: Settings | None = None) -> Plan | LiquidPlan | KitPlan: ...


def plan_order(order: Order | LiquidOrder | KitOrder | Mapping[str, Any],
               settings: Settings | None = None) -> Plan | LiquidPlan | KitPlan:
    """The batch plan of an order, or :class:`compounding.OrderError`: a :class:`Plan` for
    capsules, a :class:`LiquidPlan` for an oral liquid (``form: "oral_liquid"``), a
    :class:`KitPlan` (one capsule plan per strength) for capsules with a titration
    ``schedule``.

    ``order`` is an :class:`Order` (:class:`LiquidOrder`) or its API v1 JSON as a mapping;
    ``settings`` are the pharmacy's (defaults: the documented ones). Errors are raised all
    together; findings come back in the plan, most severe first, with any acknowledgements the
    order carries attached.

    >>> plan = plan_order({"strength": "4.5 mg", "quantity": 30, "overage": {"capsules": 2},
    ...                    "capsule": {"size": "3"},
    ...                    "source": {"average_tablet_weight": "250 mg"},
    ...                    "filler": {"pack_stat": "130 mg"}})
    >>> plan.tablets, plan.capsules_to_fill, plan.fill_weight
    (3, 33, Fraction(130, 1))
    >>> (plan.beyond_use_date - plan.compounded_on).days
    180
    """
    parsed = parse_any(order)
    if isinstance(parsed, KitOrder):
        return plan_kit(parsed, settings)
    return plan_of(work_out(parsed, settings))


@overload
def work_out(order: Order, settings: Settings | None = None, *, kept: bool = False) -> Worked:
    ...
@overload
def work_out(order: LiquidOrder, settings: Settings | None = None, *,
             kept: bool = False) -> LiquidWorked: ...
@overload
def work_out(order: Mapping[str, Any], settings: Settings | None = None, *,
             kept: bool = False) -> Worked | LiquidWorked: ...


def work_out(order: Order | LiquidOrder | Mapping[str, Any], settings: Settings | None = None,
             *, kept: bool = False) -> Worked | LiquidWorked:
    """Check the order and compute its batch exactly (:class:`OrderError` when invalid), by
    its dosage form. ``kept``: the order of a kept batch record, planned again for its
    documents or a replay: its compounding date is its own, however long ago (the window
    around today is for orders that arrive)."""
    parsed = parse_any(order)
    if isinstance(parsed, KitOrder):
        raise OrderError([ErrorDetail(
            "INVALID_VALUE", "schedule", "a titration kit is one batch per strength: plan it "
                                         "with plan_order, or each strength's order")])
    worked: Worked | LiquidWorked = form_of(parsed.form).work_out(
        parsed, settings or DEFAULT_SETTINGS, kept=kept)
    return worked


@overload
def plan_of(worked: Worked) -> Plan: ...
@overload
def plan_of(worked: LiquidWorked) -> LiquidPlan: ...
@overload
def plan_of(worked: Worked | LiquidWorked) -> Plan | LiquidPlan: ...


def plan_of(worked: Worked | LiquidWorked) -> Plan | LiquidPlan:
    """The API v1 plan of a worked-out batch, by its dosage form."""
    plan: Plan | LiquidPlan = form_of(worked.order.form).plan_of(worked)
    return plan
