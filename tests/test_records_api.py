"""``/api/v1/records`` and ``/api/v1/recall`` through the test client; errors in the one shape."""

from __future__ import annotations

import pytest

from . import pdf
from .people import csrf, signature
from .test_records import BENCH, ORDER
from .test_web_api import check_error


@pytest.fixture
def lot(client) -> str:
    response = client.post("/api/v1/worksheet", json=ORDER)
    assert response.status_code == 201
    return response.headers["X-Lot-Number"]


def test_read_with_etag(client, lot):
    response = client.get(f"/api/v1/records/{lot}")
    assert response.status_code == 200 and response.headers["ETag"] == '"1"'
    body = response.get_json()
    assert body["lot_number"] == lot and body["status"] == "printed"
    assert body["plan"]["tablets"] == 3 and body["revisions"][0]["action"] == "printed"


def test_workflow(client, pharmacist, lot):
    # the technician enters the bench results; a pharmacist signs the verification
    response = client.post(f"/api/v1/records/{lot}/bench", json=BENCH, headers={"If-Match": '"1"'})
    assert response.status_code == 200 and response.headers["ETag"] == '"2"'
    check_error(pharmacist.post(f"/api/v1/records/{lot}/label", json={}), 409)
    approve = {"decision": "approve", "signature": signature("rph")}
    check_error(client.post(f"/api/v1/records/{lot}/verification", json=approve,
                            headers={"If-Match": '"2"'}), 403)  # a technician may not
    errors = check_error(pharmacist.post(f"/api/v1/records/{lot}/verification", json=approve),
                         428)  # a signature names the revision it signs
    assert errors[0]["code"] == "PRECONDITION_REQUIRED"
    wrong = {"decision": "approve", "signature": signature("rph", "not the password at all")}
    errors = check_error(pharmacist.post(f"/api/v1/records/{lot}/verification", json=wrong,
                                         headers={"If-Match": '"2"'}), 403)
    assert errors[0]["code"] == "SIGNATURE_FAILED"
    signed = pharmacist.post(f"/api/v1/records/{lot}/verification", json=approve,
                             headers={"If-Match": '"2"'})
    assert signed.status_code == 200
    signature_shown = signed.get_json()["revisions"][-1]["data"]["signature"]
    assert (signature_shown["name"], signature_shown["licence"], signature_shown["meaning"]) == (
        "R. Okafor, PharmD", "RPH-10234", "approved batch")
    label = pharmacist.post(f"/api/v1/records/{lot}/label", json={})
    assert label.status_code == 200 and "Jane Q. Public" in pdf.text(label.data)
    history = client.get(f"/api/v1/records/{lot}").get_json()["revisions"]
    assert [(r["action"], r["author"]) for r in history] == [
        ("printed", "T. Tech"), ("bench", "T. Tech"), ("verification", "R. Okafor, PharmD")]


def test_the_compounder_cannot_verify(pharmacist, lot):
    pharmacist.post(f"/api/v1/records/{lot}/bench", json=BENCH)
    errors = check_error(pharmacist.post(
        f"/api/v1/records/{lot}/verification",
        json={"decision": "approve", "signature": signature("rph")},
        headers={"If-Match": '"2"'}), 422)
    assert errors[0]["code"] == "SELF_VERIFICATION"


def test_stale_if_match(client, pharmacist, lot):
    client.post(f"/api/v1/records/{lot}/bench", json=BENCH)
    scrap = {"reason": "y", "signature": signature("rph")}
    errors = check_error(pharmacist.post(f"/api/v1/records/{lot}/scrap", json=scrap,
                                         headers={"If-Match": '"1"'}), 409)
    assert errors[0]["code"] == "STALE_REVISION"
    check_error(pharmacist.post(f"/api/v1/records/{lot}/scrap", json=scrap,
                                headers={"If-Match": "yesterday"}), 422)


@pytest.mark.parametrize(("body", "status", "field"), [
    ({**BENCH, "capsules_made": 99}, 422, "capsules_made"),
    ({**BENCH, "filler_actual": "-1 mg"}, 422, "filler_actual"),
    ({**BENCH, "colour": "blue"}, 422, "colour"),
    ([1, 2], 400, "body"),
])
def test_bad_bench_entries(client, lot, body, status, field):
    errors = check_error(client.post(f"/api/v1/records/{lot}/bench", json=body), status)
    assert field in {e["field"] for e in errors}
    assert client.get(f"/api/v1/records/{lot}").headers["ETag"] == '"1"'


def test_not_json_and_unknown_lot(client, lot):
    check_error(client.post(f"/api/v1/records/{lot}/bench", data="x",
                            content_type="text/plain"), 415)
    check_error(client.get("/api/v1/records/20990101-001"), 404)
    check_error(client.post("/api/v1/records/20990101-001/bench", json=BENCH), 404)


def test_search_and_recall(client, lot):
    # a patient's name never travels in a URL: it is searched for by POST
    check_error(client.get("/api/v1/records?patient=JANE"), 422)
    found = client.post("/api/v1/records/search",
                        json={"patient": "JANE", "status": "printed"}).get_json()["records"]
    assert [r["lot_number"] for r in found] == [lot]
    assert client.post("/api/v1/records/search",
                       json={"patient": "nobody"}).get_json()["records"] == []
    check_error(client.post("/api/v1/records/search", json={"colour": "blue"}), 422)
    recall = client.get("/api/v1/recall?source_lot=N456").get_json()["records"]
    assert [r["lot_number"] for r in recall] == [lot]
    errors = check_error(client.get("/api/v1/records?date_from=yesterday&status=lost&limit=-1"),
                         422)
    assert {e["field"] for e in errors} == {"date_from", "status", "limit"}
    check_error(client.get("/api/v1/recall"), 422)


def test_healthz_checks_the_database(client, app):
    assert client.get("/healthz").status_code == 200
    from sqlalchemy import create_engine

    app.extensions["records"].engine.dispose()
    app.extensions["records"].engine = create_engine("sqlite:////nonexistent/dir/x.sqlite3")
    response = client.get("/healthz")
    errors = check_error(response, 503)
    assert errors[0]["code"] == "UNAVAILABLE" and response.headers["Retry-After"] == "5"


def test_record_pages(client, pharmacist, lot):
    page = client.get(f"/records/{lot}").get_data(as_text=True)
    assert f"Batch {lot}" in page and "Bench results" in page and "History" in page
    listing = client.post("/records", data={"csrf_token": csrf(client, "/records"),
                                            "patient": "jane"}).get_data(as_text=True)
    assert lot in listing
    assert client.post("/records", data={"csrf_token": csrf(client, "/records"),
                                         "date_from": "nope"}).status_code == 422
    assert client.post(f"/records/{lot}/label.pdf").status_code == 403  # technicians: no
    assert pharmacist.post(f"/records/{lot}/label.pdf", data={
        "csrf_token": csrf(pharmacist, f"/records/{lot}")}).status_code == 409
