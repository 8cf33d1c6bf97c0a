"""FHIR R4 for oral liquids: a MedicationRequest for an oral suspension becomes an oral liquid
order and its plan; a liquid batch becomes a MedicationDispense, validated with
``fhir.resources`` (R4B models, which carry R4's MedicationRequest and MedicationDispense).

Codes (HL7 FHIR value sets medication-form-codes and route-codes, SNOMED CT): 385024007
|Oral suspension|, 385023001 |Oral solution|, 26643006 |Oral route|; units UCUM. The worked
example is tests/test_liquid_plan.py's: 4.5 mg nightly for 30 days at 1 mg/mL is 4.5 mL a dose
in the 10 mL syringe (marked every 0.5 mL), V = 30 × 4.5 = 135 mL, Vb = 135 + 6.75 = 141.75 mL
(Fawcett, Morgan & Woods, Ann Pharmacother 1997;31:1291-5).
"""

from __future__ import annotations

import copy
from fractions import Fraction

import pytest
from fhir.resources.R4B.medicationdispense import MedicationDispense
from fhir.resources.R4B.medicationrequest import MedicationRequest

from compounding import OrderError, plan_order
from compounding.interop.fhir import fhir_path, order_from_medication_request
from compounding.interop.fhir_liquid import liquid_dispense
from compounding.orders.reading import parse_any

from .test_fhir import REQUEST as CAPSULES
from .test_fhir import post
from .test_web_api import check_error

UCUM = "http://unitsofmeasure.org"
SCT = "http://snomed.info/sct"
WEIGHT = "?average_tablet_weight=250%20mg"
TABLETS = {"average_tablet_weight": "250 mg", "lot": "NTX-7", "expiry": "2028-01-31"}


def ucum(value, code):
    return {"value": value, "unit": code, "system": UCUM, "code": code}


SUSPENSION = {"resourceType": "Medication", "id": "med",
              "code": {"text": "Naltrexone HCl oral suspension (compounded)"},
              "form": {"coding": [{"system": SCT, "code": "385024007",
                                   "display": "Oral suspension"}]},
              "ingredient": [{"itemCodeableConcept": {"text": "naltrexone hydrochloride"},
                              "strength": {"numerator": ucum(1, "mg"),
                                           "denominator": ucum(1, "mL")}}]}
REQUEST = copy.deepcopy(CAPSULES)
REQUEST.pop("medicationCodeableConcept")
REQUEST["contained"].append(SUSPENSION)
REQUEST["medicationReference"] = {"reference": "#med"}
REQUEST["dosageInstruction"] = [{
    "text": "Take 4.5 mL (4.5 mg) by mouth at bedtime",
    "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d", "when": ["HS"]}},
    "route": {"coding": [{"system": SCT, "code": "26643006", "display": "Oral route"}]},
    "doseAndRate": [{"doseQuantity": ucum(4.5, "mL")}]}]
REQUEST["dispenseRequest"] = {"numberOfRepeatsAllowed": 2,
                              "expectedSupplyDuration": ucum(30, "d")}


def changed(**parts):
    request = copy.deepcopy(REQUEST)
    for key, value in parts.items():
        if value is None:
            request.pop(key)
        else:
            request[key] = value
    return request


def test_a_dose_in_ml_of_an_oral_suspension_plans_an_oral_liquid(client):
    MedicationRequest.model_validate(REQUEST)
    answer = post(client, REQUEST, query=WEIGHT)  # no capsule size asked for
    assert answer.status_code == 200, answer.data[:400]
    order, plan = answer.get_json()["order"], answer.get_json()["plan"]
    assert (order["form"], order["concentration"], order["strength"], order["days_supply"]) == (
        "oral_liquid", {"value": 1, "unit": "mg/mL"}, {"value": 4.5, "unit": "mg"}, 30)
    assert order["prescription_id"] == "EHR-RX-7731" and order["refills"] == 2
    assert order["patient"]["name"] == "Jane Q. Public"
    assert plan["form"] == "oral_liquid" and plan["kind"] == "suspension"
    assert (plan["dose_volume"], plan["volume"], plan["batch_volume"]) == (
        {"value": 4.5, "unit": "mL"}, {"value": 135, "unit": "mL"},
        {"value": 141.75, "unit": "mL"})
    assert plan["syringe"] == {"capacity": {"value": 10, "unit": "mL"},
                               "graduation": {"value": 0.5, "unit": "mL"}}
    assert plan["directions"] == "Take 4.5 mL (4.5 mg) by mouth at bedtime"


