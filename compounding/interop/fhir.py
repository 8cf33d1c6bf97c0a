"""FHIR R4 in and out (HL7 FHIR R4 MedicationRequest and MedicationDispense).

In: a MedicationRequest becomes an order. The medication's text (``medicationCodeableConcept``,
or a contained ``Medication`` with its ingredient strength) gives the strength; the first
``dosageInstruction`` gives the sig (``doseAndRate.doseQuantity`` capsules a dose;
``timing.repeat.frequency`` a ``period`` of 1 day, or ``timing.code`` QD/BID/TID/QID; ``when`` HS
is "at bedtime") and its ``text`` the directions; ``dispenseRequest`` the quantity and
``numberOfRepeatsAllowed`` the refills; the contained or referenced ``Patient`` and
``Practitioner`` the patient (name, birth date, identifier) and the prescriber (name, NPI);
``identifier`` the prescription id. What a prescription does not say (capsule size, the tablets'
average weight) is the pharmacy's, given beside it. An error names the FHIR path it comes from.

Out: a batch record becomes a MedicationDispense with a contained Medication: naltrexone HCl per
capsule and the filler, the batch lot and, as its expiration, the beyond-use date.

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
from compounding.errors import ErrorDetail, OrderError

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
MFR_SYSTEM = "urn:compounding:mfr"
"""The code system of the workbench's master formulation records: ``ID@version``."""
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
TIMING_CODES = {"QD": 1, "BID": 2, "TID": 3, "QID": 4}
# a record's status → MedicationDispense.status (FHIR R4 value set medicationdispense-status)
DISPENSE_STATUS = {"printed": "preparation", "compounded": "in-progress",
                   "verified": "completed", "rejected": "declined", "scrapped": "stopped"}
_STRENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*(mg|mcg|µg|ug)\b", re.IGNORECASE)
# order field → the FHIR path it came from, for errors
PATHS = {
    "strength": "MedicationRequest.medicationCodeableConcept.text",
    "quantity": "MedicationRequest.dispenseRequest.quantity.value",
    "refills": "MedicationRequest.dispenseRequest.numberOfRepeatsAllowed",
    "sig": "MedicationRequest.dosageInstruction[0]",
    "directions": "MedicationRequest.dosageInstruction[0].text",
    "patient": "MedicationRequest.subject",
    "prescriber": "MedicationRequest.requester",
    "prescription_id": "MedicationRequest.identifier[0].value",
}


def _error(path: str, message: str, code: str = "INVALID_VALUE") -> OrderError:
    return OrderError([ErrorDetail(code, path, message)])


def _contained(resource: Mapping[str, Any], reference: Any, kind: str, path: str) -> Any:
    """A contained resource named by ``{"reference": "#id"}``; ``None`` for an outside one."""
    target = (reference or {}).get("reference", "") if isinstance(reference, Mapping) else ""
    if not target.startswith("#"):
        return None
    for item in resource.get("contained") or []:
        if item.get("resourceType") == kind and item.get("id") == target[1:]:
            return item
    raise _error(f"{path}.reference", f"no contained {kind} has the id {target[1:]!r}")


def _name(human: list[Mapping[str, Any]] | None) -> str | None:
    for name in human or []:
        if name.get("text"):
            return str(name["text"])
        parts = [*name.get("given", []), name.get("family") or ""]
        if any(parts):
            return " ".join(p for p in parts if p)
    return None


def _patient(resource: Mapping[str, Any]) -> dict[str, Any] | None:
    subject = resource.get("subject")
    found = _contained(resource, subject, "Patient", "MedicationRequest.subject")
    if found is None:
        reference = (subject or {}).get("reference", "")
        return {"id": reference.split("/")[-1]} if reference.startswith("Patient/") else None
    patient: dict[str, Any] = {"name": _name(found.get("name"))}
    if found.get("birthDate"):
        patient["date_of_birth"] = found["birthDate"]
    identifiers = found.get("identifier") or []
    if identifiers and identifiers[0].get("value"):
        patient["id"] = identifiers[0]["value"]
    return {k: v for k, v in patient.items() if v is not None}


