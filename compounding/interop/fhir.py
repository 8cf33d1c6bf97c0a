"""FHIR R4 in and out (HL7 FHIR R4 MedicationRequest and MedicationDispense).

In: a MedicationRequest becomes an order. The medication's text (``medicationCodeableConcept``,
or a contained ``Medication`` with its ingredient strength) gives the strength; the one
``dosageInstruction`` (several are a titration kit's steps) gives the sig
(``doseAndRate.doseQuantity`` capsules a dose; ``timing.repeat.frequency`` a ``period`` of 1
day, or ``timing.code`` QD/BID/TID/QID; ``when`` HS is "at bedtime") and its ``text`` the
directions; ``dispenseRequest`` the quantity and
``numberOfRepeatsAllowed`` the refills (an ``expectedSupplyDuration`` beside them must be the
days the capsules last); the contained ``Patient`` and ``Practitioner``, those of the same Bundle,
or the references' ``display``, the patient (name, birth date, identifier) and the prescriber
(name, NPI); ``identifier`` the Rx number and the prescription id (:mod:`.fhir_people`). Only an
``active`` request is dispensed. What a prescription does not say (capsule size, the tablets'
average weight) is the pharmacy's, given beside it. An error names the FHIR path it comes from.

Out: a batch record becomes a MedicationDispense with a contained Medication: naltrexone HCl per
capsule and the filler, the batch lot and, as its expiration, the beyond-use date.

A request for an oral suspension or solution, and a liquid batch, are read and written by
:mod:`.fhir_liquid`; a request for capsules with several dosage instructions (a titration) is a
kit's order (:mod:`.fhir_kit`); what they share is in :mod:`.fhir_common`.

Plain dictionaries in and out; the optional ``[fhir]`` extra (``fhir.resources``) checks the
structure of what comes in (:mod:`compounding.web.fhir_api`) and, in the tests, of what goes out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from typing import Any

from compounding.display import show
from compounding.interop.fhir_common import (
    MASS_UNITS,
    NALTREXONE,
    PATHS,
    UCUM,
    contained,
    dispense_of,
    fhir_error,
    medication_code,
    timing_of,
    unit_of,
)
from compounding.interop.fhir_kit import is_kit, kit_order, kit_path
from compounding.interop.fhir_liquid import is_oral_liquid, liquid_order, liquid_path, supply_days
from compounding.interop.fhir_people import Others, people_of

_STRENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*(mg|mcg|µg|ug)\b", re.IGNORECASE)


def _strength(resource: Mapping[str, Any]) -> str:
    medication = contained(resource, resource.get("medicationReference"), "Medication",
                           "MedicationRequest.medicationReference")
    if medication is not None:
        for ingredient in medication.get("ingredient") or []:
            numerator = ((ingredient.get("strength") or {}).get("numerator") or {})
            if numerator.get("value") is not None:
                return f"{numerator['value']} {numerator.get('code') or numerator.get('unit')}"
        texts = [(medication.get("code") or {}).get("text", "")]
    else:
        concept = resource.get("medicationCodeableConcept") or {}
        texts = [concept.get("text") or "", *(c.get("display") or "" for c in
                                              concept.get("coding") or [])]
    for text in texts:
        found = _STRENGTH.search(text)
        if found:
            return f"{found.group(1)} {found.group(2)}"
    raise fhir_error(PATHS["strength"], "the medication's text does not give a strength such "
                                        "as \"naltrexone 4.5 mg capsule\"", "FIELD_REQUIRED")


# A capsule count: no unit, UCUM's unity or an annotation, SNOMED CT's "Capsule" unit of
# presentation (732937005) or dose form (385049006), or the word itself.
_CAPSULE_UNITS = frozenset({"", "1", "{capsule}", "{capsules}", "{cap}", "{caps}", "capsule",
                            "capsules", "cap", "caps", "732937005", "385049006"})


def _mg(text: str) -> Fraction | None:
    """A strength such as ``1.5 mg`` or ``500 mcg`` in mg; ``None`` for anything else."""
    parts = text.split()
    try:
        mg = Fraction(parts[0]) * MASS_UNITS[parts[1].casefold()]
    except (IndexError, KeyError, ValueError, ZeroDivisionError):
        return None
    return mg if mg > 0 else None


def capsule_count(quantity: Mapping[str, Any], strength: str, path: str) -> Any:
    """The capsules a FHIR Quantity stands for: a count as it is; a mass in UCUM units (mg, ug,
    g) divided by the capsule ``strength``, which must give a whole number. Anything else is
    refused with the FHIR ``path``.

    >>> capsule_count({"value": 3, "unit": "mg", "system": "http://unitsofmeasure.org",
    ...                "code": "mg"}, "1.5 mg", "doseQuantity")
    2
    >>> capsule_count({"value": 2, "unit": "capsule"}, "4.5 mg", "doseQuantity")
    2
    """
    value, unit = quantity.get("value"), unit_of(quantity)
    if unit in _CAPSULE_UNITS:
        return value
    if unit in MASS_UNITS and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            amount = Fraction(str(value)) * MASS_UNITS[unit]
        except (ValueError, OverflowError):  # NaN and Infinity pass through JSON
            raise fhir_error(path, "the dose is not a number") from None
        each = _mg(strength)
        if each is None:
            raise fhir_error(PATHS["strength"], f"the capsule strength “{strength}” is not a "
                                                f"mass in mg or mcg, so a dose in mg cannot be "
                                                f"counted")
        capsules = amount / each
        if capsules.denominator != 1 or capsules <= 0:
            raise fhir_error(path, f"{show(amount)} mg is not a whole number of {strength} "
                                   f"capsules: give the dose in capsules, or a dose the "
                                   f"capsules make")
        return int(capsules)
    raise fhir_error(path, f"the unit “{quantity.get('unit') or quantity.get('code')}” is not "
                           f"a number of capsules or a mass (mg): give capsules")


def _sig(resource: Mapping[str, Any],
         strength: str) -> tuple[dict[str, Any] | None, str | None]:
    dosages = resource.get("dosageInstruction") or []
    if not dosages:
        return None, None
    dosage, path = dosages[0], "MedicationRequest.dosageInstruction[0]"
    sig: dict[str, Any] = {}
    quantity = (dosage.get("doseAndRate") or [{}])[0].get("doseQuantity") or {}
    if quantity.get("value") is not None:
        sig["capsules_per_dose"] = capsule_count(
            quantity, strength, f"{path}.doseAndRate[0].doseQuantity")
    sig.update(timing_of(dosage, path))
    return (sig or None), dosage.get("text")


def order_from_medication_request(resource: Mapping[str, Any], pharmacy: Mapping[str, Any],
                                  others: Others | None = None,
                                  rx_system: str | None = None) -> dict[str, Any]:
    """The order (API v1 JSON) a MedicationRequest asks for; ``pharmacy`` holds what the
    prescription does not say (``capsule``, ``source``, ``filler``, ``compounded_on`` ...),
    ``others`` the resources beside the request in its Bundle and ``rx_system`` the system of
    the pharmacy's Rx numbers (:func:`.fhir_people.people_of`)."""
    if resource.get("resourceType") != "MedicationRequest":
        raise fhir_error("resourceType", "must be MedicationRequest")
    if resource.get("status") != "active":
        raise fhir_error("MedicationRequest.status",
                         f"the request is “{resource.get('status') or 'without a status'}”: "
                         f"only active requests are dispensed")
    if resource.get("intent") not in ("order", "original-order", "instance-order"):
        raise fhir_error("MedicationRequest.intent", "must be an order (order, original-order "
                                                     "or instance-order), not a proposal or "
                                                     "plan")
    if is_oral_liquid(resource):
        order = liquid_order(resource, pharmacy)
    elif is_kit(resource):
        order = kit_order(resource, pharmacy)
    else:
        order = _capsule_order(resource, pharmacy)
    return {**order, **people_of(resource, others, rx_system)}


