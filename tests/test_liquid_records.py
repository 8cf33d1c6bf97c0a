"""An oral liquid batch kept as a record like a capsule batch: the JSON API from the plan to the
dispensing label (PDF and ZPL), the bench entry and its reconciliation, the pharmacist's
verification and the release gate, the work queue, the compounding log, recall by lot, and the
record replayed on import.

The batch: 4.5 mg nightly for 30 days at 1 mg/mL from 50 mg tablets of W = 250 mg
(tests/test_liquid_plan.py): 135 mL dispensed, 141.75 mL made from 708.75 mg of the powder of
3 tablets. At the bench 708 mg weighed holds 708 × 50/250 = 141.6 mg, made to 141 mL:
141.6/141 = 236/235 = 1.00426 mg/mL (100.4 %). BUD 2026-11-22 + 60 days = 2027-01-21 (Fawcett,
Morgan & Woods, Ann Pharmacother 1997;31:1291-5).
"""

from __future__ import annotations

import csv
import io
import json

import jsonschema
import pytest

from compounding import OrderError
from compounding.clock import today
from compounding.records.queue import work_queue
from compounding.records.replay import replay_problems

from . import pdf
from .people import KEY, RPH, TECH, signature
from .test_liquid_bench import LOTS, TABLETS
from .test_records import PROFILE
from .test_web_api import check_error, schema

ORDER = {"form": "oral_liquid", "strength": "4.5 mg", "days_supply": 30, "source": TABLETS,
         "ingredients": [{"name": "Glycerin", "lot": "gl-1", "expiry": "2028-01-31"}],
         "rx_number": "200511", "patient": {"name": "Jane Q. Public"},
         "prescriber": {"name": "Dr. A. Example"}}
BENCH = {"tablets_used": 3, "powder_actual": "708 mg", "final_volume": "141 mL",
         "ingredients": LOTS, "source_lot": "NTX-7", "source_expiry": "2028-01-31",
         "compounded_at": "2026-11-22T10:00:00-06:00"}