def test_a_dose_in_mg_at_a_ratio_per_ml_and_a_volume_in_ml(client):
    # 0.5 mg per 5 mL = 0.1 mg/mL; 50 mcg = 0.05 mg is 0.5 mL in the 1 mL syringe (by 0.01 mL);
    # 15 mL lasts 15 / 0.5 = 30 days, as the request expects
    medication = copy.deepcopy(SUSPENSION)
    medication.pop("form")
    medication["code"] = {"text": "LDN"}
    medication["ingredient"][0]["strength"] = {"numerator": ucum(0.5, "mg"),
                                               "denominator": ucum(5, "mL")}
    request = changed(contained=[*REQUEST["contained"][:2], medication])
    request["dosageInstruction"][0]["doseAndRate"] = [{"doseQuantity": ucum(50, "ug")}]
    request["dosageInstruction"][0].pop("text")
    request["dispenseRequest"] = {"quantity": ucum(15, "mL"),
                                  "expectedSupplyDuration": ucum(30, "d")}
    answer = post(client, request, query=WEIGHT)
    assert answer.status_code == 200, answer.data[:400]
    plan = answer.get_json()["plan"]
    assert plan["concentration"] == {"value": 0.1, "unit": "mg/mL"}
    assert plan["dose_volume"] == {"value": 0.5, "unit": "mL"} and plan["days_supply"] == 30
    assert plan["syringe"]["capacity"] == {"value": 1, "unit": "mL"}
    assert plan["directions"] == "Take 0.5 mL (0.05 mg) by mouth at bedtime"
    # 15 mL does not last 40 days: the request contradicts itself
    request["dispenseRequest"]["expectedSupplyDuration"] = ucum(40, "d")
    errors = check_error(post(client, request, query=WEIGHT), 422)
    assert errors[0]["field"] == "MedicationRequest.dispenseRequest.expectedSupplyDuration"
    assert "15 mL lasts 30 days at 0.5 mL a day, not the 40 days expected" in (
        errors[0]["message"])


def test_the_medication_text_names_the_liquid_and_a_titration_is_a_schedule():
    # three dosage instructions of 7 days each: 1.5, 3 and 4.5 mL of 1 mg/mL
    request = changed(medicationReference=None,
                      medicationCodeableConcept={"text": "Naltrexone HCl 1 mg/mL oral "
                                                         "suspension"})
    request["dosageInstruction"] = [
        {"sequence": n + 1, "timing": {"repeat": {"frequency": 1, "period": 1,
                                                  "periodUnit": "d", "when": ["HS"],
                                                  "boundsDuration": ucum(7, "d")}},
         "doseAndRate": [{"doseQuantity": ucum(dose, "mL")}]}
        for n, dose in reversed(list(enumerate((1.5, 3, 4.5))))]  # any order: by sequence
    request["dispenseRequest"] = {}
    order = order_from_medication_request(request, {"source": TABLETS})
    assert order["schedule"] == [{"doses_per_day": 1, "dose": dose, "days": 7}
                                 for dose in ("1.5 mg", "3 mg", "4.5 mg")]
    plan = plan_order(order)
    assert [s.dose_volume for s in plan.steps] == [Fraction(3, 2), 3, Fraction(9, 2)]
    assert plan.volume == 7 * (Fraction(3, 2) + 3 + Fraction(9, 2)) == 63
    # a step's error names the instruction as the request gives it: sequence 1 is the last
    assert fhir_path("schedule[0].dose", "oral_liquid", request) == (
        "MedicationRequest.dosageInstruction[2].doseAndRate[0].doseQuantity")
    request["dosageInstruction"][1]["timing"]["repeat"].pop("boundsDuration")
    with pytest.raises(OrderError) as caught:
        order_from_medication_request(request, {"source": TABLETS})
    assert caught.value.errors[0].field == (
        "MedicationRequest.dosageInstruction[1].timing.repeat.boundsDuration")


