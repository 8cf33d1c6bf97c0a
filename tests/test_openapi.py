"""The OpenAPI description is valid, generates a working client, and matches the live server:
``openapi-spec-validator``, ``openapi-python-client`` and a bounded ``schemathesis`` run."""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys

import jsonschema
import pytest
from openapi_spec_validator import validate

from compounding.web.openapi import openapi

from .helpers import make_order
from .service import TOKEN, serving
from .test_label import LABELLED

pytestmark = pytest.mark.real_clock

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance")


def test_the_description_validates():
    validate(openapi())


def test_every_operation_has_a_unique_id_and_a_tag():
    ids = [op["operationId"] for item in openapi()["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids)) == 35
    assert all(op["tags"] for item in openapi()["paths"].values() for op in item.values())
    names = openapi()["components"]["schemas"]
    assert not [n for n in names if n.endswith(("-Input", "-Output"))]


def test_every_default_is_valid_against_its_schema():
    document = openapi()
    resolver = json.loads(json.dumps({"$defs": document["components"]["schemas"]})
                          .replace("#/components/schemas/", "#/$defs/"))
    jsonschema.Draft202012Validator.check_schema(resolver)  # once, not once per default
    checked = 0
    for component in document["components"]["schemas"].values():
        for schema in component.get("properties", {}).values():
            if "default" in schema:
                body = json.loads(json.dumps(schema).replace("#/components/schemas/",
                                                              "#/$defs/"))
                jsonschema.Draft202012Validator(body | resolver).validate(schema["default"])
                checked += 1
    assert checked > 20


def test_codes_are_enums_of_the_rule_catalogue():
    from compounding.screening.rules import RULES

    schemas = openapi()["components"]["schemas"]
    item = schemas["Error"]["properties"]["errors"]["items"]["properties"]["code"]
    assert set(item["enum"]) == {r.code for r in RULES}
    assert "OPIOID_POSSIBLE" in schemas["Finding"]["properties"]["code"]["enum"]


def test_schemathesis_finds_no_mismatch_against_a_live_server(tmp_path):
    st = shutil.which("st") or shutil.which("schemathesis")
    assert st, "schemathesis is a test dependency"
    with serving(f"sqlite:///{tmp_path / 'records.sqlite3'}") as port:
        done = subprocess.run(
            [st, "run", f"http://127.0.0.1:{port}/api/v1/openapi.json", "--max-examples", "3",
             "-H", f"Authorization: Bearer {TOKEN['text']}", "--generation-deterministic",
             "--checks", CHECKS, "--phases", "examples,fuzzing,stateful",
             "--no-color"], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-4000:]
    assert " passed" in done.stdout and "failures" not in done.stdout.split("SUMMARY")[-1]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A Python client generated from the description, importable as ``compounding_client``."""
    folder = tmp_path_factory.mktemp("client")
    (folder / "openapi.json").write_text(json.dumps(openapi()), encoding="utf-8")
    (folder / "config.yaml").write_text(
        "package_name_override: compounding_client\n"
        "content_type_overrides:\n  application/pdf: application/octet-stream\n"
        "  application/zpl: application/octet-stream\n  text/csv: application/octet-stream\n",
        encoding="utf-8")
    done = subprocess.run(
        [shutil.which("openapi-python-client") or "openapi-python-client", "generate",
         "--path", "openapi.json", "--meta", "none", "--output-path", "compounding_client",
         "--config", "config.yaml"], cwd=folder, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "WARNING" not in done.stdout, done.stdout[-3000:]  # every operation generated
    sys.path.insert(0, str(folder))
    yield importlib.import_module("compounding_client")
    sys.path.remove(str(folder))


def test_a_generated_client_runs_the_whole_workflow(generated, tmp_path):
    from compounding.records import Accounts, Store

    from .people import HASHER, KEY, PASSWORD

    models = importlib.import_module("compounding_client.models")
    url = f"sqlite:///{tmp_path / 'records.sqlite3'}"
    with serving(url) as port:
        store = Store.open(url, KEY)
        tech = Accounts(store.engine, HASHER, key=store.key).create_token("client-tech", "tech",
                                                           ["plan", "records:read",
                                                            "records:write"])[1]
        store.engine.dispose()
        base = f"http://127.0.0.1:{port}"
        as_tech = generated.AuthenticatedClient(base_url=base, token=tech)
        as_rph = generated.AuthenticatedClient(base_url=base, token=TOKEN["text"])
        order = models.Order.from_dict(make_order(**LABELLED | {"prescription_id": "RX-9",
                                                                "lot_number": None}))
        mod = importlib.import_module
        plan = mod("compounding_client.api.orders.plan_order").sync(client=as_tech, body=order)
        assert plan.tablets == 3 and plan.capsules_to_fill == 33
        made = mod("compounding_client.api.records.create_record").sync(
            client=as_tech, body=order, idempotency_key="client-1")
        assert hasattr(made, "lot_number"), made
        lot = made.lot_number
        assert made.status.value == "printed"
        worksheet = mod("compounding_client.api.records.reprint_worksheet").sync_detailed(
            lot, client=as_tech)
        assert worksheet.status_code == 200 and worksheet.content.startswith(b"%PDF")
        bench = models.BenchEntry.from_dict({
            "tablets_used": 3, "tablet_powder_actual": "748 mg", "filler_actual": "3581 mg",
            "capsules_made": 33, "capsule_weights": ["130 mg"] * 10,
            "compounded_at": "2026-11-22T10:00:00+00:00", "source_lot": "N456",
            "source_expiry": "2027-12-31", "filler_lot": "M789",
            "filler_expiry": "2028-01-31", "capsule_lot": "C1", "capsule_expiry": "2029-01-31"})
        entered = mod("compounding_client.api.records.enter_bench").sync(
            lot, client=as_tech, body=bench, if_match='"1"')
        assert entered.status.value == "compounded", entered
        verification = models.SignedVerification.from_dict(
            {"decision": "approve", "signature": {"username": "rph", "password": PASSWORD}})
        signed = mod("compounding_client.api.records.verify_record").sync(
            lot, client=as_rph, body=verification, if_match='"2"')
        assert getattr(signed, "lot_number", None) == lot, signed
        assert signed.status.value == "verified"
        label = mod("compounding_client.api.records.print_label").sync_detailed(
            lot, client=as_rph, format_=models.PrintLabelFormat.JSON)
        assert json.loads(label.content)["lot"] == lot
        found = mod("compounding_client.api.records.search_records").sync(
            client=as_tech, prescription_id="RX-9")
        assert [r.lot_number for r in found.records] == [lot]
        feed = mod("compounding_client.api.records.list_events").sync(client=as_tech)
        assert [e.action for e in feed.events] == ["printed", "bench", "verification", "label"]
        problem = mod("compounding_client.api.records.read_record").sync("NO-SUCH-LOT",
                                                                         client=as_tech)
        assert problem.errors[0].code.value == "NOT_FOUND"
        for client in (as_tech, as_rph):
            client.get_httpx_client().close()
