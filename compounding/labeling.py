"""What a patient label says, and when it may not be printed (domain.md §7; USP <17>).

The label layout (:mod:`compounding.documents.label`) only places these strings. USP <17>: the
patient name, the drug with its strength and form, and the directions come first and largest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .display import significant, strength
from .errors import ErrorDetail, OrderError, UnacknowledgedFindings
from .lots import lot_number
from .models import Order, Plan
from .profile import Pharmacy

COMPOUNDED = "Compounded preparation. Active ingredient: naltrexone hydrochloride."
OPIOID_WARNING = ("Do not take with opioid pain, cough or diarrhea medicines. Tell every doctor, "
                  "dentist or surgeon that you take naltrexone.")
VIVID_DREAMS = "May cause vivid dreams."
LACTOSE = "Contains lactose."
STORAGE = "Store at 20-25 °C (68-77 °F) in a tight, light-resistant container. Protect from light."


@dataclass(frozen=True, slots=True)
class LabelContent:
    """Every string of one patient label, most important first."""

    patient: str
    drug: str
    directions: str
    quantity: str
    refills: str
    prescriber: str
    filled: date
    discard_after: date
    rx_number: str
    lot: str
    pharmacy: Pharmacy
    auxiliary: tuple[str, ...]
    storage: str = STORAGE


def drug_line(plan: Plan) -> str:
    """The drug, strength and form exactly as ordered, never rounded (domain.md §13):
    ``Naltrexone HCl 0.0005 mg capsules``; an order as base leads with what was ordered,
    ``Naltrexone 4.5 mg (as base) capsules = 4.98 mg naltrexone HCl`` (3 significant figures).
    """
    if plan.strength_basis == "base":
        return (f"Naltrexone {strength(plan.strength_as_ordered)} (as base) capsules = "
                f"{significant(plan.strength)} mg naltrexone HCl")
    return f"Naltrexone HCl {strength(plan.strength)} capsules"


def label_content(order: Order, plan: Plan, pharmacy: Pharmacy) -> LabelContent:
    """The label's strings; :class:`OrderError` when a required item is missing and
    :class:`UnacknowledgedFindings` (HTTP 409) while a critical finding is unacknowledged."""
    missing = [field for field, value in (
        ("rx_number", order.rx_number),
        ("patient.name", order.patient.name if order.patient else None),
    ) if not value]
    if missing:
        raise OrderError([ErrorDetail("FIELD_REQUIRED", f, "is required to print a patient label")
                          for f in missing])
    if plan.unacknowledged:
        raise UnacknowledgedFindings([
            ErrorDetail("CRITICAL_UNACKNOWLEDGED", f.field,
                        f"{f.code}: {f.message} A pharmacist must acknowledge it (name and "
                        f"reason) before the label is printed.")
            for f in plan.unacknowledged
        ])
    assert order.patient is not None and order.patient.name
    assert order.rx_number
    auxiliary = [COMPOUNDED, OPIOID_WARNING, VIVID_DREAMS]
    if plan.contains_lactose:
        auxiliary.append(LACTOSE)
    prescriber = order.prescriber.name if order.prescriber and order.prescriber.name else ""
    return LabelContent(
        patient=order.patient.name,
        drug=drug_line(plan),
        directions=plan.directions,  # as ordered, or written from the sig (domain.md §10)
        quantity=f"Qty: {plan.capsules_dispensed} capsules",
        refills=f"Refills: {order.refills}",
        prescriber=prescriber,
        filled=plan.compounded_on,
        discard_after=plan.beyond_use_date,
        rx_number=order.rx_number,
        lot=lot_number(order, plan.compounded_on),
        pharmacy=pharmacy,
        auxiliary=tuple(auxiliary),
    )