def test_what_a_liquid_request_gets_wrong_names_its_fhir_path(client):
    no_concentration = changed(contained=REQUEST["contained"][:2], medicationReference=None,
                               medicationCodeableConcept={"text": "naltrexone oral "
                                                                  "suspension"})
    [error] = check_error(post(client, no_concentration, query=WEIGHT), 422)
    assert error["field"] == ("MedicationRequest.dosageInstruction[0].doseAndRate[0]"
                              ".doseQuantity")
    assert "a dose in mL needs the concentration" in error["message"]
    rectal = copy.deepcopy(REQUEST)
    rectal["dosageInstruction"][0]["route"] = {"coding": [{"system": SCT, "code": "37161004",
                                                           "display": "Rectal route"}]}
    [error] = check_error(post(client, rectal, query=WEIGHT), 422)
    assert error["field"] == "MedicationRequest.dosageInstruction[0].route"
    bottle = changed(dispenseRequest={"quantity": {"value": 1, "unit": "bottle"}})
    [error] = check_error(post(client, bottle, query=WEIGHT), 422)
    assert error["field"] == "MedicationRequest.dispenseRequest.quantity"
    per_capsule = copy.deepcopy(REQUEST)
    per_capsule["contained"][2]["ingredient"][0]["strength"]["denominator"] = {
        "value": 1, "unit": "capsule"}
    [error] = check_error(post(client, per_capsule, query=WEIGHT), 422)
    assert error["field"] == ("MedicationRequest.contained[2].ingredient[0].strength"
                              ".denominator")
    # the planner's errors too: 30 mL a dose at 1 mg/mL is over 20 mL
    too_much = copy.deepcopy(REQUEST)
    too_much["dosageInstruction"][0]["doseAndRate"] = [{"doseQuantity": ucum(30, "mL")}]
    too_much["dosageInstruction"][0].pop("text")
    errors = check_error(post(client, too_much, query=WEIGHT), 422)
    assert {(e["code"], e["field"]) for e in errors} >= {
        ("DOSE_VOLUME", "MedicationRequest.contained[2].ingredient[0].strength")}
    # a concentration of the text, and one no master formulation record makes
    named = changed(medicationReference=None, dosageInstruction=too_much["dosageInstruction"],
                    medicationCodeableConcept={"text": "Naltrexone 0.5 mg/mL oral solution"})
    errors = check_error(post(client, named, query=WEIGHT), 422)
    assert {e["field"] for e in errors} == {"MedicationRequest.medicationCodeableConcept.text"}
    # only the tablets' weight is the pharmacy's to give
    assert [e["field"] for e in check_error(post(client, REQUEST, query=""), 422)] == [
        "average_tablet_weight"]


def dispensed(order, status="verified"):
    plan = plan_order(order)
    resource = liquid_dispense(parse_any(order), plan, "LQ-0001", status,
                               plan.beyond_use_date, "2026-11-22")
    MedicationDispense.model_validate(resource)  # valid FHIR
    return plan, resource


