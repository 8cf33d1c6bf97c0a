"""FHIR R4 for capsule titration kits: a MedicationRequest for capsules with three dosage
instructions, ordered by ``sequence``, each a dose in mg held for its
``timing.repeat.boundsDuration`` (HL7 FHIR R4 Dosage), plans the kit its JSON schedule plans.

The kit is tests/test_kit_plan.py's: 1.5 mg nightly for 14 days, 3 mg for 14 days (written
here as 2 weeks, UCUM wk), then 4.5 mg for 30 days: 14, 14 and 30 capsules + overage 1, 1 and 2,
in white, blue and green shells (samples/pharmacy.toml's kit colours), 58 days.
"""

from __future__ import annotations

import copy

import jsonschema
import pytest
from fhir.resources.R4B.medicationrequest import MedicationRequest

from compounding import OrderError, plan_order
from compounding.interop.fhir import fhir_path, order_from_medication_request
from compounding.web.openapi import openapi

from .test_fhir import REQUEST as CAPSULES
from .test_fhir import post
from .test_web_api import check_error

UCUM = "http://unitsofmeasure.org"


def step(sequence: int, mg: float, length: int, unit: str, text: str) -> dict:
    return {"sequence": sequence, "text": text,
            "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d",
                                  "when": ["HS"], "boundsDuration": {
                                      "value": length, "unit": unit, "system": UCUM,
                                      "code": unit}}},
            "doseAndRate": [{"doseQuantity": {"value": mg, "unit": "mg", "system": UCUM,
                                              "code": "mg"}}]}


STEPS = [step(1, 1.5, 14, "d", "Take 1.5 mg by mouth at bedtime for 14 days"),
         step(2, 3, 2, "wk", "then 3 mg by mouth at bedtime for 2 weeks"),
         step(3, 4.5, 30, "d", "then 4.5 mg by mouth at bedtime for 30 days")]
REQUEST = copy.deepcopy(CAPSULES)
REQUEST["medicationCodeableConcept"] = {"text": "Naltrexone HCl capsules (compounded), "
                                                "titration"}
REQUEST["dosageInstruction"] = [STEPS[2], STEPS[0], STEPS[1]]  # in sequence, not as listed
REQUEST.pop("dispenseRequest")
JSON_KIT = {"schedule": [{"dose": "1.5 mg", "days": 14}, {"dose": "3 mg", "days": 14},
                         {"dose": "4.5 mg", "days": 30}],
            "capsule": {"size": "3"}, "source": {"average_tablet_weight": "250 mg"},
            "filler": {"pack_stat": "130 mg"}}


def test_three_sequenced_dosage_instructions_plan_the_kit_of_the_json_schedule(client):
    MedicationRequest.model_validate(REQUEST)
    answer = post(client, REQUEST)
    assert answer.status_code == 200, answer.data[:500]
    order, plan = answer.get_json()["order"], answer.get_json()["plan"]
    described = openapi()  # the answer is as the OpenAPI description says: a kit's
    jsonschema.validate(answer.get_json(), {"components": described["components"], **described[
        "paths"]["/api/v1/fhir/MedicationRequest"]["post"]["responses"]["200"]["content"][
        "application/json"]["schema"]})
    assert [(s["dose"]["value"], s["days"]) for s in order["schedule"]] == [
        (1.5, 14), (3, 14), (4.5, 30)]
    assert order["timing"] == "at bedtime" and order["patient"]["name"] == "Jane Q. Public"
    expected = client.post("/api/v1/plan", json=JSON_KIT)
    assert expected.status_code == 200, expected.data[:500]
    wanted = expected.get_json()
    for key in ("schedule", "kit_directions", "days_supply", "start_on", "daily_dose"):
        assert plan[key] == wanted[key], key
    assert plan["kit"] == wanted["kit"]
    assert [(p["strength"]["value"], p["capsules_dispensed"], p["overage_capsules"],
             p["shell_colour"]) for p in plan["kit"]] == [
        (1.5, 14, 1, "white"), (3, 14, 1, "blue"), (4.5, 30, 2, "green")]
    assert plan["kit_directions"][1] == ("Days 15–28: take 1 blue capsule (3 mg) by mouth at "
                                         "bedtime")
    assert not [f for f in plan["findings"] if f["code"] == "DIRECTIONS_UNREAD"]


def errors_of(client, request) -> list[tuple[str, str, str]]:
    return [(e["code"], e["field"], e["message"]) for e in check_error(post(client, request),
                                                                       422)]


def test_what_a_kit_request_gets_wrong_names_its_fhir_path(client):
    # the second step (listed third) without its length; a dose in capsules; the capsules
    # to dispense that the steps do not take (58 without the overage)
    request = copy.deepcopy(REQUEST)
    del request["dosageInstruction"][2]["timing"]["repeat"]["boundsDuration"]
    [(code, field, _)] = errors_of(client, request)
    assert (code, field) == ("FIELD_REQUIRED", "MedicationRequest.dosageInstruction[2].timing"
                                               ".repeat.boundsDuration")
    request = copy.deepcopy(REQUEST)
    request["dosageInstruction"][1]["doseAndRate"][0]["doseQuantity"] = {"value": 1,
                                                                         "unit": "capsule"}
    [(code, field, message)] = errors_of(client, request)
    assert (code, field) == ("INVALID_VALUE", "MedicationRequest.dosageInstruction[1]"
                                              ".doseAndRate[0].doseQuantity")
    assert "give each step's dose in mg" in message
    request = copy.deepcopy(REQUEST)
    request["dispenseRequest"] = {"quantity": {"value": 60, "unit": "capsule"}}
    [(code, field, message)] = errors_of(client, request)
    assert field == "MedicationRequest.dispenseRequest.quantity.value"
    assert "take 58 capsules, not 60" in message


def test_a_step_the_strengths_cannot_give_is_named_at_its_dosage_instruction():
    # the pharmacy makes 4.5 mg capsules only: step 1 (1.5 mg, sequence 1, listed second) and
    # step 2 (listed third) cannot be given, each named at its own dosage instruction
    order = order_from_medication_request(REQUEST, {**JSON_KIT, "strengths": ["4.5 mg"]})
    assert order["directions"].startswith("Take 1.5 mg") and "schedule" in order
    with pytest.raises(OrderError) as raised:
        plan_order(order)
    assert {fhir_path(e.field, "kit", REQUEST) for e in raised.value.errors
            if e.code == "SCHEDULE_STEP_UNDOSABLE"} == {
        "MedicationRequest.dosageInstruction[1].doseAndRate[0].doseQuantity",
        "MedicationRequest.dosageInstruction[2].doseAndRate[0].doseQuantity"}
    assert fhir_path("source.lot", "kit", REQUEST) == "source.lot"
