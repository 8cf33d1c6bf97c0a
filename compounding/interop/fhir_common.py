"""What FHIR R4 reading and writing share across dosage forms (:mod:`.fhir` for capsules,
:mod:`.fhir_liquid` for oral liquids, :mod:`.fhir_kit` for capsule titration kits): the code
systems, errors naming a FHIR path, contained resources, a Dosage's timing, route and length
(a titration's steps, by ``sequence``), and the MedicationDispense of a batch around its
contained Medication (HL7 FHIR R4). The patient, prescriber and numbers of a request are
:mod:`.fhir_people`'s."""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from compounding.display import show
from compounding.errors import ErrorDetail, OrderError

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
MFR_SYSTEM = "urn:compounding:mfr"
"""The code system of the workbench's master formulation records: ``ID@version``."""
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
ORAL_ROUTE = {"system": SNOMED, "code": "26643006", "display": "Oral route"}
TIMING_CODES = {"QD": 1, "BID": 2, "TID": 3, "QID": 4}
DAY_UNITS = {"d": 1, "day": 1, "days": 1, "wk": 7, "week": 7, "weeks": 7}
"""A duration's units [days each] (UCUM d and wk, and the words)."""
_ORAL_WORDS = re.compile(r"\b(oral|by mouth|po|orally)\b", re.IGNORECASE)
# a record's status → MedicationDispense.status (FHIR R4 value set medicationdispense-status)
DISPENSE_STATUS = {"printed": "preparation", "compounded": "in-progress",
                   "verified": "completed", "rejected": "declined", "scrapped": "stopped"}
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
    "rx_number": "MedicationRequest.identifier",
}


def fhir_error(path: str, message: str, code: str = "INVALID_VALUE") -> OrderError:
    return OrderError([ErrorDetail(code, path, message)])


def contained(resource: Mapping[str, Any], reference: Any, kind: str, path: str) -> Any:
    """A contained resource named by ``{"reference": "#id"}``; ``None`` for an outside one."""
    target = (reference or {}).get("reference", "") if isinstance(reference, Mapping) else ""
    if not target.startswith("#"):
        return None
    for item in resource.get("contained") or []:
        if item.get("resourceType") == kind and item.get("id") == target[1:]:
            return item
    raise fhir_error(f"{path}.reference", f"no contained {kind} has the id {target[1:]!r}")


# UCUM mass units [mg per unit] (UCUM: "ug"; people also write mcg and µg)
MASS_UNITS = {"mg": Fraction(1), "ug": Fraction(1, 1000), "mcg": Fraction(1, 1000),
              "µg": Fraction(1, 1000), "μg": Fraction(1, 1000), "g": Fraction(1000)}


def unit_of(quantity: Mapping[str, Any]) -> str:
    """A Quantity's unit as compared: its UCUM ``code`` when given, else its ``unit`` text."""
    return str(quantity.get("code") or quantity.get("unit") or "").strip().casefold()


def timing_of(dosage: Mapping[str, Any], path: str) -> dict[str, Any]:
    """A Dosage's ``doses_per_day`` (``timing.repeat.frequency`` a ``period`` of 1 day, or
    ``timing.code`` QD/BID/TID/QID) and ``timing`` ("at bedtime" for ``when`` HS), as given."""
    found: dict[str, Any] = {}
    timing = dosage.get("timing") or {}
    repeat = timing.get("repeat") or {}
    if repeat.get("frequency") is not None:
        if (repeat.get("period", 1), repeat.get("periodUnit", "d")) != (1, "d"):
            raise fhir_error(f"{path}.timing.repeat", "give the frequency per day (period 1, "
                                                      "periodUnit d)")
        found["doses_per_day"] = repeat["frequency"]
    else:
        code = ((timing.get("code") or {}).get("coding") or [{}])[0].get("code")
        if code in TIMING_CODES:
            found["doses_per_day"] = TIMING_CODES[code]
    if "HS" in (repeat.get("when") or []):
        found["timing"] = "at bedtime"
    return found


def number_of(quantity: Mapping[str, Any], path: str) -> Fraction:
    """A Quantity's ``value``, exactly; more than 0, or refused naming ``path``."""
    value = quantity.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise fhir_error(path, "give the value as a number", "FIELD_REQUIRED")
    try:
        number = Fraction(str(value))
    except (ValueError, OverflowError):  # NaN and Infinity pass through JSON
        raise fhir_error(path, "the value is not a number") from None
    if number <= 0:
        raise fhir_error(path, "the value must be more than 0")
    return number