def test_a_liquid_batch_is_a_medication_dispense_in_ml():
    order = {"form": "oral_liquid", "strength": "4.5 mg", "days_supply": 30, "source": TABLETS,
             "patient": {"name": "Jane Q. Public", "id": "MRN-00042"},
             "prescription_id": "EHR-RX-7731"}
    plan, resource = dispensed(order)
    [medication] = resource["contained"]
    assert medication["form"]["coding"] == [{"system": SCT, "code": "385024007",
                                             "display": "Oral suspension"}]
    [formula] = medication["code"]["coding"]
    assert (formula["system"], formula["code"]) == ("urn:compounding:mfr", "LDN-LIQ-1@1")
    active, *others = medication["ingredient"]
    assert active["itemCodeableConcept"]["text"] == "naltrexone hydrochloride"
    assert active["isActive"] is True
    assert active["strength"] == {"numerator": ucum(1, "mg"), "denominator": ucum(1, "mL")}
    # per mL: ascorbic acid 0.5 % w/v = 5 mg, sodium benzoate 0.1 % w/v = 1 mg, glycerol
    # 20 % v/v = 0.2 mL, water to volume
    assert [(o["itemCodeableConcept"]["text"].split()[0],
             o.get("strength", {}).get("numerator", {}).get("value"),
             o.get("strength", {}).get("numerator", {}).get("code")) for o in others] == [
        ("Ascorbic", 5, "mg"), ("Sodium", 1, "mg"), ("Glycerin", 0.2, "mL"),
        ("Purified", None, None)]
    assert medication["batch"] == {"lotNumber": "LQ-0001",
                                   "expirationDate": plan.beyond_use_date.isoformat()}
    assert resource["status"] == "completed" and resource["quantity"] == ucum(135, "mL")
    assert resource["daysSupply"]["value"] == 30
    [dosage] = resource["dosageInstruction"]
    assert dosage["text"] == "Take 4.5 mL (4.5 mg) by mouth at bedtime"
    assert dosage["doseAndRate"] == [{"doseQuantity": ucum(4.5, "mL")}]
    assert dosage["timing"]["repeat"] == {"frequency": 1, "period": 1, "periodUnit": "d",
                                          "when": ["HS"]}
    assert [i["text"] for i in dosage["additionalInstruction"]] == [
        "Shake well", "Use the 10 mL oral syringe, marked every 0.5 mL"]
    assert resource["subject"]["identifier"]["value"] == "MRN-00042"
    assert resource["authorizingPrescription"][0]["identifier"]["value"] == "EHR-RX-7731"
    # what it says is enough to order the same liquid again
    again = changed(contained=[*REQUEST["contained"][:2], {**medication, "id": "med"}],
                    dosageInstruction=resource["dosageInstruction"],
                    dispenseRequest={"quantity": resource["quantity"]})
    replanned = plan_order(order_from_medication_request(again, {"source": TABLETS}))
    assert (replanned.concentration, replanned.dose_volume, replanned.volume,
            replanned.days_supply) == (1, Fraction(9, 2), 135, 30)


def test_a_solution_and_a_titration_dispensed():
    powder = {"kind": "api_powder", "assay": "99.2 %", "lot": "API-3", "expiry": "2028-01-31"}
    schedule = [{"dose": f"{d} mg", "days": 7} for d in ("1.5", "3", "4.5")]
    _, resource = dispensed({"form": "oral_liquid", "schedule": schedule, "source": powder},
                            status="printed")
    assert resource["status"] == "preparation"
    assert resource["contained"][0]["form"]["coding"][0]["code"] == "385023001"  # solution
    assert resource["quantity"] == ucum(63, "mL") and resource["daysSupply"]["value"] == 21
    steps = resource["dosageInstruction"]
    assert [(s["sequence"], s["doseAndRate"][0]["doseQuantity"]["value"],
             s["timing"]["repeat"]["boundsDuration"]["value"]) for s in steps] == [
        (1, 1.5, 7), (2, 3, 7), (3, 4.5, 7)]
    assert steps[1]["text"] == "Days 8–14: take 3 mL (3 mg) by mouth at bedtime"
    assert "Shake well" not in {i["text"] for i in steps[0]["additionalInstruction"]}
