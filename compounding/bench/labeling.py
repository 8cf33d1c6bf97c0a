"""What a patient label says, and when it may not be printed (domain.md §7, §13; USP <17>).

The label layout (:mod:`compounding.documents.label`) only places these strings. USP <17>: the
patient name, the drug with its strength and form, and the directions come first and largest.
A dispensing label comes only from a verified batch record (:class:`Dispensing`); a label made
from an order alone is a proof.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from compounding.bench.lots import lot_number
from compounding.display import significant, strength
from compounding.errors import ErrorDetail, OrderError, UnacknowledgedFindings
from compounding.orders.models import Order, Plan
from compounding.profile import Pharmacy

COMPOUNDED = "Compounded preparation. Active ingredient: naltrexone HCl."
OPIOID_WARNING = ("Do not take with opioid pain, cough or diarrhea medicines. Tell every doctor, "
                  "dentist or surgeon that you take naltrexone.")
VIVID_DREAMS = "May cause vivid dreams."
LACTOSE = "Contains lactose."
STORAGE = "Store at 20-25 °C (68-77 °F) in a tight, light-resistant container. Protect from light."
SEE_SCHEDULE = "See the dosing schedule label"
"""What the container's label says in place of directions of several steps (a titration): the
steps print on a dosing schedule label of their own (domain.md §18)."""

_THEN = re.compile(r"(?<=\S)(?<!\band)\s+(?=(?:and\s+)?then\b)", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")


def dosing_steps(directions: str) -> tuple[str, ...]:
    """The steps of directions written as a titration, each as written, cut before each
    "then" (domain.md §10, §18); one step: ``()``, the directions print as they are. The
    steps joined by spaces are the directions.

    >>> dosing_steps("Take 1.5 mg at bedtime for 14 days, then 3 mg for 14 days, then 4.5 mg "
    ...              "nightly")
    ('Take 1.5 mg at bedtime for 14 days,', 'then 3 mg for 14 days,', 'then 4.5 mg nightly')
    >>> dosing_steps("Take 1 capsule daily for a week and then 2 capsules daily")
    ('Take 1 capsule daily for a week', 'and then 2 capsules daily')
    >>> dosing_steps("Take 1 capsule by mouth at bedtime")
    ()
    """
    steps = tuple(step.strip() for step in _THEN.split(directions.strip()) if step.strip())
    return steps if len(steps) > 1 else ()


def sentences(text: str) -> list[str]:
    """``text`` cut into whole sentences, each ending with its full stop: a label moves a
    sentence to another label whole, never a part of one.

    >>> sentences(STORAGE)
    ['Store at 20-25 °C (68-77 °F) in a tight, light-resistant container.', 'Protect from light.']
    """
    return [part for part in _SENTENCE_END.split(text.strip()) if part]


@dataclass(frozen=True, slots=True)
class Dispensing:
    """A verified batch, as its dispensing label prints it: the batch's lot, the day the bench
    made it, and the beyond-use date worked out again from the lots used (domain.md §12)."""

    lot: str
    filled: date
    discard_after: date


@dataclass(frozen=True, slots=True)
class LabelContent:
    """Every string of one patient label, most important first. ``proof``: made from an order
    alone, not from a verified batch; it prints "PROOF — NOT FOR DISPENSING" (domain.md §13)."""

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
    pharmacy_name: str
    pharmacy_address: str
    pharmacy_phone: str
    cautions: tuple[str, ...]
    proof: bool

    @property
    def schedule(self) -> tuple[str, ...]:
        """The steps of directions of several steps (a titration), for the dosing schedule
        label; ``()`` when the directions are one step and print on the container's label."""
        return dosing_steps(self.directions)


PROOF = "PROOF — NOT FOR DISPENSING"


def content_json(content: LabelContent) -> dict[str, object]:
    """A label's content for systems that draw their own labels: every string, dates as
    YYYY-MM-DD, and ``proof_band`` (the text to print across a proof, or null)."""
    data: dict[str, object] = {
        name: (value.isoformat() if isinstance(value, date) else
               list(value) if isinstance(value, tuple) else value)
        for name, value in ((f, getattr(content, f)) for f in content.__dataclass_fields__)}
    data["proof_band"] = PROOF if content.proof else None
    return data