def _capsule_order(resource: Mapping[str, Any], pharmacy: Mapping[str, Any]) -> dict[str, Any]:
    strength = _strength(resource)
    order: dict[str, Any] = {**pharmacy, "strength": strength}
    quantity = ((resource.get("dispenseRequest") or {}).get("quantity") or {})
    if quantity.get("value") is None:
        raise fhir_error(PATHS["quantity"], "how many capsules to dispense is required",
                         "FIELD_REQUIRED")
    if unit_of(quantity) not in _CAPSULE_UNITS:  # "1 bottle" is not 1 capsule
        raise fhir_error("MedicationRequest.dispenseRequest.quantity",
                         f"the unit “{quantity.get('unit') or quantity.get('code')}” is not a "
                         f"number of capsules: give how many capsules to dispense")
    order["quantity"] = quantity["value"]
    repeats = (resource.get("dispenseRequest") or {}).get("numberOfRepeatsAllowed")
    if repeats is not None:
        order["refills"] = repeats
    sig, directions = _sig(resource, strength)
    if sig:
        order["sig"] = sig
    if directions:
        order["directions"] = directions
    return order


def check_capsule_supply(resource: Mapping[str, Any], plan: Any) -> None:
    """An ``expectedSupplyDuration`` given beside the capsules must be the days they last as
    directed (the plan's days' supply): 30 capsules at 1 a day are not 90 days."""
    days = supply_days(resource)
    if days is not None and days != plan.days_supply:
        raise fhir_error("MedicationRequest.dispenseRequest.expectedSupplyDuration",
                         f"{plan.capsules_dispensed} capsules last {plan.days_supply} days as "
                         f"directed, not the {days} days expected: give the quantity for "
                         f"{days} days, or leave the duration out")


