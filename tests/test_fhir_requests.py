"""FHIR MedicationRequests a pharmacy can dispense from: the Rx number from the request's
``identifier``, the patient and prescriber from the references' ``display`` or a Bundle's
entries, and refusals of requests that are not active or whose expected supply duration is not
what the quantity lasts (HL7 FHIR R4 MedicationRequest, Bundle, Reference)."""

from __future__ import annotations

import copy

import pytest

from compounding.documents import label_pdf
from compounding.errors import OrderError
from compounding.interop.fhir import order_from_medication_request
from compounding.orders.reading import parse_order

from .test_fhir import REQUEST, post
from .test_web_api import check_error

RX_SYSTEM = "urn:oid:2.16.840.1.113883.3.9999.7"
REFERENCED = copy.deepcopy(REQUEST)
REFERENCED.pop("contained")
REFERENCED["identifier"] = [
    {"system": "urn:oid:2.16.840.1.113883.3.1234.1", "value": "EHR-RX-7731"},
    {"system": RX_SYSTEM, "value": "RX-100245"}]
REFERENCED["subject"] = {"reference": "Patient/p-42", "display": "Jane Q. Public"}
REFERENCED["requester"] = {"reference": "Practitioner/d-7", "display": "Dr. A. Example"}


def test_the_rx_number_and_names_make_a_labelable_order(client, app):
    answer = post(client, REFERENCED)
    assert answer.status_code == 200, answer.data[:400]
    order = answer.get_json()["order"]
    # the first identifier whose value is an Rx number; the prescription id: the first's
    assert (order["rx_number"], order["prescription_id"]) == ("EHR-RX-7731", "EHR-RX-7731")
    assert order["patient"] == {"id": "p-42", "name": "Jane Q. Public", "conditions": [],
                                "allergies": []}
    assert order["prescriber"]["name"] == "Dr. A. Example"
    assert label_pdf(parse_order(order), app.config["PROFILE"]).startswith(b"%PDF")
    unnumbered = copy.deepcopy(REFERENCED)
    unnumbered["identifier"][0]["value"] = "2.16.840.1.7731"
    fallback = post(client, unnumbered).get_json()["order"]
    assert (fallback["rx_number"], fallback["prescription_id"]) == (
        "RX-100245", "2.16.840.1.7731")


def test_the_pharmacy_rx_number_system_chooses_the_identifier():
    order = order_from_medication_request(REFERENCED, {}, rx_system=RX_SYSTEM)
    assert (order["rx_number"], order["prescription_id"]) == ("RX-100245", "EHR-RX-7731")
    assert order_from_medication_request(REFERENCED, {}, rx_system="urn:other")[
        "rx_number"] == "EHR-RX-7731"
    wrong = copy.deepcopy(REFERENCED)
    wrong["identifier"][1]["value"] = "RX 100245"
    with pytest.raises(OrderError) as refused:
        order_from_medication_request(wrong, {}, rx_system=RX_SYSTEM)
    assert refused.value.errors[0].field == "MedicationRequest.identifier[1].value"


def _bundle(kind: str = "transaction") -> dict:
    request = copy.deepcopy(REFERENCED)
    request["subject"] = {"reference": "urn:uuid:6f1c0f4e-8a43-4c5e-9b7e-2f1d7a3c9e01"}
    request["requester"] = {"reference": "Practitioner/d-7"}
    patient = {"resourceType": "Patient", "id": "p-42",
               "identifier": [{"system": "urn:mrn", "value": "MRN-00042"}],
               "name": [{"family": "Public", "given": ["Jane", "Q."]}],
               "birthDate": "1971-03-14"}
    doctor = {"resourceType": "Practitioner", "id": "d-7",
              "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi",
                              "value": "1234567893"}],
              "name": [{"text": "Dr. A. Example"}]}
    return {"resourceType": "Bundle", "type": kind, "entry": [
        {"fullUrl": "urn:uuid:0b2d6c1e-3f4a-4f7e-8e2a-1c9d5b7a6f10", "resource": request},
        {"fullUrl": "urn:uuid:6f1c0f4e-8a43-4c5e-9b7e-2f1d7a3c9e01", "resource": patient},
        {"fullUrl": "https://ehr.example.org/fhir/Practitioner/d-7", "resource": doctor}]}


def test_a_bundle_gives_the_patient_and_the_prescriber(client):
    for kind in ("transaction", "collection"):
        answer = post(client, _bundle(kind))
        assert answer.status_code == 200, answer.data[:400]
        order = answer.get_json()["order"]
        assert order["patient"] == {"id": "MRN-00042", "name": "Jane Q. Public",
                                    "date_of_birth": "1971-03-14", "conditions": [],
                                    "allergies": []}
        assert order["prescriber"] == {"name": "Dr. A. Example", "npi": "1234567893"}
        assert answer.get_json()["plan"]["tablets"] == 3
    (error,) = check_error(post(client, _bundle("searchset")), 422)
    assert error["field"] == "Bundle.type"
    lonely = _bundle()
    lonely["entry"] = lonely["entry"][1:]
    assert check_error(post(client, lonely), 422)[0]["field"] == "Bundle.entry"


def test_only_an_active_request_is_dispensed(client):
    for status in ("draft", "cancelled"):
        resource = {**REQUEST, "status": status}
        (error,) = check_error(post(client, resource), 422)
        assert error["field"] == "MedicationRequest.status"
        assert status in error["message"] and "only active" in error["message"]


def test_an_expected_supply_duration_must_be_what_the_capsules_last(client):
    resource = copy.deepcopy(REQUEST)
    resource["dispenseRequest"]["expectedSupplyDuration"] = {
        "value": 90, "unit": "days", "system": "http://unitsofmeasure.org", "code": "d"}
    (error,) = check_error(post(client, resource), 422)
    assert error["field"] == "MedicationRequest.dispenseRequest.expectedSupplyDuration"
    assert "30 capsules last 30 days" in error["message"] and "90 days" in error["message"]
    resource["dispenseRequest"]["expectedSupplyDuration"]["value"] = 30
    assert post(client, resource).status_code == 200
