"""What a pharmacy system integrates with (API v1.1): identifiers and NDCs, records over JSON,
the change feed, the compounding log as CSV, label formats, unknown query parameters."""

from __future__ import annotations

import csv
import io
import re

import pytest

from compounding import plan_order
from compounding.cli import main

from .people import signature
from .test_records import BENCH, ORDER
from .test_web_api import check_error

IDS = {"patient": {**ORDER["patient"], "id": "MRN-00042"}, "prescription_id": "RX/2026/77"}


def create(client, order=None, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/records", json=order or (ORDER | IDS), headers=headers)


def test_records_are_created_over_json(client):
    response = create(client, key="3f0c-1")
    assert response.status_code == 201
    body = response.get_json()
    lot = body["lot_number"]
    assert response.headers["Location"] == f"/api/v1/records/{lot}"
    assert response.headers["ETag"] == '"1"' and body["plan"]["tablets"] == 3
    assert body["order"]["patient"]["id"] == "MRN-00042"
    # a retry with the same key and body is the same batch; another body is refused
    assert create(client, key="3f0c-1").get_json()["lot_number"] == lot
    errors = check_error(create(client, ORDER | {"quantity": 60}, key="3f0c-1"), 409)
    assert errors[0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    check_error(client.post("/api/v1/records", data="x", content_type="text/plain"), 415)


def test_identifiers_are_kept_and_searchable(client):
    lot = create(client).get_json()["lot_number"]
    create(client, ORDER)  # another batch, without identifiers
    found = client.get("/api/v1/records?prescription_id=RX/2026/77").get_json()["records"]
    assert [(r["lot_number"], r["prescription_id"], r["patient_id"]) for r in found] == [
        (lot, "RX/2026/77", "MRN-00042")]
    found = client.post("/api/v1/records/search", json={"patient_id": "MRN-00042"}).get_json()
    assert [r["lot_number"] for r in found["records"]] == [lot]
    # a patient's identifier, like a name, never travels in a URL
    check_error(client.get("/api/v1/records?patient_id=MRN-00042"), 422)


@pytest.mark.parametrize(("written", "kept"), [
    ("0406-1170-01", "00406-1170-01"), ("51285-275-01", "51285-0275-01"),
    ("68084-0291-1", "68084-0291-01"), ("00406117001", "00406-1170-01"),
    ("00406-1170-01", "00406-1170-01")])
def test_ndcs_are_kept_as_11_digits(written, kept):
    from compounding.orders.reading import parse_order

    order = parse_order(ORDER | {"source": {**ORDER["source"], "ndc": written},
                                 "filler": {**ORDER.get("filler", {}), "ndc": written},
                                 "capsule": {**ORDER["capsule"], "ndc": written}})
    assert (order.source.ndc, order.filler.ndc, order.capsule.ndc) == (kept, kept, kept)


@pytest.mark.parametrize("field", ["source", "filler", "capsule"])
@pytest.mark.parametrize("bad", ["not-an-ndc!!", "0406117001", "12345-12-1", "1234-5678-901"])
def test_a_bad_ndc_names_its_field(errors_of, field, bad):
    errors = errors_of(ORDER | {field: {**ORDER.get(field, {}), "ndc": bad}})
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID_NDC", f"{field}.ndc")]


def test_a_bad_identifier_names_its_field(errors_of):
    errors = errors_of(ORDER | {"prescription_id": "has spaces"})
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID_VALUE", "prescription_id")]


def verified(client, pharmacist) -> str:
    lot = create(client).get_json()["lot_number"]
    assert client.post(f"/api/v1/records/{lot}/bench", json=BENCH).status_code == 200
    approve = {"decision": "approve", "signature": signature("rph")}
    assert pharmacist.post(f"/api/v1/records/{lot}/verification", json=approve,
                           headers={"If-Match": '"2"'}).status_code == 200
    return lot


def test_the_change_feed(client, pharmacist):
    lot = verified(client, pharmacist)
    assert pharmacist.post(f"/api/v1/records/{lot}/label",
                           json={"format": "json"}).status_code == 200
    feed = client.get("/api/v1/events").get_json()
    assert [(e["lot_number"], e["action"], e["revision"], e["status"]) for e in feed["events"]] == [
        (lot, "printed", 1, "printed"), (lot, "bench", 2, "compounded"),
        (lot, "verification", 3, "verified"), (lot, "label", 3, "verified")]
    seqs = [e["seq"] for e in feed["events"]]
    assert seqs == sorted(seqs) and feed["next"] == seqs[-1] and not feed["more"]
    # paginated: after the first two, the rest; then nothing new
    page = client.get(f"/api/v1/events?after={seqs[1]}&limit=1").get_json()
    assert [e["seq"] for e in page["events"]] == [seqs[2]] and page["more"]
    assert client.get(f"/api/v1/events?after={seqs[-1]}").get_json() == {
        "events": [], "after": seqs[-1], "next": seqs[-1], "more": False}
    errors = check_error(client.get("/api/v1/events?since=3"), 400)
    assert (errors[0]["code"], errors[0]["field"]) == ("QUERY_PARAMETER_UNKNOWN", "since")
    check_error(client.get("/api/v1/events?after=-1"), 422)
    check_error(client.get("/api/v1/events?limit=0"), 422)


@pytest.mark.parametrize("path", ["/api/v1/records?date_form=2026-11-01",
                                  "/api/v1/recall?source_lot=N1&page=2",
                                  "/api/v1/records/20261122-001?x=1",
                                  "/api/v1/log.csv?from=2026-11-01"])
def test_unknown_query_parameters_are_refused(client, path):
    errors = check_error(client.get(path), 400)
    assert errors[0]["code"] == "QUERY_PARAMETER_UNKNOWN"


def test_label_formats(client, pharmacist):
    lot = verified(client, pharmacist)
    content = pharmacist.post(f"/api/v1/records/{lot}/label", json={"format": "json"}).get_json()
    assert (content["lot"], content["proof"], content["proof_band"]) == (lot, False, None)
    assert content["patient"] == "Jane Q. Public" and content["filled"] == "2026-11-22"
    zpl = pharmacist.post(f"/api/v1/records/{lot}/label", json={"format": "zpl", "dpi": 300})
    assert zpl.mimetype == "application/zpl"
    text = zpl.get_data(as_text=True)
    assert "^PW1200" in text and f"Lot {lot}" in text and "PROOF" not in text
    assert re.search(r"\^BY3,3,\d+\^BCN,\d+,N,N,N\^FH\^FD100234\^FS", text)
    errors = check_error(pharmacist.post(f"/api/v1/records/{lot}/label",
                                         json={"format": "png", "dpi": 600}), 422)
    assert [e["field"] for e in errors] == ["format", "dpi"]


def test_the_compounding_log(client, pharmacist, app, tmp_path, monkeypatch):
    from .people import KEY

    # the command line reads these records with their own chain key, never a new one
    monkeypatch.setenv("COMPOUNDING_CHAIN_KEY", KEY.decode())
    monkeypatch.setenv("COMPOUNDING_DATA_DIR", str(tmp_path / "data"))
    lot = verified(client, pharmacist)
    hostile = ORDER | {"patient": {**ORDER["patient"], "name": "=HYPERLINK(\"http://x\",\"y\")"},
                       "rx_number": "100235"}
    create(client, hostile)
    response = client.get("/api/v1/log.csv?date_from=2026-11-22&date_to=2026-11-22")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0]["lot_number"] == lot
    first = rows[0]
    assert (first["strength_mg"], first["capsules"], first["source_lot"]) == ("4.5", "33", "N456")
    assert (first["status"], first["prescription_id"], first["tablets"], first["made_by"],
            first["verified_by"]) == ("verified", "RX/2026/77", "3", "T. Tech",
                                      "R. Okafor, PharmD")
    assert rows[1]["patient"] == "'=HYPERLINK(\"http://x\",\"y\")"  # text, not a formula
    assert list(csv.DictReader(io.StringIO(client.get(
        "/api/v1/log.csv?date_from=2026-11-23").get_data(as_text=True)))) == []
    check_error(client.get("/api/v1/log.csv?date_from=yesterday"), 422)
    # the same log from the command line
    out = io.StringIO()
    url = app.config["DATABASE_URL"]
    assert main(["export", "--csv", "--database", url, "-o", str(tmp_path / "log.csv")],
                out=out) == 0
    assert (tmp_path / "log.csv").read_bytes() == response.data


def test_plan_is_unchanged_by_identifiers():
    assert plan_order(ORDER | IDS) == plan_order(ORDER)
