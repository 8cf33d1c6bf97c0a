"""The web service at the input boundary, through the test client: hostile quantities in every
form and API field, trusted hosts, idempotent creation (API and form), safe file names, paged
recall, and faults logged without patient data."""

from __future__ import annotations

import logging
import re

import pytest

import compounding.web.api

from .test_records import BENCH, ORDER
from .test_web_api import check_error
from .test_web_form import FORM, token

HOSTILE = ["4.5 mg**9**9**9", "2 * 3 mg", "4.5 mg**9**9**7", "1e999999 mg", "9" * 5000 + " mg"]
ORDER_QUANTITIES = {
    "strength": lambda q: {"strength": q},
    "source.strength": lambda q: {"source": {**ORDER["source"], "strength": q}},
    "source.average_tablet_weight": lambda q: {"source": {**ORDER["source"],
                                                          "average_tablet_weight": q}},
    "filler.pack_stat": lambda q: {"filler": {**ORDER["filler"], "pack_stat": q}},
    "filler.density": lambda q: {"filler": {"density": q}},
    "patient.weight": lambda q: {"patient": {"name": "Jane Q. Public", "weight": q}},
}


@pytest.mark.parametrize("path", ["/api/v1/plan", "/api/v1/worksheet", "/api/v1/label"])
@pytest.mark.parametrize("field", sorted(ORDER_QUANTITIES))
def test_hostile_quantities_in_every_order_field(client, path, field):
    for quantity in HOSTILE:
        order = {**ORDER, **ORDER_QUANTITIES[field](quantity)}
        errors = check_error(client.post(path, json=order), 422)
        assert ("INVALID_QUANTITY", field) in {(e["code"], e["field"]) for e in errors}


@pytest.fixture
def lot(client) -> str:
    response = client.post("/api/v1/worksheet", json=ORDER)
    assert response.status_code == 201
    return response.headers["X-Lot-Number"]


@pytest.mark.parametrize("field", ["tablet_powder_actual", "filler_actual", "capsule_weights"])
def test_hostile_quantities_in_every_bench_field(client, lot, field):
    for quantity in HOSTILE:
        value = [quantity] * 10 if field == "capsule_weights" else quantity
        errors = check_error(client.post(f"/api/v1/records/{lot}/bench",
                                         json={**BENCH, field: value}), 422)
        fields = {e["field"] for e in errors if e["code"] == "INVALID_QUANTITY"}
        assert (fields == {f"capsule_weights[{i}]" for i in range(10)}
                if field == "capsule_weights" else fields == {field})


@pytest.mark.parametrize("field", ["strength", "source.average_tablet_weight",
                                   "filler.pack_stat", "filler.density"])