def decimal_text(value: Fraction, path: str, what: str) -> str:
    """``value`` written exactly in decimals (at most 6 places), or refused."""
    if (value * 10**6).denominator != 1:
        raise fhir_error(path, f"{what} works out at {show(value, 6)}…, not a decimal of at "
                               f"most 6 places: give it so")
    return show(value, 6)


def in_sequence(resource: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    """The dosage instructions with their indexes, by ``sequence`` (then as given)."""
    return sorted(enumerate(resource.get("dosageInstruction") or []),
                  key=lambda d: (d[1].get("sequence") or 0, d[0]))


def schedule_path(field: str, resource: Mapping[str, Any] | None) -> str | None:
    """The FHIR path of a schedule step's field (``schedule[1].days`` →
    ``MedicationRequest.dosageInstruction[1].timing.repeat.boundsDuration``), the step counted
    in the ``resource``'s sequence; ``None`` for any other field."""
    found = re.match(r"schedule\[(\d+)\](?:\.(\w+))?", field)
    if not found:
        return None
    tail = {"dose": ".doseAndRate[0].doseQuantity", "days": ".timing.repeat.boundsDuration",
            "doses_per_day": ".timing.repeat.frequency"}.get(found.group(2) or "", "")
    given = [index for index, _ in in_sequence(resource or {})]
    step = int(found.group(1))
    index = given[step] if step < len(given) else step
    return f"MedicationRequest.dosageInstruction[{index}]{tail}"


def check_oral(dosage: Mapping[str, Any], path: str, what: str) -> None:
    """A Dosage's ``route``, when given, must be oral (SNOMED CT 26643006 |Oral route|, or
    says so in words); ``what`` is taken by mouth."""
    route = dosage.get("route")
    if route and not (any(c.get("system") == SNOMED and c.get("code") == ORAL_ROUTE["code"]
                          for c in route.get("coding") or [])
                      or any(_ORAL_WORDS.search(str(t)) for t in (
                          route.get("text"), *(c.get("display") for c in
                                               route.get("coding") or [])) if t)):
        raise fhir_error(f"{path}.route", f"{what} is taken by mouth: the route must be oral "
                                          f"(SNOMED CT 26643006)")


def step_days(dosage: Mapping[str, Any], path: str) -> int:
    """How long a titration's step lasts [days]: its ``timing.repeat.boundsDuration`` in days
    or weeks (UCUM d, wk), a whole number of days."""
    bounds = ((dosage.get("timing") or {}).get("repeat") or {}).get("boundsDuration") or {}
    where = f"{path}.timing.repeat.boundsDuration"
    unit = unit_of(bounds)
    if not bounds or unit not in DAY_UNITS:
        raise fhir_error(where, "each step of a titration needs its length in days (or weeks)",
                         "FIELD_REQUIRED")
    days = number_of(bounds, where) * DAY_UNITS[unit]
    if days.denominator != 1:
        raise fhir_error(where, "give a whole number of days")
    return int(days)


NALTREXONE = {"itemCodeableConcept": {"coding": [{"system": RXNORM, "code": "7243",
                                                  "display": "naltrexone"}],
                                      "text": "naltrexone hydrochloride"}}
"""A Medication ingredient: naltrexone (RxNorm ingredient 7243), as its hydrochloride."""


def medication_code(plan: Any, text: str) -> dict[str, Any]:
    """A compounded Medication's ``code``: its ``text`` and the master formulation record it
    was made under (``ID@version``), when there is one."""
    code: dict[str, Any] = {"text": f"{text} (compounded)"}
    if plan.mfr is not None:
        code["coding"] = [{"system": MFR_SYSTEM, "code": plan.mfr.ref,
                           "display": f"{plan.mfr.name}, version {plan.mfr.version}"}]
    return code


def dispense_of(order: Any, medication: dict[str, Any], lot: str, status: str,
                prepared: str | None, supplied: dict[str, Any]) -> dict[str, Any]:
    """A MedicationDispense of the contained ``medication``: its status, the batch lot, the
    patient, the prescription and the day prepared, with what was ``supplied`` (quantity,
    days' supply, dosage instructions)."""
    state = DISPENSE_STATUS.get(status, "unknown")
    dispense: dict[str, Any] = {
        "resourceType": "MedicationDispense",
        "status": state,
        "contained": [medication],
        "medicationReference": {"reference": "#compounded"},
        **supplied,
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
