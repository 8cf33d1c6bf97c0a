"""Compounding workbench: low-dose naltrexone capsules from 50 mg tablets.

The public library API. ``plan_order`` turns an API v1 order into a batch plan::

    from compounding import plan_order
    plan = plan_order({"strength": "4.5 mg", "quantity": 30, "capsule": {"size": "3"},
                       "source": {"average_tablet_weight": "250 mg"}})
    plan.model_dump(mode="json")
"""

from .errors import CompoundingError, ErrorDetail, OrderError, UnacknowledgedFindings, error_body
from .findings import Acknowledgement, Finding, Severity
from .models import Capsule, Filler, Order, Overage, Patient, Plan, Prescriber, Source
from .orders import MalformedOrder, parse_order, parse_order_json
from .plan import plan_order
from .rules import RULES, Rule
from .settings import DEFAULT_SETTINGS, Settings

__all__ = [
    "DEFAULT_SETTINGS",
    "RULES",
    "Acknowledgement",
    "Capsule",
    "CompoundingError",
    "ErrorDetail",
    "Filler",
    "Finding",
    "MalformedOrder",
    "Order",
    "OrderError",
    "Overage",
    "Patient",
    "Plan",
    "Prescriber",
    "Rule",
    "Settings",
    "Severity",
    "Source",
    "UnacknowledgedFindings",
    "error_body",
    "parse_order",
    "parse_order_json",
    "plan_order",
]
