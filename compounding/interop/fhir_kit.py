"""FHIR R4 for capsule titration kits: a MedicationRequest for capsules with several
``dosageInstruction`` entries becomes a titration kit's order (API v1.2: a capsule order with a
``schedule``), one step per entry, by ``sequence`` (HL7 FHIR R4 Dosage).

Each step: ``doseAndRate.doseQuantity`` the dose, a mass (UCUM mg, ug or g: a kit is made of
several capsule strengths, so a dose in capsules would not say which); ``timing.repeat.
boundsDuration`` how long the step lasts, in days or weeks (UCUM d, wk); ``timing.repeat.
frequency`` a ``period`` of 1 day (or ``timing.code`` QD/BID/TID/QID) the doses a day, and
``when`` HS at bedtime; its ``text`` the step as written (all of them together are the kit's
directions, which must then agree with the steps). A route given must be oral. The kit's
strengths, quantities and shell colours are the pharmacy's to work out
(:func:`compounding.forms.kit.plan_kit`); a ``dispenseRequest.quantity`` in capsules, or an
``expectedSupplyDuration``, given beside the steps must agree with them
(:func:`check_kit_supply`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compounding.interop.fhir_common import (
    MASS_UNITS,
    PATHS,
    check_oral,
    decimal_text,
    fhir_error,
    in_sequence,
    number_of,
    schedule_path,
    step_days,
    timing_of,
    unit_of,
)
from compounding.interop.fhir_liquid import is_oral_liquid, supply_days
from compounding.orders.kit import KitOrder, KitPlan

DOSAGES = "MedicationRequest.dosageInstruction"
KIT_PATHS = {**PATHS, "schedule": DOSAGES, "directions": DOSAGES, "strength": DOSAGES,
             "strengths": DOSAGES, "quantity": DOSAGES, "sig": DOSAGES,
             "timing": DOSAGES, "start_on": "start_on"}
"""The FHIR path each kit order field comes from, for errors (a batch's strength, quantity and
sig are the kit's steps')."""
_CAPSULE_COUNTS = frozenset({"", "1", "{capsule}", "{capsules}", "capsule", "capsules",
                             "732937005", "385049006"})


def is_kit(resource: Mapping[str, Any]) -> bool:
    """Whether a MedicationRequest asks for a capsule titration kit: capsules (not an oral
    liquid, whose titration is one bottle) with more than one dosage instruction."""
    return len(resource.get("dosageInstruction") or []) > 1 and not is_oral_liquid(resource)


def _step(dosage: Mapping[str, Any], index: int) -> dict[str, Any]:
    """One step: its dose [mg], doses a day, days, and whether it is taken at bedtime."""
    path = f"{DOSAGES}[{index}]"
    check_oral(dosage, path, "a capsule")
    step: dict[str, Any] = timing_of(dosage, path)
    where = f"{path}.doseAndRate[0].doseQuantity"
    quantity = (dosage.get("doseAndRate") or [{}])[0].get("doseQuantity") or {}
    if not quantity:
        raise fhir_error(where, "each step of a titration needs its dose in mg",
                         "FIELD_REQUIRED")
    if unit_of(quantity) not in MASS_UNITS:
        raise fhir_error(where, f"the unit “{quantity.get('unit') or quantity.get('code')}” is "
                                f"not a mass: a titration's capsules come in several strengths, "
                                f"so give each step's dose in mg (UCUM mg)")
    dose = number_of(quantity, where) * MASS_UNITS[unit_of(quantity)]
    step["dose"] = f"{decimal_text(dose, where, 'the dose')} mg"
    step["days"] = step_days(dosage, path)
    return step


def kit_order(resource: Mapping[str, Any], pharmacy: Mapping[str, Any]) -> dict[str, Any]:
    """The titration kit's order (API v1.2 JSON) a MedicationRequest asks for; of
    ``pharmacy`` (what the prescription does not say), what a kit order takes (``capsule``,
    ``source``, ``filler``, ``compounded_on`` ...); without the patient, prescriber and
    numbers (:func:`compounding.interop.fhir_people.people_of`)."""
    dosages = in_sequence(resource)
    steps = [_step(dosage, index) for index, dosage in dosages]
    order: dict[str, Any] = {k: v for k, v in pharmacy.items() if k in KitOrder.model_fields}
    bedtime = [step.pop("timing", None) == "at bedtime" for step in steps]
    order["schedule"] = steps
    order["timing"] = "at bedtime" if all(bedtime) else None
    texts = [str(d.get("text") or "").strip() for _, d in dosages]
    if all(texts):
        order["directions"] = "; ".join(texts)
    repeats = (resource.get("dispenseRequest") or {}).get("numberOfRepeatsAllowed")
    if repeats is not None:
        order["refills"] = repeats
    return order


def check_kit_supply(resource: Mapping[str, Any], plan: KitPlan) -> None:
    """What the request says it dispenses must be what the steps take: the capsules
    (``dispenseRequest.quantity``, every strength together, without the overage) and the days
    (``expectedSupplyDuration``)."""
    dispense = resource.get("dispenseRequest") or {}
    quantity = dispense.get("quantity") or {}
    if quantity:
        path = "MedicationRequest.dispenseRequest.quantity"
        if unit_of(quantity) not in _CAPSULE_COUNTS:
            raise fhir_error(path, f"the unit “{quantity.get('unit') or quantity.get('code')}” "
                                   f"is not a number of capsules")
        taken = sum(p.capsules_dispensed for p in plan.kit)
        if number_of(quantity, f"{path}.value") != taken:
            raise fhir_error(f"{path}.value", f"the titration's steps take {taken} capsules, "
                                              f"not {quantity.get('value')}: give {taken}, or "
                                              f"leave the quantity out")
    days = supply_days(resource)
    if days is not None and days != plan.days_supply:
        raise fhir_error("MedicationRequest.dispenseRequest.expectedSupplyDuration",
                         f"the titration lasts {plan.days_supply} days, not the {days} days "
                         f"expected")


def kit_path(field: str, resource: Mapping[str, Any] | None = None) -> str:
    """The FHIR path a kit order's field came from (``schedule[1].days`` →
    ``MedicationRequest.dosageInstruction[1].timing.repeat.boundsDuration``, by the
    ``resource``'s sequence), or the field itself for what the pharmacy gave."""
    step = schedule_path(field, resource)
    if step is not None:
        return step
    head = field.split(".")[0].split("[")[0]
    return KIT_PATHS.get(head, field)