def fhir_path(field: str, form: str = "capsules",
              resource: Mapping[str, Any] | None = None) -> str:
    """The FHIR path an order field came from (``patient.name`` → ``MedicationRequest.subject``
    ...), or the field itself for what the pharmacy gave; ``form``: the order's
    (``oral_liquid``, ``kit`` for a capsule titration kit), and the ``resource`` it came
    from."""
    if form == "oral_liquid":
        return liquid_path(field, resource)
    if form == "kit":
        return kit_path(field, resource)
    head = field.split(".")[0].split("[")[0]
    return PATHS.get(head, field)


def _ratio(mg: Fraction) -> dict[str, Any]:
    return {"numerator": {"value": float(mg), "unit": "mg", "system": UCUM, "code": "mg"},
            "denominator": {"value": 1, "unit": "capsule"}}


def medication_dispense(order: Any, plan: Any, lot: str, status: str, bud: date,
                        filler_per_capsule: Fraction, prepared: str | None) -> dict[str, Any]:
    """A MedicationDispense (FHIR R4) of a batch: the contained Medication's ingredients per
    capsule, its batch lot and expiration (the beyond-use date)."""
    medication = {
        "resourceType": "Medication", "id": "compounded",
        "code": medication_code(plan, f"Naltrexone HCl {show(plan.strength)} mg capsules"),
        "form": {"text": "capsule"},
        "ingredient": [
            {**NALTREXONE, "isActive": True, "strength": _ratio(plan.strength)},
            {"itemCodeableConcept": {"text": order.filler.name}, "isActive": False,
             "strength": _ratio(filler_per_capsule)}],
        "batch": {"lotNumber": lot, "expirationDate": bud.isoformat()},
    }
    return dispense_of(order, medication, lot, status, prepared, {
        "quantity": {"value": plan.capsules_dispensed, "unit": "capsule"},
        "daysSupply": {"value": plan.days_supply, "unit": "day", "system": UCUM, "code": "d"},
        "dosageInstruction": [{"text": plan.directions}]})


