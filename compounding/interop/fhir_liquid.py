"""FHIR R4 for oral liquids: a MedicationRequest for an oral suspension or solution becomes an
oral liquid order (API v1.2, ``form: "oral_liquid"``); a liquid batch becomes a
MedicationDispense (:mod:`compounding.interop.fhir` does capsules, and the parts both share).

In: a request is for an oral liquid when its Medication's ``form`` is SNOMED CT 385024007
|Oral suspension|, 385023001 |Oral solution| or 385022006 |Oral liquid| (or says so in words),
when its medication text names one ("Naltrexone HCl 1 mg/mL oral suspension"), or when, with no
capsule named, its ingredient strength is per mL or its dose or quantity is in mL. The
concentration [mg/mL] is the contained Medication's ingredient strength, a Ratio of mg (or ug,
g) to mL, or the "1 mg/mL" of its text; without one the master formulation record's applies.
``doseAndRate.doseQuantity`` gives the dose in mg, or in mL at that concentration;
``dispenseRequest.quantity`` in mL the volume to dispense, else ``expectedSupplyDuration`` the
days' supply; several ``dosageInstruction`` (by ``sequence``), each lasting its
``timing.repeat.boundsDuration``, a titration schedule. A route given must be oral (SNOMED CT
26643006 |Oral route|).

Out: the Medication's ``form`` (SNOMED CT), naltrexone hydrochloride at a Ratio of mg to 1 mL
(UCUM, http://unitsofmeasure.org), the other ingredients per mL, the master formulation record;
the MedicationDispense's quantity in mL, its days' supply, and a dosage instruction per step with
the dose volume in mL ("Take 4.5 mL (4.5 mg) by mouth at bedtime").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from typing import Any

from compounding.display import show
from compounding.interop.fhir_common import (
    DAY_UNITS,
    MASS_UNITS,
    NALTREXONE,
    ORAL_ROUTE,
    PATHS,
    SNOMED,
    UCUM,
    check_oral,
    contained,
    decimal_text,
    dispense_of,
    fhir_error,
    in_sequence,
    medication_code,
    number_of,
    schedule_path,
    step_days,
    timing_of,
    unit_of,
)
from compounding.orders.liquid import LiquidOrder, LiquidPlan

FORMS = {"suspension": ("385024007", "Oral suspension"),
         "solution": ("385023001", "Oral solution")}
"""SNOMED CT dose forms of the liquids made (HL7 FHIR value set medication-form-codes)."""
_LIQUID_FORMS = frozenset({"385024007", "385023001", "385022006"})  # and Oral liquid
_CAPSULE_FORMS = frozenset({"385049006"})  # Capsule
_LIQUID_WORDS = re.compile(r"\b(suspension|solution|liquid)\b|\bmg\s*/\s*(\d+(\.\d+)?\s*)?ml\b",
                           re.IGNORECASE)
_CAPSULE_WORDS = re.compile(r"\bcap(sule)?s?\b", re.IGNORECASE)
_CONCENTRATION = re.compile(r"(\d+(?:\.\d+)?)\s*(mg|mcg|µg|ug)\s*/\s*(\d+(?:\.\d+)?)?\s*ml\b",
                            re.IGNORECASE)
_VOLUME_UNITS = {"ml": Fraction(1), "milliliter": Fraction(1), "milliliters": Fraction(1),
                 "l": Fraction(1000)}
DOSE = "MedicationRequest.dosageInstruction[0].doseAndRate[0].doseQuantity"
LIQUID_PATHS = {**PATHS, "strength": DOSE,
                "volume": "MedicationRequest.dispenseRequest.quantity",
                "days_supply": "MedicationRequest.dispenseRequest.expectedSupplyDuration",
                "schedule": "MedicationRequest.dosageInstruction"}


def _medication(resource: Mapping[str, Any]) -> Any:
    return contained(resource, resource.get("medicationReference"), "Medication",
                     "MedicationRequest.medicationReference")


def _texts(resource: Mapping[str, Any], medication: Any) -> list[str]:
    concept = (medication or {}).get("code") or resource.get("medicationCodeableConcept") or {}
    return [str(t) for t in (((medication or {}).get("form") or {}).get("text"),
                             concept.get("text"),
                             *(c.get("display") for c in concept.get("coding") or [])) if t]


def is_oral_liquid(resource: Mapping[str, Any]) -> bool:
    """Whether a MedicationRequest asks for an oral liquid rather than capsules."""
    medication = _medication(resource)
    form = ((medication or {}).get("form") or {}).get("coding") or []
    codes = {str(c.get("code")) for c in form if c.get("system") == SNOMED}
    if codes & _CAPSULE_FORMS or codes & _LIQUID_FORMS:
        return bool(codes & _LIQUID_FORMS)
    for text in _texts(resource, medication):
        if _CAPSULE_WORDS.search(text):
            return False
        if _LIQUID_WORDS.search(text):
            return True
    ratios = [(i.get("strength") or {}).get("denominator") or {}
              for i in (medication or {}).get("ingredient") or []]
    dosages = resource.get("dosageInstruction") or [{}]
    quantities = [*ratios, (resource.get("dispenseRequest") or {}).get("quantity") or {},
                  ((dosages[0].get("doseAndRate") or [{}])[0].get("doseQuantity") or {})]
    return any(unit_of(q) in _VOLUME_UNITS for q in quantities)


def concentration_path(resource: Mapping[str, Any]) -> str:
    """The FHIR path the concentration comes from (or would): the contained Medication's
    ingredient strength, or the medication's text."""
    medication = _medication(resource)
    if medication is None:
        return "MedicationRequest.medicationCodeableConcept.text"
    index = next(i for i, r in enumerate(resource.get("contained") or []) if r is medication)
    for number, ingredient in enumerate(medication.get("ingredient") or []):
        if (ingredient.get("strength") or {}).get("numerator"):
            return f"MedicationRequest.contained[{index}].ingredient[{number}].strength"
    return f"MedicationRequest.contained[{index}].code.text"


