"""``plan_order``: an order in, a batch plan with its findings out.

The order's dosage form plans it (:func:`compounding.forms.form_of`: capsules, from tablets or
naltrexone HCl powder, :mod:`compounding.forms.capsules`), under the master formulation record
the order names or the formulary's default (:mod:`compounding.formulary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compounding.forms import form_of
from compounding.forms.capsules import Worked, trituration_stages
from compounding.forms.common import acknowledged, match_acknowledgement
from compounding.orders.models import Order, Plan
from compounding.orders.reading import parse_order
from compounding.settings import DEFAULT_SETTINGS, Settings

__all__ = ["Worked", "acknowledged", "match_acknowledgement", "plan_of", "plan_order",
           "trituration_stages", "work_out"]


def plan_order(order: Order | Mapping[str, Any], settings: Settings | None = None) -> Plan:
    """The batch plan of a capsule order, or :class:`compounding.OrderError`.

    ``order`` is an :class:`Order` or its API v1 JSON as a mapping; ``settings`` are the
    pharmacy's (defaults: domain.md). Errors are raised all together; findings come back in the
    plan, most severe first, with any acknowledgements the order carries attached.

    >>> plan = plan_order({"strength": "4.5 mg", "quantity": 30, "overage": {"capsules": 2},
    ...                    "capsule": {"size": "3"},
    ...                    "source": {"average_tablet_weight": "250 mg"},
    ...                    "filler": {"pack_stat": "130 mg"}})
    >>> plan.tablets, plan.capsules_to_fill, plan.fill_weight
    (3, 33, Fraction(130, 1))
    >>> (plan.beyond_use_date - plan.compounded_on).days
    180
    """
    return plan_of(work_out(order, settings))


def work_out(order: Order | Mapping[str, Any], settings: Settings | None = None, *,
             kept: bool = False) -> Worked:
    """Check the order and compute its batch exactly (:class:`OrderError` when invalid), by
    its dosage form. ``kept``: the order of a kept batch record, planned again for its
    documents or a replay: its compounding date is its own, however long ago (the window
    around today is for orders that arrive)."""
    order = parse_order(order)
    worked: Worked = form_of(order.form).work_out(order, settings or DEFAULT_SETTINGS,
                                                  kept=kept)
    return worked


def plan_of(worked: Worked) -> Plan:
    """The API v1 plan of a worked-out batch, by its dosage form."""
    return form_of(worked.order.form).plan_of(worked)
