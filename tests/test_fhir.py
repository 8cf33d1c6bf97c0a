"""FHIR R4 in and out: a MedicationRequest becomes an order and its plan; a batch record becomes
a MedicationDispense, validated with ``fhir.resources``. The resources are written as a
prescriber's EHR would send them (HL7 FHIR R4 MedicationRequest examples)."""

from __future__ import annotations

import copy
import json

from fhir.resources.R4B.medicationdispense import MedicationDispense

from .people import signature
from .test_records import BENCH
from .test_web_api import check_error

PHARMACY = "?capsule_size=3&average_tablet_weight=250%20mg&pack_stat=130%20mg"
REQUEST = {
    "resourceType": "MedicationRequest",
    "id": "ldn-7731",
    "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.1234.1", "value": "EHR-RX-7731"}],
    "status": "active",
    "intent": "order",
    "contained": [
        {"resourceType": "Patient", "id": "pat",
         "identifier": [{"system": "urn:oid:2.16.840.1.113883.3.1234.2", "value": "MRN-00042"}],
         "name": [{"family": "Public", "given": ["Jane", "Q."]}], "birthDate": "1971-03-14"},
        {"resourceType": "Practitioner", "id": "doc",
         "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}],
         "name": [{"text": "Dr. A. Example"}]},
    ],
    "medicationCodeableConcept": {"text": "Naltrexone HCl 4.5 mg capsule (compounded)"},
    "subject": {"reference": "#pat"},
    "requester": {"reference": "#doc"},
    "dosageInstruction": [{
        "text": "Take 1 capsule by mouth at bedtime",
        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d", "when": ["HS"]}},
        "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "capsule"}}]}],
    "dispenseRequest": {"quantity": {"value": 30, "unit": "capsule"},
                        "numberOfRepeatsAllowed": 2},
}


def post(client, resource, query=PHARMACY, mimetype="application/fhir+json"):
    import json

    return client.post(f"/api/v1/fhir/MedicationRequest{query}", data=json.dumps(resource),
                       content_type=mimetype)


def test_a_medication_request_becomes_an_order_and_its_plan(client):
    answer = post(client, REQUEST)
    assert answer.status_code == 200, answer.data[:400]
    order, plan = answer.get_json()["order"], answer.get_json()["plan"]
    assert order["patient"] == {"id": "MRN-00042", "name": "Jane Q. Public",
                                "date_of_birth": "1971-03-14", "conditions": [],
                                "allergies": []}
    assert order["prescriber"] == {"name": "Dr. A. Example", "npi": "1234567893"}
    assert (order["prescription_id"], order["quantity"], order["refills"]) == (
        "EHR-RX-7731", 30, 2)
    assert order["sig"] == {"capsules_per_dose": 1, "doses_per_day": 1, "timing": "at bedtime"}
    # the domain.md worked example: 4.5 mg × 30, 3 tablets
    assert plan["tablets"] == 3 and plan["strength"] == {"value": 4.5, "unit": "mg"}
    assert plan["directions"] == "Take 1 capsule by mouth at bedtime"


def test_a_contained_medication_gives_the_strength_and_bid_is_two_doses(client):
    resource = copy.deepcopy(REQUEST)
    resource.pop("medicationCodeableConcept")
    resource["contained"].append({
        "resourceType": "Medication", "id": "med", "code": {"text": "LDN capsule"},
        "ingredient": [{"itemCodeableConcept": {"text": "naltrexone hydrochloride"},
                        "strength": {"numerator": {"value": 1.5, "unit": "mg",
                                                   "system": "http://unitsofmeasure.org",
                                                   "code": "mg"},
                                     "denominator": {"value": 1, "unit": "capsule"}}}]})
    resource["medicationReference"] = {"reference": "#med"}
    resource["dosageInstruction"][0]["timing"] = {"code": {"coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "code": "BID"}]}}
    resource["dosageInstruction"][0].pop("text")
    answer = post(client, resource, mimetype="application/json")
    assert answer.status_code == 200, answer.data[:400]
    plan = answer.get_json()["plan"]
    assert plan["strength"] == {"value": 1.5, "unit": "mg"} and plan["sig"]["doses_per_day"] == 2
    assert plan["daily_dose"] == {"value": 3, "unit": "mg"}


def test_errors_name_the_fhir_path(client):
    no_quantity = copy.deepcopy(REQUEST)
    no_quantity["dispenseRequest"].pop("quantity")
    errors = check_error(post(client, no_quantity), 422)
    assert [e["field"] for e in errors] == ["MedicationRequest.dispenseRequest.quantity.value"]
    # an order the workbench refuses: 5000 capsules a dose is not a sig
    too_many = copy.deepcopy(REQUEST)
    too_many["dispenseRequest"]["quantity"]["value"] = 0
    errors = check_error(post(client, too_many), 422)
    assert errors[0]["field"] == "MedicationRequest.dispenseRequest.quantity.value"
    # a structural error, found by fhir.resources
    broken = copy.deepcopy(REQUEST)
    broken["dispenseRequest"]["numberOfRepeatsAllowed"] = "two"
    errors = check_error(post(client, broken), 422)
    assert errors[0]["field"].startswith("MedicationRequest.dispenseRequest.numberOfRepeats")
    dangling = copy.deepcopy(REQUEST)
    dangling["subject"] = {"reference": "#nobody"}
    errors = check_error(post(client, dangling), 422)
    assert errors[0]["field"] == "MedicationRequest.subject.reference"
    no_strength = copy.deepcopy(REQUEST)
    no_strength["medicationCodeableConcept"] = {"text": "low dose naltrexone"}
    errors = check_error(post(client, no_strength), 422)
    assert errors[0]["field"] == "MedicationRequest.medicationCodeableConcept.text"
    errors = check_error(post(client, REQUEST, query=""), 422)
    assert [e["field"] for e in errors] == ["capsule_size", "average_tablet_weight"]
    # a bad value the pharmacy gave names its query parameter, not the order field
    errors = check_error(post(client, REQUEST, query="?capsule_size=9&average_tablet_weight=heavy"),
                         422)
    assert sorted(e["field"] for e in errors) == ["average_tablet_weight", "capsule_size"]
    check_error(post(client, REQUEST | {"intent": "proposal"}), 422)
    check_error(post(client, REQUEST, mimetype="text/plain"), 415)


def test_a_record_is_a_medication_dispense(client, pharmacist):
    answer = post(client, REQUEST)
    order = answer.get_json()["order"]
    lot = client.post("/api/v1/records", json=order).get_json()["lot_number"]
    assert client.post(f"/api/v1/records/{lot}/bench", json=BENCH).status_code == 200
    assert pharmacist.post(f"/api/v1/records/{lot}/verification",
                           json={"decision": "approve", "signature": signature("rph")},
                           headers={"If-Match": '"2"'}).status_code == 200
    response = client.get(f"/api/v1/records/{lot}/fhir")
    assert response.mimetype == "application/fhir+json"
    resource = response.get_json()
    dispense = MedicationDispense.model_validate(resource)  # valid FHIR
    assert dispense.status == "completed"
    [medication] = resource["contained"]
    assert medication["batch"] == {"lotNumber": lot, "expirationDate": "2027-05-21"}
    # the master formulation record it was made under, approved in the pharmacy's formulary
    [formula] = medication["code"]["coding"]
    assert formula["system"] == "urn:compounding:mfr"
    assert formula["code"] == "LDN-CAPS-TAB-MCC@1" and "version 1" in formula["display"]
    active, filler = medication["ingredient"]
    assert active["strength"]["numerator"]["value"] == 4.5 and active["isActive"] is True
    # filler per capsule: F − powder per capsule = 130 − 22.5 = 107.5 mg (domain.md §3)
    assert filler["strength"]["numerator"]["value"] == 107.5 and filler["isActive"] is False
    assert resource["subject"]["identifier"]["value"] == "MRN-00042"
    assert resource["authorizingPrescription"][0]["identifier"]["value"] == "EHR-RX-7731"
    assert resource["quantity"]["value"] == 30 and resource["whenPrepared"] == "2026-11-22"


def test_a_batch_just_printed_is_in_preparation(client):
    lot = client.post("/api/v1/records", json=post(client, REQUEST).get_json()["order"]
                      ).get_json()["lot_number"]
    resource = client.get(f"/api/v1/records/{lot}/fhir").get_json()
    assert MedicationDispense.model_validate(resource).status == "preparation"


def _request(strength_text, dose, quantity=None):
    request = copy.deepcopy(REQUEST)
    request["medicationCodeableConcept"] = {"text": f"Naltrexone HCl {strength_text} capsule"}
    request["dosageInstruction"][0]["doseAndRate"] = [{"doseQuantity": dose}]
    request["dosageInstruction"][0].pop("text")
    if quantity is not None:
        request["dispenseRequest"]["quantity"] = quantity
    return request


UCUM_MG = {"system": "http://unitsofmeasure.org", "code": "mg", "unit": "mg"}


def test_a_dose_in_mg_is_counted_in_capsules(client):
    # 3 mg of 1.5 mg capsules read as "Take 3 capsules", 4.5 mg a day with no finding;
    # 1 mg of 0.5 mg capsules became 1 capsule
    for strength_text, dose, capsules, daily in (("1.5 mg", 3, 2, 3), ("0.5 mg", 1, 2, 1),
                                                 ("500 mcg", 1, 2, 1)):
        answer = post(client, _request(strength_text, {"value": dose, **UCUM_MG}))
        assert answer.status_code == 200, answer.data[:400]
        body = answer.get_json()
        assert body["order"]["sig"]["capsules_per_dose"] == capsules
        assert body["plan"]["daily_dose"] == {"value": daily, "unit": "mg"}
    dose = {"value": 1500, "system": "http://unitsofmeasure.org", "code": "ug", "unit": "mcg"}
    answer = post(client, _request("1.5 mg", dose))
    assert answer.get_json()["order"]["sig"]["capsules_per_dose"] == 1


def test_a_dose_the_capsules_cannot_make_is_refused(client):
    errors = check_error(post(client, _request("4.5 mg", {"value": 1.5, **UCUM_MG})), 422)
    assert errors[0]["field"] == ("MedicationRequest.dosageInstruction[0].doseAndRate[0]"
                                  ".doseQuantity")
    assert "not a whole number of 4.5 mg capsules" in errors[0]["message"]
    errors = check_error(post(client, _request("4.5 mg", {"value": 5, "unit": "mL"})), 422)
    assert "not a number of capsules" in errors[0]["message"]
    for value in ("NaN", "Infinity", "1e999"):  # JSON as Python reads it
        answer = client.post(f"/api/v1/fhir/MedicationRequest{PHARMACY}",
                             data=json.dumps(_request("4.5 mg", {"value": 1, **UCUM_MG}))
                             .replace('"value": 1, "system"', f'"value": {value}, "system"'),
                             content_type="application/fhir+json")
        assert answer.status_code in (400, 422), (value, answer.data[:200])


def test_a_quantity_that_is_not_capsules_is_refused(client):
    # dispenseRequest.quantity of 1 bottle became 1 capsule
    request = _request("4.5 mg", {"value": 1, "unit": "capsule"},
                       {"value": 1, "unit": "bottle"})
    errors = check_error(post(client, request), 422)
    assert errors[0]["field"] == "MedicationRequest.dispenseRequest.quantity"
    request = _request("4.5 mg", {"value": 1, "unit": "capsule"},
                       {"value": 30, "system": "http://snomed.info/sct", "code": "732937005",
                        "unit": "Capsule"})
    assert post(client, request).status_code == 200