def _concentration(resource: Mapping[str, Any], medication: Any) -> Fraction | None:
    """The concentration [mg/mL]: the ingredient's Ratio of mass to mL, or the text's."""
    path = concentration_path(resource)
    for ingredient in (medication or {}).get("ingredient") or []:
        ratio = ingredient.get("strength") or {}
        numerator, denominator = ratio.get("numerator") or {}, ratio.get("denominator") or {}
        if not numerator:
            continue
        if unit_of(numerator) not in MASS_UNITS:
            raise fhir_error(f"{path}.numerator", f"the unit “{unit_of(numerator)}” is not a "
                                                  f"mass: give mg per mL")
        if unit_of(denominator) not in _VOLUME_UNITS:
            raise fhir_error(f"{path}.denominator", "the strength of an oral liquid is per "
                                                    "mL: give the denominator in mL (UCUM mL)")
        mg = number_of(numerator, f"{path}.numerator") * MASS_UNITS[unit_of(numerator)]
        ml = number_of(denominator, f"{path}.denominator") * _VOLUME_UNITS[unit_of(denominator)]
        return mg / ml
    for text in _texts(resource, medication):
        found = _CONCENTRATION.search(text)
        if found:
            per = Fraction(found.group(3) or 1)
            if per > 0:
                return Fraction(found.group(1)) * MASS_UNITS[found.group(2).casefold()] / per
    return None


def _dose(quantity: Mapping[str, Any], concentration: Fraction | None, path: str) -> Fraction:
    """A dose [mg]: a mass as it is, a volume [mL] at the concentration."""
    unit = unit_of(quantity)
    if unit in MASS_UNITS:
        return number_of(quantity, path) * MASS_UNITS[unit]
    if unit in _VOLUME_UNITS:
        if concentration is None:
            raise fhir_error(path, "a dose in mL needs the concentration: give the "
                                   "Medication's ingredient strength in mg per mL, or the dose "
                                   "in mg")
        return number_of(quantity, path) * _VOLUME_UNITS[unit] * concentration
    raise fhir_error(path, f"the unit “{quantity.get('unit') or quantity.get('code')}” is not "
                           f"a mass (mg) or a volume (mL): give the dose in mg or mL")


def _step(dosage: Mapping[str, Any], index: int, concentration: Fraction | None,
          schedule: bool) -> dict[str, Any]:
    """One dosage instruction: its dose [mg], doses a day and (in a schedule) days."""
    path = f"MedicationRequest.dosageInstruction[{index}]"
    check_oral(dosage, path, "an oral liquid")
    step: dict[str, Any] = timing_of(dosage, path)
    quantity = (dosage.get("doseAndRate") or [{}])[0].get("doseQuantity") or {}
    if quantity:
        where = f"{path}.doseAndRate[0].doseQuantity"
        dose = _dose(quantity, concentration, where)
        step["dose"] = f"{decimal_text(dose, where, 'the dose')} mg"
    if schedule:
        step["days"] = step_days(dosage, path)
    return step