def drug_line(plan: Plan) -> str:
    """The drug, strength and form exactly as ordered, never rounded (domain.md §13):
    ``Naltrexone HCl 0.0005 mg capsules``; an order as base leads with what was ordered,
    ``Naltrexone 4.5 mg (as base) capsules = 4.98 mg naltrexone HCl`` (3 significant figures).
    """
    if plan.strength_basis == "base":
        return (f"Naltrexone {strength(plan.strength_as_ordered)} (as base) capsules = "
                f"{significant(plan.strength)} mg naltrexone HCl")
    return f"Naltrexone HCl {strength(plan.strength)} capsules"


def _required(order: Order, plan: Plan, pharmacy: Pharmacy) -> list[ErrorDetail]:
    """Every item a dispensing label needs (domain.md §13), as errors naming the missing ones."""
    patient, prescriber = order.patient, order.prescriber
    items = (
        ("pharmacy.name", pharmacy.name, "the pharmacy's profile"),
        ("pharmacy.address", pharmacy.address, "the pharmacy's profile"),
        ("pharmacy.phone", pharmacy.phone, "the pharmacy's profile"),
        ("prescriber.name", prescriber.name if prescriber else None, "the order"),
        ("patient.name", patient.name if patient else None, "the order"),
        ("rx_number", order.rx_number, "the order"),
        ("directions", plan.directions, "the order (directions or sig)"),
    )
    return [ErrorDetail("FIELD_REQUIRED", field, f"is required on a patient label: give it in "
                                                 f"{where}")
            for field, value, where in items if not value]


def label_content(order: Order, plan: Plan, pharmacy: Pharmacy,
                  dispensing: Dispensing | None = None) -> LabelContent:
    """The label's strings: a dispensing label of a verified batch (``dispensing``), or else a
    proof of the order. :class:`OrderError` naming each missing item (domain.md §13), and
    :class:`UnacknowledgedFindings` (HTTP 409) while a critical finding is unacknowledged."""
    missing = _required(order, plan, pharmacy)
    if missing:
        raise OrderError(missing)
    if plan.unacknowledged:
        raise UnacknowledgedFindings([
            ErrorDetail("CRITICAL_UNACKNOWLEDGED", f.field,
                        f"{f.code}: {f.message} A pharmacist must acknowledge it (name and "
                        f"reason) before the label is printed.")
            for f in plan.unacknowledged
        ])
    content = draft_content(order, plan, pharmacy, dispensing)
    assert content is not None
    return content


def draft_content(order: Order, plan: Plan, pharmacy: Pharmacy,
                  dispensing: Dispensing | None = None) -> LabelContent | None:
    """The label's strings as they will print, before its findings are acknowledged (whether
    the label fits its stock is known from the order alone); ``None`` while an item it needs
    is missing. Only :func:`label_content` makes a label that may be printed."""
    if _required(order, plan, pharmacy):
        return None
    assert order.patient and order.patient.name and order.rx_number
    assert order.prescriber and order.prescriber.name
    assert pharmacy.name and pharmacy.address and pharmacy.phone
    cautions = [COMPOUNDED, OPIOID_WARNING, VIVID_DREAMS]
    if plan.contains_lactose:
        cautions.append(LACTOSE)
    cautions.append(STORAGE)
    batch = dispensing or Dispensing(lot_number(order, plan.compounded_on), plan.compounded_on,
                                     plan.beyond_use_date)
    return LabelContent(
        patient=order.patient.name,
        drug=drug_line(plan),
        directions=plan.directions,  # as ordered, or written from the sig (domain.md §10)
        quantity=f"Qty: {plan.capsules_dispensed} capsules",
        refills=f"Refills: {order.refills}",
        prescriber=order.prescriber.name,
        filled=batch.filled,
        discard_after=batch.discard_after,
        rx_number=order.rx_number,
        lot=batch.lot,
        pharmacy_name=pharmacy.name,
        pharmacy_address=pharmacy.address,
        pharmacy_phone=pharmacy.phone,
        cautions=tuple(cautions),
        proof=dispensing is None,
    )