def test_a_liquid_batch_from_its_plan_to_its_dispensing_label(app, client, pharmacist):
    # the plan: the LiquidPlan, as the OpenAPI description says
    planned = client.post("/api/v1/plan", json=ORDER)
    assert planned.status_code == 200
    plan = planned.get_json()
    jsonschema.validate(plan, schema("LiquidPlan"))
    assert (plan["form"], plan["method"], plan["dose_volume"], plan["volume"]) == (
        "oral_liquid", "exact_portion", {"value": 4.5, "unit": "mL"},
        {"value": 135.0, "unit": "mL"})
    assert plan["tablet_powder"] == {"value": 708.75, "unit": "mg"}

    # a proof of its label, from the order alone
    proof = client.post("/api/v1/label", json=ORDER)
    assert proof.status_code == 200 and proof.mimetype == "application/pdf"
    assert "PROOF" in pdf.text(proof.data) and "oral suspension" in pdf.text(proof.data)

    # the record, created from the same order; its worksheet prints again
    created = client.post("/api/v1/records", json=ORDER)
    assert created.status_code == 201
    record = created.get_json()
    jsonschema.validate(record, schema("Record"))
    lot = record["lot_number"]
    assert record["order"]["form"] == record["plan"]["form"] == "oral_liquid"
    assert record["plan"] == plan
    sheet = client.get(f"/api/v1/records/{lot}/worksheet")
    assert sheet.status_code == 200 and sheet.mimetype == "application/pdf"
    assert f"{lot}" in pdf.text(sheet.data)

    # the bench: 141.6 mg in 141 mL = 236/235 mg/mL, no finding
    benched = client.post(f"/api/v1/records/{lot}/bench", json=BENCH, headers={"If-Match": '"1"'})
    assert benched.status_code == 200, benched.get_data(as_text=True)
    kept = benched.get_json()
    assert kept["status"] == "compounded"
    data = kept["revisions"][-1]["data"]
    assert (data["made"]["strength"], data["made"]["ratio"], data["flags"]) == (
        "236/235", "236/235", [])
    assert data["made"]["beyond_use_date"] == "2027-01-21"
    jsonschema.validate(data["bench"], schema("LiquidBenchEntry"))
    executed = client.get(f"/api/v1/records/{lot}/record")
    assert executed.status_code == 200 and executed.mimetype == "application/pdf"

    # a pharmacist verifies; the dispensing label prints, as a PDF and as ZPL
    check_error(pharmacist.post(f"/api/v1/records/{lot}/label", json={}), 409)
    signed = pharmacist.post(f"/api/v1/records/{lot}/verification",
                             json={"decision": "approve", "signature": signature("rph")},
                             headers={"If-Match": '"2"'})
    assert signed.status_code == 200 and signed.get_json()["status"] == "verified"
    # the work queue lists it as waiting for its label: the volume, not capsules
    [waiting] = work_queue(app.extensions["records"], today("UTC"))["label"]
    assert (waiting.lot, waiting.quantity, waiting.capsules) == (lot, "135 mL of 1 mg/mL", None)
    label = pharmacist.post(f"/api/v1/records/{lot}/label", json={})
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    printed = pdf.text(label.data)
    for said in ("Jane Q. Public", "Naltrexone HCl 1 mg/mL oral suspension",
                 "Take 4.5 mL (4.5 mg) by mouth at bedtime", "Discard after 2027-01-21",
                 f"Lot {lot}"):
        assert said in printed, said
    assert "PROOF" not in printed and "capsule" not in printed
    zpl = pharmacist.post(f"/api/v1/records/{lot}/label", json={"format": "zpl"})
    assert zpl.status_code == 200 and zpl.mimetype == "application/zpl"
    assert zpl.data.startswith(b"^XA") and b"Naltrexone HCl 1 mg/mL oral suspension" in zpl.data
    content = pharmacist.post(f"/api/v1/records/{lot}/label", json={"format": "json"})
    assert (content.get_json()["lot"], content.get_json()["proof_band"]) == (lot, None)

    # the compounding log: the capsule columns empty, the concentration and volume given
    log = client.get("/api/v1/log.csv")
    [row] = [r for r in csv.DictReader(io.StringIO(log.get_data(as_text=True)))
             if r["lot_number"] == lot]
    assert (row["form"], row["concentration_mg_per_ml"], row["volume_ml"]) == (
        "oral_liquid", "1.0", "135.0")
    assert (row["strength_mg"], row["capsules"], row["tablets"], row["source_lot"],
            row["status"], row["verified_by"]) == ("4.5", "", "3", "NTX-7", "verified",
                                                   "R. Okafor, PharmD")
    # recall: by the tablets' lot, and by a lot of another ingredient (order's or bench's)
    for query in ("source_lot=ntx-7", "ingredient_lot=GL-1", "ingredient_lot=sb-1"):
        found = client.get(f"/api/v1/recall?{query}").get_json()
        assert [r["lot_number"] for r in found["records"]] == [lot], query


def test_a_bad_liquid_order_or_bench_entry_is_422_naming_its_fields(client):
    bad = {"form": "oral_liquid", "strength": "4.5", "source": {"lot": "NTX-7"}}
    for path in ("/api/v1/plan", "/api/v1/records", "/api/v1/worksheet"):
        errors = check_error(client.post(path, json=bad), 422)
        assert {(e["code"], e["field"]) for e in errors} == {
            ("INVALID_QUANTITY", "strength"), ("FIELD_REQUIRED", "source.average_tablet_weight")}
    # 4.5 mg at 0.1 mg/mL is 45 mL a dose, more than an oral syringe measures well
    errors = check_error(client.post("/api/v1/plan", json={**ORDER, "concentration": "0.1 mg/mL"}),
                         422)
    assert ("DOSE_VOLUME", "concentration") in {(e["code"], e["field"]) for e in errors}
    # a capsule batch's bench entry does not fit a liquid batch
    lot = client.post("/api/v1/records", json=ORDER).get_json()["lot_number"]
    capsule = {"tablets_used": 3, "tablet_powder_actual": "708 mg", "filler_actual": "3581 mg",
               "capsules_made": 33, "compounded_at": "2026-11-22T10:00:00-06:00",
               "source_lot": "NTX-7", "source_expiry": "2028-01-31"}
    errors = check_error(client.post(f"/api/v1/records/{lot}/bench", json=capsule), 422)
    assert {(e["code"], e["field"]) for e in errors} == {
        ("FIELD_UNKNOWN", "tablet_powder_actual"), ("FIELD_UNKNOWN", "filler_actual"),
        ("FIELD_UNKNOWN", "capsules_made"), ("FIELD_REQUIRED", "final_volume")}
    errors = check_error(client.post(f"/api/v1/records/{lot}/bench",
                                     json={**BENCH, "final_volume": "130 mL"}), 422)
    assert [(e["code"], e["field"]) for e in errors] == [("BENCH_SHORT", "final_volume")]
    assert client.get(f"/api/v1/records/{lot}").get_json()["revision"] == 1