def _supply(resource: Mapping[str, Any]) -> dict[str, Any]:
    """``volume`` from a quantity in mL, else ``days_supply`` from the expected duration."""
    dispense = resource.get("dispenseRequest") or {}
    quantity = dispense.get("quantity") or {}
    path = LIQUID_PATHS["volume"]
    if quantity:
        if unit_of(quantity) not in _VOLUME_UNITS:
            raise fhir_error(path, f"the unit “{quantity.get('unit') or quantity.get('code')}” "
                                   f"is not a volume: give the volume to dispense in mL")
        volume = number_of(quantity, f"{path}.value") * _VOLUME_UNITS[unit_of(quantity)]
        return {"volume": f"{decimal_text(volume, path, 'the volume')} mL"}
    days = supply_days(resource)
    return {} if days is None else {"days_supply": days}


def supply_days(resource: Mapping[str, Any]) -> int | None:
    """The days' supply a request expects (``dispenseRequest.expectedSupplyDuration``)."""
    duration = (resource.get("dispenseRequest") or {}).get("expectedSupplyDuration") or {}
    if not duration:
        return None
    path = LIQUID_PATHS["days_supply"]
    if unit_of(duration) not in DAY_UNITS:
        raise fhir_error(path, "give the expected supply duration in days (UCUM d)")
    days = number_of(duration, f"{path}.value") * DAY_UNITS[unit_of(duration)]
    if days.denominator != 1:
        raise fhir_error(f"{path}.value", "give a whole number of days")
    return int(days)


def check_supply(resource: Mapping[str, Any], plan: LiquidPlan) -> None:
    """A volume to dispense must last the days' supply the request also expects."""
    days = supply_days(resource)
    quantity = (resource.get("dispenseRequest") or {}).get("quantity")
    if not quantity or days is None or plan.days_supply >= days:
        return
    if len(plan.steps) > 1:
        raise fhir_error(LIQUID_PATHS["days_supply"], f"the titration lasts {plan.days_supply} "
                                                      f"days, not the {days} days expected")
    daily = plan.steps[0].dose_volume * plan.steps[0].doses_per_day
    raise fhir_error(LIQUID_PATHS["days_supply"],
                     f"{show(plan.volume)} mL lasts {plan.days_supply} days at {show(daily)} mL "
                     f"a day, not the {days} days expected: give {show(daily * days)} mL, or "
                     f"the duration alone")


def liquid_order(resource: Mapping[str, Any], pharmacy: Mapping[str, Any]) -> dict[str, Any]:
    """The oral liquid order (API v1.2 JSON) a MedicationRequest asks for; of ``pharmacy``
    (what the prescription does not say), what an oral liquid order takes (``source``,
    ``compounded_on`` ...); without the patient, prescriber and numbers
    (:func:`compounding.interop.fhir_people.people_of`)."""
    medication = _medication(resource)
    concentration = _concentration(resource, medication)
    order: dict[str, Any] = {k: v for k, v in pharmacy.items() if k in LiquidOrder.model_fields}
    order["form"] = "oral_liquid"
    if concentration is not None:
        written = decimal_text(concentration, concentration_path(resource), "the concentration")
        order["concentration"] = f"{written} mg/mL"
    dosages = in_sequence(resource)
    steps = [_step(d, i, concentration, len(dosages) > 1) for i, d in dosages]
    if len(steps) > 1:  # a schedule's steps are taken at bedtime once a day (liquid_dosing)
        order["schedule"] = [{k: v for k, v in s.items() if k != "timing"} for s in steps]
        texts = [str(d.get("text") or "") for _, d in dosages]
        if all(texts):
            order["directions"] = "; ".join(texts)
    elif steps:
        step = steps[0]
        if "dose" in step:
            order["strength"] = step.pop("dose")
        if step:
            order["sig"] = step
        if dosages[0][1].get("text"):
            order["directions"] = dosages[0][1]["text"]
    order.update(_supply(resource))
    repeats = (resource.get("dispenseRequest") or {}).get("numberOfRepeatsAllowed")
    if repeats is not None:
        order["refills"] = repeats
    return order