def test_hostile_quantities_in_the_form(client, field):
    # the form appends its unit: "4.5 mg**9**9**9" typed in the strength box
    response = client.post("/", data={**FORM, "csrf_token": token(client),
                                      field: "4.5 ** 9 ** 9 ** 9"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Enter a number, like" in page and 'data-code="INVALID_QUANTITY"' in page


def test_hostile_quantities_in_the_bench_form(client, lot):
    data = {"csrf_token": token(client), "revision": "1", "tablets_used": "3",
            "tablet_powder_actual": "748**9**9**9", "filler_actual": "3581",
            "capsules_made": "33", "capsule_weights": "129 131**9**9**9", "compounded_by": "T"}
    response = client.post(f"/records/{lot}/bench", data=data)
    assert response.status_code == 422


@pytest.mark.parametrize("value", ["²", "١٢", "3O", "1e3"])
def test_counts_typed_with_other_digits_are_refused(client, lot, value):
    # "²".isdigit() is True and int("²") raises: a 500; "١٢" was read as 12
    data = {"csrf_token": token(client), "revision": "1", "tablets_used": value,
            "tablet_powder_actual": "748", "filler_actual": "3581", "capsules_made": "33",
            "capsule_weights": "129 131", "compounded_by": "T"}
    assert client.post(f"/records/{lot}/bench", data=data).status_code == 422
    check_error(client.get(f"/api/v1/records?limit={value}"), 422)
    check_error(client.get(f"/api/v1/recall?source_lot=N456&limit={value}"), 422)
    check_error(client.post(f"/api/v1/records/{lot}/bench", json=BENCH,
                            headers={"If-Match": value}), 422)


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example", "127.0.0.2"])
def test_a_request_for_another_host_is_refused(client, host):
    # DNS rebinding: a page on evil.example resolving to 127.0.0.1 reaches the service with
    # Host: evil.example
    errors = check_error(client.get("/api/v1/records", headers={"Host": host}), 400)
    assert errors == [{"code": "UNTRUSTED_HOST", "field": 'headers["Host"]',
                       "message": errors[0]["message"]}]
    assert client.get("/healthz", headers={"Host": "localhost:8000"}).status_code == 200
    assert client.get("/healthz", headers={"Host": "[::1]:8000"}).status_code == 200


@pytest.mark.parametrize("host", ["[::1]", "[::1]:8000", "::1", "[0:0:0:0:0:0:0:1]:8000",
                                  "localhost", "LOCALHOST:8000", "localhost.", "127.0.0.1:65535"])
def test_loopback_hosts_are_answered_in_every_spelling(client, host):
    # Werkzeug 3.1.9 cut trusted names at their first ":": [::1] and ::1 never matched
    assert client.get("/healthz", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["[::1]evil", "[::1]:99999", "[::1", "::1:8000", "[::1]:0",
                                  "[::1]:", "[::2]:8000", "[::1]]:8000", "localhost:8000x",
                                  "localhost:99999", "local host", "127.0.0.1@evil.example",
                                  "evil.example#localhost", "[localhost]", ""])
def test_hosts_that_only_look_like_loopback_are_refused(client, host):
    errors = check_error(client.get("/healthz", headers={"Host": host}), 400)
    assert [error["code"] for error in errors] == ["UNTRUSTED_HOST"]


def test_a_configured_ipv6_host_is_answered(app):
    from compounding.web import create_app

    for named in ("2001:db8::20", "[2001:db8::20]", "[2001:0db8:0:0::20]"):
        served = create_app({**app.config, "TRUSTED_HOSTS": [named, ".pharmacy.example"]})
        browser = served.test_client()
        for host in ("[2001:db8::20]:8443", "[2001:db8:0::20]", "2001:db8::20",
                     "ldn.pharmacy.example", "pharmacy.example:443"):
            assert browser.get("/healthz", headers={"Host": host}).status_code == 200, host
        for host in ("[2001:db8::21]", "[::1]", "localhost", "evilpharmacy.example",
                     "2001:db8::20:8443"):
            assert browser.get("/healthz", headers={"Host": host}).status_code == 400, host


def test_trusted_hosts_come_from_the_environment(monkeypatch):
    from compounding.service_settings import load
    from compounding.web.server import trusted_hosts

    assert trusted_hosts("127.0.0.1") == ["localhost", "127.0.0.1", "::1", "[::1]"]
    assert trusted_hosts("0.0.0.0") == ["localhost", "127.0.0.1", "::1", "[::1]"]
    assert trusted_hosts("192.168.1.20") == ["localhost", "127.0.0.1", "::1", "[::1]",
                                             "192.168.1.20"]
    monkeypatch.setenv("COMPOUNDING_TRUSTED_HOSTS", "ldn.pharmacy.example, 192.168.1.20")
    assert trusted_hosts("0.0.0.0", load().trusted_hosts) == ["ldn.pharmacy.example",
                                                              "192.168.1.20"]


def test_a_retried_worksheet_post_makes_one_batch(client):
    # a retry of POST /api/v1/worksheet after a lost answer made a second batch
    headers = {"Idempotency-Key": "3e4f1c7a-9d2b-4c55-8f0e-0a1b2c3d4e5f"}
    first = client.post("/api/v1/worksheet", json=ORDER, headers=headers)
    again = client.post("/api/v1/worksheet", json=ORDER, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.headers["X-Lot-Number"] == again.headers["X-Lot-Number"]
    assert first.data == again.data  # the same worksheet, byte for byte
    listing = client.get("/api/v1/records").get_json()["records"]
    assert len(listing) == 1
    other = {**ORDER, "quantity": 60}
    errors = check_error(client.post("/api/v1/worksheet", json=other, headers=headers), 409)
    assert errors[0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    errors = check_error(client.post("/api/v1/worksheet", json=ORDER,
                                     headers={"Idempotency-Key": "has space"}), 422)
    assert errors[0]["field"] == 'headers["Idempotency-Key"]'


def _form_page_token(client) -> dict[str, str]:
    page = client.get("/").get_data(as_text=True)
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
            "submission": re.search(r'name="submission" value="([^"]+)"', page).group(1)}


def test_a_double_submit_of_the_form_makes_one_batch(client):
    tokens = _form_page_token(client)
    first = client.post("/batch", data={**FORM, **tokens})
    second = client.post("/batch", data={**FORM, **tokens})  # double click, or Back + resubmit
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(client.get("/api/v1/records").get_json()["records"]) == 1
    # a preview keeps the same submission key, so Back to the preview and Create again too
    preview = client.post("/", data={**FORM, **tokens}).get_data(as_text=True)
    assert f'name="submission" value="{tokens["submission"]}"' in preview
    # the same form used for other values: said plainly, and a new key for a deliberate batch
    changed = client.post("/batch", data={**FORM, **tokens, "quantity": "60"})
    assert changed.status_code == 409
    page = changed.get_data(as_text=True)
    assert "already made a batch" in page
    assert f'name="submission" value="{tokens["submission"]}"' not in page
    fresh = re.search(r'name="submission" value="([^"]+)"', page).group(1)
    third = client.post("/batch", data={**FORM, **tokens, "submission": fresh, "quantity": "60"})
    assert third.status_code == 303 and third.headers["Location"] != first.headers["Location"]


def test_download_names_carry_only_safe_characters(client):
    from compounding.web.records_api import pdf

    response = pdf(b"%PDF", 'label-a"b\r\nX-Evil: 1;Ж.pdf')
    assert response.headers["Content-Disposition"] == (
        'inline; filename="label-a_b__X-Evil__1__.pdf"')


def test_recall_api_pages_and_counts(client):
    made = [client.post("/api/v1/worksheet", json=ORDER).headers["X-Lot-Number"]
            for _ in range(3)]
    first = client.get("/api/v1/recall?source_lot=n456&limit=2").get_json()
    assert first["total"] == 3 and len(first["records"]) == 2 and first["next"] is not None
    rest = client.get(f"/api/v1/recall?source_lot=N456&limit=2&after={first['next']}").get_json()
    assert [r["lot_number"] for r in first["records"] + rest["records"]] == made
    assert rest["next"] is None
    check_error(client.get("/api/v1/recall"), 422)
    check_error(client.get("/api/v1/recall?source_lot=N456&limit=501"), 422)


def test_a_replaced_bench_entry_is_read_by_its_revision(client, lot):
    client.post(f"/api/v1/records/{lot}/bench", json=BENCH)
    corrected = {**BENCH, "filler_actual": "3583 mg"}
    client.post(f"/api/v1/records/{lot}/corrections",
                json={"reason": "re-weighed", "bench": corrected})
    body = client.get(f"/api/v1/records/{lot}").get_json()
    assert body["revisions"][1]["data"] is None
    old = client.get(f"/api/v1/records/{lot}/revisions/2").get_json()
    assert old["data"]["bench"]["filler_actual"] == {"value": 3581.0, "unit": "mg"}
    check_error(client.get(f"/api/v1/records/{lot}/revisions/9"), 404)


def _python_fault(app):
    raise RuntimeError("planning failed for Jane Q. Public, DOB 1970-04-01")


def _database_fault(app):
    # PostgreSQL echoes a refused value in its own message ('invalid input syntax for type
    # date: "Jane Q. Public ..."'), so no database message may be logged
    from sqlalchemy import text

    with app.extensions["records"].engine.begin() as connection:
        connection.execute(text("INSERT INTO lot_counters (day, last) VALUES (:day, :last)"),
                           {"day": "Jane Q. Public 1970-04-01", "last": None})


@pytest.mark.parametrize("fault", [_python_fault, _database_fault])
def test_a_fault_is_logged_without_patient_data(app, client, monkeypatch, caplog, fault):

    monkeypatch.setattr(compounding.web.api, "plan_order", lambda *args: fault(app))
    with caplog.at_level(logging.ERROR):
        errors = check_error(client.post("/api/v1/plan", json=ORDER), 500)  # Jane in the body
    assert errors[0]["code"] == "INTERNAL_ERROR"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Error" in logged and "/api/v1/plan" in logged and fault.__name__ in logged
    assert "Jane" not in logged and "1970" not in logged


def test_an_idempotency_key_is_the_callers_own(app, client, pharmacist):
    headers = {"Idempotency-Key": "shared-key-0001"}
    mine = client.post("/api/v1/worksheet", json=ORDER, headers=headers)
    theirs = pharmacist.post("/api/v1/worksheet", json=ORDER, headers=headers)
    assert mine.status_code == theirs.status_code == 201
    assert mine.headers["X-Lot-Number"] != theirs.headers["X-Lot-Number"]


def test_json_nested_too_deep_is_refused_before_parsing(client):
    # a FHIR extension nested 200 deep gave 500 (RecursionError) and 620 lines of log
    import copy
    import json

    from .test_fhir import PHARMACY, REQUEST

    extension: dict = {"url": "http://example.org/e", "valueString": "v"}
    for _ in range(200):
        extension = {"url": "http://example.org/e", "extension": [extension]}
    request = copy.deepcopy(REQUEST)
    request["extension"] = [extension]
    answer = client.post(f"/api/v1/fhir/MedicationRequest{PHARMACY}", data=json.dumps(request),
                         content_type="application/fhir+json")
    errors = check_error(answer, 400)
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID_JSON", "body")]
    deep = {"strength": "4.5 mg", "x": json.loads("[" * 40 + "]" * 40)}
    assert check_error(client.post("/api/v1/plan", json=deep), 400)[0]["code"] == "INVALID_JSON"
    # strings full of brackets are not nesting
    assert client.post("/api/v1/plan", json={**ORDER, "directions": "[" * 100}).status_code \
        != 400


def test_an_answer_lists_at_most_50_errors(client):
    # 5 000 unknown keys answered 414 KB
    answer = client.post("/api/v1/plan", json={"strength": "4.5 mg",
                                               **{f"k{i}": 1 for i in range(5000)}})
    errors = check_error(answer, 422)
    assert len(errors) == 51 and len(answer.data) < 12_000
    assert errors[-1]["code"] == "TOO_MANY_ERRORS" and "more errors not listed" in \
        errors[-1]["message"]
