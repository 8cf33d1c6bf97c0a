"""Compounding workbench: low-dose naltrexone capsules and oral liquids.

The public library API. ``plan_order`` turns an API v1 order into a batch plan (a
:class:`Plan` for capsules, a :class:`LiquidPlan` for ``"form": "oral_liquid"``, a
:class:`KitPlan` for capsules with a titration ``schedule``)::

    from compounding import plan_order
    plan = plan_order({"strength": "4.5 mg", "quantity": 30, "capsule": {"size": "3"},
                       "source": {"average_tablet_weight": "250 mg"}})
    plan.model_dump(mode="json")
"""

from compounding.errors import (
    CompoundingError,
    ErrorDetail,
    OrderError,
    UnacknowledgedFindings,
    error_body,
)
from compounding.orders.kit import KitOrder, KitPlan, KitStep
from compounding.orders.liquid import LiquidOrder, LiquidPlan, ScheduleStep, Syringe
from compounding.orders.models import (
    Capsule,
    Filler,
    Order,
    Overage,
    Patient,
    Plan,
    Prescriber,
    Source,
)
from compounding.orders.reading import MalformedOrder, parse_any, parse_order, parse_order_json
from compounding.plan import plan_order
from compounding.screening.findings import Acknowledgement, Finding, Severity
from compounding.screening.rules import RULES, Rule
from compounding.settings import DEFAULT_SETTINGS, Settings

__version__: str
"""The installed release of the workbench (``pyproject.toml``'s version), read when first
asked for: reading the installed metadata costs a command's start some 30 ms."""


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import metadata

    try:
        version = metadata.version("compounding-workbench")
    except metadata.PackageNotFoundError:  # a source folder that was never installed
        version = "0+unknown"
    globals()["__version__"] = version
    return version


__all__ = [
    "DEFAULT_SETTINGS",
    "RULES",
    "Acknowledgement",
    "Capsule",
    "CompoundingError",
    "ErrorDetail",
    "Filler",
    "Finding",
    "KitOrder",
    "KitPlan",
    "KitStep",
    "LiquidOrder",
    "LiquidPlan",
    "MalformedOrder",
    "Order",
    "OrderError",
    "Overage",
    "Patient",
    "Plan",
    "Prescriber",
    "Rule",
    "ScheduleStep",
    "Settings",
    "Severity",
    "Source",
    "Syringe",
    "UnacknowledgedFindings",
    "__version__",
    "error_body",
    "parse_any",
    "parse_order",
    "parse_order_json",
    "plan_order",
]