def liquid_path(field: str, resource: Mapping[str, Any] | None = None) -> str:
    """The FHIR path a liquid order's field came from (``schedule[1].days`` →
    ``MedicationRequest.dosageInstruction[1].timing.repeat.boundsDuration``); the
    concentration's (and the record's it chose), by the ``resource``."""
    step = schedule_path(field, resource)
    if step is not None:
        return step
    head = field.split(".")[0].split("[")[0]
    if head in ("concentration", "mfr"):
        return concentration_path(resource or {})
    return LIQUID_PATHS.get(head, field)


def _quantity(value: Fraction, unit: str) -> dict[str, Any]:
    number = float(round(value, 6))
    return {"value": int(number) if number.is_integer() else number, "unit": unit,
            "system": UCUM, "code": unit}


def _per_ml(value: Fraction, unit: str) -> dict[str, Any]:
    """A Ratio of ``value`` [``unit``] to 1 mL."""
    return {"numerator": _quantity(value, unit), "denominator": _quantity(Fraction(1), "mL")}


def _dosages(plan: LiquidPlan) -> list[dict[str, Any]]:
    """A Dosage per step of the plan: its dose volume [mL], times a day, and (in a schedule)
    its sequence and length."""
    cautions = [{"text": f"Use the {show(plan.syringe.capacity)} mL oral syringe, marked every "
                         f"{show(plan.syringe.graduation)} mL"}]
    if plan.kind == "suspension":
        cautions.insert(0, {"text": "Shake well"})
    out = []
    for index, step in enumerate(plan.steps):
        repeat: dict[str, Any] = {"frequency": step.doses_per_day, "period": 1, "periodUnit": "d"}
        if step.doses_per_day == 1 and (len(plan.steps) > 1 or plan.sig.timing == "at bedtime"):
            repeat["when"] = ["HS"]
        dosage: dict[str, Any] = {"text": plan.directions} if len(plan.steps) == 1 else {
            "sequence": index + 1,
            "text": f"Days {step.first_day}–{step.first_day + (step.days or 1) - 1}: take "
                    f"{show(step.dose_volume)} mL ({show(step.dose)} mg) by mouth"
                    f"{' at bedtime' if 'when' in repeat else ''}"}
        if len(plan.steps) > 1 and step.days:
            repeat["boundsDuration"] = {"value": step.days, "unit": "day", "system": UCUM,
                                        "code": "d"}
        out.append({**dosage, "additionalInstruction": cautions, "timing": {"repeat": repeat},
                    "route": {"coding": [ORAL_ROUTE]},
                    "doseAndRate": [{"doseQuantity": _quantity(step.dose_volume, "mL")}]})
    return out


def liquid_dispense(order: Any, plan: LiquidPlan, lot: str, status: str, bud: date,
                    prepared: str | None) -> dict[str, Any]:
    """A MedicationDispense (FHIR R4) of an oral liquid batch: the contained Medication (its
    form, naltrexone HCl and each other ingredient per mL, the batch lot and, as expiration,
    the beyond-use date), the volume dispensed [mL], the days' supply and the dosage."""
    code, display = FORMS[plan.kind]
    ingredients = [{**NALTREXONE, "isActive": True, "strength": _per_ml(plan.concentration,
                                                                         "mg")}]
    for part in plan.ingredients:
        if part.role == "active":
            continue
        item: dict[str, Any] = {"itemCodeableConcept": {"text": part.name}, "isActive": False}
        if part.amount is not None and part.unit in ("mg", "mL"):
            item["strength"] = _per_ml(part.amount / plan.batch_volume, part.unit)
        ingredients.append(item)
    medication = {
        "resourceType": "Medication", "id": "compounded",
        "code": medication_code(plan, f"Naltrexone HCl {show(plan.concentration)} mg/mL oral "
                                      f"{plan.kind}"),
        "form": {"coding": [{"system": SNOMED, "code": code, "display": display}],
                 "text": f"oral {plan.kind}"},
        "ingredient": ingredients,
        "batch": {"lotNumber": lot, "expirationDate": bud.isoformat()},
    }
    dispense = dispense_of(order, medication, lot, status, prepared, {
        "quantity": _quantity(plan.volume, "mL"),
        "daysSupply": {"value": plan.days_supply, "unit": "day", "system": UCUM, "code": "d"},
        "dosageInstruction": _dosages(plan)})
    if plan.storage:
        dispense["note"] = [{"text": plan.storage}]
    return dispense
