"""What a patient label says, and when it may not be printed (domain.md §7, §13; USP <17>).

The label layout (:mod:`compounding.documents.label`) only places these strings. USP <17>: the
patient name, the drug with its strength and form, and the directions come first and largest.
A dispensing label comes only from a verified batch record (:class:`Dispensing`); a label made
from an order alone is a proof. An oral liquid's label (:func:`liquid_label_content`) also says
how to measure the dose, to shake a suspension and how to store the bottle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import cast

from compounding.bench.lots import lot_number
from compounding.display import count, show, significant, strength
from compounding.errors import ErrorDetail, OrderError, UnacknowledgedFindings
from compounding.formulary.model import MasterFormulationRecord
from compounding.orders.liquid import LiquidOrder, LiquidPlan
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
SEE_KIT = "See the kit label and calendar for the schedule"
"""What the container's label of a titration kit's strength says in place of the steps it
serves when they do not fit it: the kit label and the calendar carry every step."""
SEE_KIT_SHORT = "See the kit label and calendar"
""":data:`SEE_KIT` on a label too small for it (3 × 2 in)."""

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
    handling: str = ""
    """How to measure a dose, which the container's label always carries: an oral liquid's
    "Shake well" and the oral syringe; empty for capsules."""
    steps: tuple[str, ...] = ()
    """The steps of a dosing schedule written by the plan (an oral liquid's titration), for the
    dosing schedule label; ``()``: the steps are read from the directions."""
    kit_steps: tuple[str, ...] = ()
    """In a titration kit: the steps this strength serves ("Days 15–28: take 1 blue capsule
    (3 mg) by mouth at bedtime"), printed on the container's label in place of the directions,
    or, when they do not fit, :data:`SEE_KIT` (the kit label and calendar carry them)."""

    @property
    def schedule(self) -> tuple[str, ...]:
        """The steps of directions of several steps (a titration), for the dosing schedule
        label; ``()`` when the directions are one step and print on the container's label,
        and for a kit's strength, whose steps are its own (:attr:`kit_steps`)."""
        if self.kit_steps:
            return ()
        return self.steps or dosing_steps(self.directions)


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


def _required(order: Order | LiquidOrder, plan: Plan | LiquidPlan,
              pharmacy: Pharmacy) -> list[ErrorDetail]:
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
    _printable(order, plan, pharmacy)
    content = draft_content(order, plan, pharmacy, dispensing)
    assert content is not None
    return content


def _printable(order: Order | LiquidOrder, plan: Plan | LiquidPlan,
               pharmacy: Pharmacy) -> None:
    """:class:`OrderError` naming each item a label needs and the order lacks (domain.md
    §13); :class:`UnacknowledgedFindings` (HTTP 409) while a critical finding is
    unacknowledged."""
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
    steps = tuple(plan.kit_steps or ())
    return LabelContent(
        patient=order.patient.name,
        drug=drug_line(plan),
        # as ordered, or written from the sig (domain.md §10); a kit's strength: its steps
        directions="; ".join(steps) if steps else plan.directions,
        quantity=f"Qty: {count(plan.capsules_dispensed, capsule_noun(plan))}",
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
        kit_steps=steps,
    )


def capsule_noun(plan: Plan) -> str:
    """The capsules as a label counts them: ``blue capsule`` for a kit's strength in blue
    shells, else ``capsule``."""
    return f"{plan.shell_colour} capsule" if plan.shell_colour else "capsule"


SHAKE_WELL = "Shake well before each dose."
REFRIGERATE = "Refrigerate 2–8 °C."
"""A refrigerator's range (USP <659> Packaging and Storage Requirements: 2-8 °C)."""
PROTECT_FROM_LIGHT = "Protect from light."
_SAID_BY_THE_LABEL = ("shake", "measure the dose", "refrigerate", "store ", "keep refrigerated",
                      "protect from light")
"""How the record's label cautions begin when they say what a liquid's label says in its own
words, from the plan and the record's flags: shaking and measuring (:func:`liquid_handling`),
the storage (:func:`liquid_storage`)."""


def liquid_drug_line(plan: LiquidPlan) -> str:
    """The product line of an oral liquid: ``Naltrexone HCl 1 mg/mL oral suspension`` (a
    solution when made from naltrexone HCl powder)."""
    return f"Naltrexone HCl {show(plan.concentration)} mg/mL oral {plan.kind}"


def syringe_line(plan: LiquidPlan) -> str:
    """The oral syringe the dose is measured with: ``Measure with the 10 mL oral syringe
    (0.5 mL marks).``"""
    syringe = plan.syringe
    return (f"Measure with the {show(syringe.capacity)} mL oral syringe "
            f"({show(syringe.graduation)} mL marks).")


def liquid_storage(record: MasterFormulationRecord) -> str:
    """The storage a liquid's label prints, from its master formulation record: "Refrigerate
    2–8 °C." when the record's beyond-use date holds refrigerated, else the record's storage as
    a sentence; "Protect from light." when the record says so and its storage does not."""
    bud = record.bud
    said = REFRIGERATE if bud.refrigerate else record.storage.strip().rstrip(".") + "."
    said = said[:1].upper() + said[1:]
    if bud.protect_from_light and "light" not in said.casefold():
        said += f" {PROTECT_FROM_LIGHT}"
    return said


def liquid_handling(plan: LiquidPlan) -> str:
    """What the container's label of a liquid always says about measuring a dose: "Shake well
    before each dose." (a suspension only) and the oral syringe."""
    shake = [SHAKE_WELL] if plan.kind == "suspension" else []
    return " ".join([*shake, syringe_line(plan)])


def liquid_cautions(plan: LiquidPlan, record: MasterFormulationRecord) -> tuple[str, ...]:
    """The cautions of a liquid's label: its storage (:func:`liquid_storage`), the
    compounded-preparation statement and the opioid caution always, then the record's label
    cautions where they apply, each sentence whole: a lactose caution only when the
    preparation contains lactose, and none that the label already says (shaking and measuring
    in its handling line, the storage)."""
    cautions = [liquid_storage(record), COMPOUNDED, OPIOID_WARNING]
    for text in record.label_cautions:
        if text in cautions:
            continue
        kept = [sentence for sentence in sentences(text)
                if not sentence.casefold().startswith(_SAID_BY_THE_LABEL)
                and ("lactose" not in sentence.casefold() or plan.contains_lactose)]
        if kept and " ".join(kept) not in cautions:
            cautions.append(" ".join(kept))
    if plan.contains_lactose and not any("lactose" in c.casefold() for c in cautions):
        cautions.append(LACTOSE)
    return tuple(cautions)


def liquid_schedule(plan: LiquidPlan) -> tuple[str, ...]:
    """The dosing schedule label's steps: the directions the plan wrote for a titration, a
    step each (``Days 1–14: take 1.5 mL (1.5 mg) by mouth at bedtime``), or the steps of
    directions written as a titration; ``()`` for one dose."""
    parts = plan.directions.split("; ")
    if len(plan.steps) > 1 and len(parts) == len(plan.steps):
        return tuple(parts)
    return dosing_steps(plan.directions)


def liquid_label_content(order: LiquidOrder, plan: LiquidPlan, record: MasterFormulationRecord,
                         pharmacy: Pharmacy, dispensing: Dispensing | None = None
                         ) -> LabelContent:
    """An oral liquid's label, as :func:`label_content` (``record``: the batch's master
    formulation record, for its storage and cautions)."""
    _printable(order, plan, pharmacy)
    content = liquid_draft_content(order, plan, record, pharmacy, dispensing)
    assert content is not None
    return content


def liquid_draft_content(order: LiquidOrder, plan: LiquidPlan, record: MasterFormulationRecord,
                         pharmacy: Pharmacy, dispensing: Dispensing | None = None
                         ) -> LabelContent | None:
    """An oral liquid's label as it will print, as :func:`draft_content`: the product line,
    the directions in mL with the mg, the volume in the bottle, the handling line (shake
    well, the syringe), the storage and the record's cautions that apply."""
    if _required(order, plan, pharmacy):
        return None
    assert order.patient and order.patient.name and order.rx_number
    assert order.prescriber and order.prescriber.name
    assert pharmacy.name and pharmacy.address and pharmacy.phone
    # a provisional lot is a digest of the order's JSON, whatever its form
    batch = dispensing or Dispensing(lot_number(cast(Order, order), plan.compounded_on),
                                     plan.compounded_on, plan.beyond_use_date)
    return LabelContent(
        patient=order.patient.name,
        drug=liquid_drug_line(plan),
        directions=plan.directions,
        quantity=f"Qty: {show(plan.volume, 2)} mL",
        refills=f"Refills: {order.refills}",
        prescriber=order.prescriber.name,
        filled=batch.filled,
        discard_after=batch.discard_after,
        rx_number=order.rx_number,
        lot=batch.lot,
        pharmacy_name=pharmacy.name,
        pharmacy_address=pharmacy.address,
        pharmacy_phone=pharmacy.phone,
        cautions=liquid_cautions(plan, record),
        proof=dispensing is None,
        handling=liquid_handling(plan),
        steps=liquid_schedule(plan),
    )