def test_a_titration_kit_is_planned_but_not_kept_as_one_batch(client):
    # a capsule order with a schedule is a kit (planned by /api/v1/plan): it has no single
    # worksheet, record or label, and is refused naming its schedule, not with a fault
    kit = {"schedule": [{"dose": "1.5 mg", "days": 14}, {"dose": "3 mg", "days": 14}],
           "capsule": {"size": "3"}, "source": {"average_tablet_weight": "250 mg"},
           "filler": {"pack_stat": "130 mg"}}
    for path in ("/api/v1/records", "/api/v1/worksheet", "/api/v1/label"):
        errors = check_error(client.post(path, json=kit), 422)
        assert [(e["code"], e["field"]) for e in errors] == [("INVALID_VALUE", "schedule")], path


def test_the_openapi_description_offers_either_form():
    from compounding.web.openapi import openapi

    paths = openapi()["paths"]
    body = paths["/api/v1/plan"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert [b["$ref"].rsplit("/", 1)[1] for b in body["oneOf"]] == ["Order", "LiquidOrder",
                                                                   "KitOrder"]
    bench = paths["/api/v1/records/{lot}/bench"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    assert [b["$ref"].rsplit("/", 1)[1] for b in bench["oneOf"]] == ["BenchEntry",
                                                                    "LiquidBenchEntry"]
    jsonschema.validate(ORDER, schema("LiquidOrder"))
    jsonschema.validate(BENCH, schema("LiquidBenchEntry"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(ORDER, schema("Order"))


def test_a_strength_out_of_range_is_corrected_before_release_and_replays(store, tmp_path):
    """620 mg of powder: 124 mg in 141 mL = 87.9 % of 1 mg/mL, critical: no approval, even
    acknowledged; corrected to the 708 mg actually weighed, it is released. The record
    replays, its recall index holds, and it moves to another database whole."""
    from compounding.records import Store

    lot = store.create(ORDER, PROFILE, TECH).lot_number
    record = store.enter_bench(lot, {**BENCH, "powder_actual": "620 mg"}, TECH)
    assert [(f.code, f.severity.value) for f in record.flags] == [
        ("BENCH_STRENGTH_OUT_OF_RANGE", "critical")]
    assert round(float(record.made.percent), 1) == 87.9
    store.acknowledge(lot, {"code": "BENCH_STRENGTH_OUT_OF_RANGE", "reason": "seen"}, RPH,
                      expected=2)
    with pytest.raises(OrderError) as refused:
        store.verify(lot, {"decision": "approve"}, RPH, expected=3)
    assert [e.code for e in refused.value.errors] == ["BATCH_NOT_RELEASABLE"]
    record = store.correct(lot, {"reason": "620 mg misread: the balance said 708 mg",
                                 "bench": BENCH}, TECH, expected=3)
    assert (record.status, record.flags, record.made.strength) == ("compounded", [], "236/235")
    record = store.verify(lot, {"decision": "approve"}, RPH, expected=4)
    assert record.status == "verified" and record.bench.final_volume == 141
    assert replay_problems(store.get(lot, history=True)) == []
    assert store.lot_index_problems() == []
    assert [s.lot_number for s in store.recall(ingredient_lot="GL-1")[0]] == [lot]
    exported = json.loads(json.dumps(list(store.export())))
    target = Store.open(f"sqlite:///{tmp_path / 'copy.sqlite3'}", b"another pharmacy's key")
    try:
        assert target.import_records(iter(exported), [KEY]) == 1
        copied = target.get(lot)
        assert (copied.archived, copied.status, copied.plan.form) == (False, "verified",
                                                                      "oral_liquid")
        assert copied.made == record.made
    finally:
        target.engine.dispose()
