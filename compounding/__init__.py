"""Compounding workbench: low-dose naltrexone capsules from 50 mg tablets.

The public library API. ``plan_order`` turns an API v1 order into a batch plan::

    from compounding import plan_order
    plan = plan_order({"strength": "4.5 mg", "quantity": 30, "capsule": {"size": "3"},
                       "source": {"average_tablet_weight": "250 mg"}})
    plan.model_dump(mode="json")
"""

from importlib import metadata as _metadata

from compounding.errors import (
    CompoundingError,
    ErrorDetail,
    OrderError,
    UnacknowledgedFindings,
    error_body,
)
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
from compounding.orders.reading import MalformedOrder, parse_order, parse_order_json
from compounding.plan import plan_order
from compounding.screening.findings import Acknowledgement, Finding, Severity
from compounding.screening.rules import RULES, Rule
from compounding.settings import DEFAULT_SETTINGS, Settings

try:
    __version__: str = _metadata.version("compounding-workbench")
    """The installed release of the workbench (``pyproject.toml``'s version)."""
except _metadata.PackageNotFoundError:  # run from a source folder that was never installed
    __version__ = "0+unknown"

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
    "__version__",
    "error_body",
    "parse_order",
    "parse_order_json",
    "plan_order",
]