def _prescriber(resource: Mapping[str, Any]) -> dict[str, Any] | None:
    found = _contained(resource, resource.get("requester"), "Practitioner",
                       "MedicationRequest.requester")
    if found is None:
        display = (resource.get("requester") or {}).get("display")
        return {"name": display} if display else None
    prescriber: dict[str, Any] = {"name": _name(found.get("name"))}
    for identifier in found.get("identifier") or []:
        if identifier.get("system") == NPI_SYSTEM:
            prescriber["npi"] = identifier.get("value")
    return {k: v for k, v in prescriber.items() if v is not None}


def _strength(resource: Mapping[str, Any]) -> str:
    medication = _contained(resource, resource.get("medicationReference"), "Medication",
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
    raise _error(PATHS["strength"], "the medication's text does not give a strength such as "
                                    "\"naltrexone 4.5 mg capsule\"", "FIELD_REQUIRED")


# A capsule count: no unit, UCUM's unity or an annotation, SNOMED CT's "Capsule" unit of
# presentation (732937005) or dose form (385049006), or the word itself.
_CAPSULE_UNITS = frozenset({"", "1", "{capsule}", "{capsules}", "{cap}", "{caps}", "capsule",
                            "capsules", "cap", "caps", "732937005", "385049006"})
# UCUM mass units [mg per unit] (UCUM: "ug"; people also write mcg and µg)
_MASS_UNITS = {"mg": Fraction(1), "ug": Fraction(1, 1000), "mcg": Fraction(1, 1000),
               "µg": Fraction(1, 1000), "μg": Fraction(1, 1000), "g": Fraction(1000)}


def _unit(quantity: Mapping[str, Any]) -> str:
    """A Quantity's unit as compared: its UCUM ``code`` when given, else its ``unit`` text."""
    return str(quantity.get("code") or quantity.get("unit") or "").strip().casefold()


def _mg(text: str) -> Fraction | None:
    """A strength such as ``1.5 mg`` or ``500 mcg`` in mg; ``None`` for anything else."""
    parts = text.split()
    try:
        mg = Fraction(parts[0]) * _MASS_UNITS[parts[1].casefold()]
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
    value, unit = quantity.get("value"), _unit(quantity)
    if unit in _CAPSULE_UNITS:
        return value
    if unit in _MASS_UNITS and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            amount = Fraction(str(value)) * _MASS_UNITS[unit]
        except (ValueError, OverflowError):  # NaN and Infinity pass through JSON
            raise _error(path, "the dose is not a number") from None
        each = _mg(strength)
        if each is None:
            raise _error(PATHS["strength"], f"the capsule strength “{strength}” is not a mass "
                                            f"in mg or mcg, so a dose in mg cannot be counted")
        capsules = amount / each
        if capsules.denominator != 1 or capsules <= 0:
            raise _error(path, f"{show(amount)} mg is not a whole number of {strength} "
                               f"capsules: give the dose in capsules, or a dose the capsules "
                               f"make")
        return int(capsules)
    raise _error(path, f"the unit “{quantity.get('unit') or quantity.get('code')}” is not a "
                       f"number of capsules or a mass (mg): give capsules")


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
    timing = dosage.get("timing") or {}
    repeat = timing.get("repeat") or {}
    if repeat.get("frequency") is not None:
        if (repeat.get("period", 1), repeat.get("periodUnit", "d")) != (1, "d"):
            raise _error(f"{path}.timing.repeat", "give the frequency per day (period 1, "
                                                  "periodUnit d)")
        sig["doses_per_day"] = repeat["frequency"]
    else:
        code = ((timing.get("code") or {}).get("coding") or [{}])[0].get("code")
        if code in TIMING_CODES:
            sig["doses_per_day"] = TIMING_CODES[code]
    if "HS" in (repeat.get("when") or []):
        sig["timing"] = "at bedtime"
    return (sig or None), dosage.get("text")


def order_from_medication_request(resource: Mapping[str, Any],
                                  pharmacy: Mapping[str, Any]) -> dict[str, Any]:
    """The order (API v1 JSON) a MedicationRequest asks for; ``pharmacy`` holds what the
    prescription does not say (``capsule``, ``source``, ``filler``, ``compounded_on`` ...)."""
    if resource.get("resourceType") != "MedicationRequest":
        raise _error("resourceType", "must be MedicationRequest")
    if resource.get("intent") not in ("order", "original-order", "instance-order"):
        raise _error("MedicationRequest.intent", "must be an order (order, original-order or "
                                                 "instance-order), not a proposal or plan")
    strength = _strength(resource)
    order: dict[str, Any] = {**pharmacy, "strength": strength}
    quantity = ((resource.get("dispenseRequest") or {}).get("quantity") or {})
    if quantity.get("value") is None:
        raise _error(PATHS["quantity"], "how many capsules to dispense is required",
                     "FIELD_REQUIRED")
    if _unit(quantity) not in _CAPSULE_UNITS:  # "1 bottle" is not 1 capsule
        raise _error("MedicationRequest.dispenseRequest.quantity",
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
    for key, value in (("patient", _patient(resource)), ("prescriber", _prescriber(resource))):
        if value:
            order[key] = value
    identifiers = resource.get("identifier") or []
    if identifiers and identifiers[0].get("value"):
        order["prescription_id"] = identifiers[0]["value"]
    return order


def fhir_path(field: str) -> str:
    """The FHIR path an order field came from (``patient.name`` → ``MedicationRequest.subject``
    ...), or the field itself for what the pharmacy gave."""
    head = field.split(".")[0].split("[")[0]
    return PATHS.get(head, field)


def _ratio(mg: Fraction) -> dict[str, Any]:
    return {"numerator": {"value": float(mg), "unit": "mg", "system": UCUM, "code": "mg"},
            "denominator": {"value": 1, "unit": "capsule"}}


def medication_dispense(order: Any, plan: Any, lot: str, status: str, bud: date,
                        filler_per_capsule: Fraction, prepared: str | None) -> dict[str, Any]:
    """A MedicationDispense (FHIR R4) of a batch: the contained Medication's ingredients per
    capsule, its batch lot and expiration (the beyond-use date)."""
    code: dict[str, Any] = {
        "text": f"Naltrexone HCl {show(plan.strength)} mg capsules (compounded)"}
    if plan.mfr is not None:  # the master formulation record it was made under
        code["coding"] = [{"system": MFR_SYSTEM, "code": plan.mfr.ref,
                           "display": f"{plan.mfr.name}, version {plan.mfr.version}"}]
    medication = {
        "resourceType": "Medication", "id": "compounded",
        "code": code,
        "form": {"text": "capsule"},
        "ingredient": [
            {"itemCodeableConcept": {"coding": [{"system": RXNORM, "code": "7243",
                                                 "display": "naltrexone"}],
                                     "text": "naltrexone hydrochloride"},
             "isActive": True, "strength": _ratio(plan.strength)},
            {"itemCodeableConcept": {"text": order.filler.name}, "isActive": False,
             "strength": _ratio(filler_per_capsule)}],
        "batch": {"lotNumber": lot, "expirationDate": bud.isoformat()},
    }
    state = DISPENSE_STATUS.get(status, "unknown")
    dispense: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "status": state,
        "contained": [medication],
        "medicationReference": {"reference": "#compounded"},
        "quantity": {"value": plan.capsules_dispensed, "unit": "capsule"},
        "daysSupply": {"value": plan.days_supply, "unit": "day", "system": UCUM, "code": "d"},
        "dosageInstruction": [{"text": plan.directions}],
        "identifier": [{"system": "urn:compounding:lot", "value": lot}],
    }
    if state == "declined":
        dispense["statusReasonCodeableConcept"] = {"text": "rejected at verification"}
    if order.patient and (order.patient.id or order.patient.name):
        dispense["subject"] = {k: v for k, v in (
            ("display", order.patient.name),
            ("identifier", {"value": order.patient.id} if order.patient.id else None)) if v}
    if order.prescription_id:
        dispense["authorizingPrescription"] = [{"identifier": {"value": order.prescription_id}}]
    if prepared:
        dispense["whenPrepared"] = prepared
    return dispense
