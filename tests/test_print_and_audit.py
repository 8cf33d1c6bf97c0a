"""Issue 22, items 16 and 21: a dispensing label prints only on a POST (a link or a navigation
from another site prints nothing), and proof labels, plans and reads of the audit page are in
the audit trail, without the patient's name."""

from __future__ import annotations

import json
import re

from . import pdf
from .people import csrf, login
from .test_integration_api import verified
from .test_records import ORDER
from .test_web_api import check_error

NAME = ORDER["patient"]["name"]


def _events(app, action=None):
    return [e for e in app.extensions["audit"].all() if action in (None, e.action)]


def _feed_labels(client, lot):
    return [e for e in client.get("/api/v1/events").get_json()["events"]
            if e["lot_number"] == lot and e["action"] == "label"]


def _bearer(app, owner="rph", scopes=None):
    """A pharmacy system's token of ``owner``, made by its owner; by default with the scope
    that prints dispensing labels (whatever the access table names)."""
    from compounding.web.auth import ACCESS

    accounts = app.extensions["accounts"]
    text = accounts.create_token(f"{owner}-print", owner,
                                 list(scopes or [ACCESS["records_api.label"][1]]),
                                 by=accounts.find(owner).id)[1]
    return {"Authorization": f"Bearer {text}"}


# -- item 16: the record page prints with a posted form -----------------------------------------

def test_a_get_of_the_label_url_prints_nothing(app, client, pharmacist):
    # a cross-site link to /records/{lot}/label.pdf recorded a dispensing-label print
    lot = verified(client, pharmacist)
    response = pharmacist.get(f"/records/{lot}/label.pdf",
                              headers={"Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 405
    assert not response.data.startswith(b"%PDF")
    assert _events(app, "label_print") == []
    assert _feed_labels(client, lot) == []


def test_the_record_page_prints_the_label_with_a_posted_form(app, client, pharmacist):
    lot = verified(client, pharmacist)
    page = pharmacist.get(f"/records/{lot}").get_data(as_text=True)
    form = re.search(rf'<form[^>]*method="post"[^>]*action="/records/{lot}/label.pdf"[^>]*>'
                     r'(.*?)</form>', page, re.S)
    assert form, "the record page has no posted form to print the label"
    assert 'name="csrf_token"' in form.group(1)
    assert re.search(r"<button[^>]*>Print label \(PDF\)</button>", page)
    assert f'href="/records/{lot}/label.pdf"' not in page  # no link that prints

    # without the page's token: nothing prints
    forged = pharmacist.post(f"/records/{lot}/label.pdf", data={"csrf_token": "forged"})
    assert forged.status_code == 400 and "CSRF_FAILED" in forged.get_data(as_text=True)
    assert _events(app, "label_print") == []

    label = pharmacist.post(f"/records/{lot}/label.pdf",
                            data={"csrf_token": csrf(pharmacist, f"/records/{lot}")})
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    assert label.headers["Content-Disposition"] == f'inline; filename="label-{lot}.pdf"'
    assert NAME in pdf.text(label.data) and "PROOF" not in pdf.text(label.data)
    [printed] = _events(app, "label_print")
    assert (printed.target, printed.detail["copies"], printed.detail["format"]) == (lot, 1, "pdf")
    assert len(_feed_labels(client, lot)) == 1


def test_an_unverified_batch_prints_no_label_from_its_page(app, client, pharmacist):
    lot = client.post("/api/v1/worksheet", json=ORDER).headers["X-Lot-Number"]
    refused = pharmacist.post(f"/records/{lot}/label.pdf",
                              data={"csrf_token": csrf(pharmacist, f"/records/{lot}")})
    assert refused.status_code == 409 and refused.mimetype == "text/html"
    assert "BATCH_NOT_VERIFIED" in refused.get_data(as_text=True)
    assert _events(app, "label_print") == []


def test_a_technician_is_offered_no_print_button(client, pharmacist):
    lot = verified(client, pharmacist)
    page = client.get(f"/records/{lot}").get_data(as_text=True)
    assert f"/records/{lot}/label.pdf" not in page
    assert "A pharmacist prints the label" in page


# -- item 16: the API's label ----------------------------------------------------------------------

def test_a_signed_in_session_cannot_print_the_api_label_with_get(app, client, pharmacist):
    # the session cookie (SameSite=Lax) rides along a top-level navigation from any site
    lot = verified(client, pharmacist)
    for query in ("", "?format=json", "?format=zpl&dpi=300"):
        response = pharmacist.get(f"/api/v1/records/{lot}/label{query}")
        errors = check_error(response, 405)
        assert errors[0]["code"] == "METHOD_NOT_ALLOWED"
        assert response.headers["Allow"] == "POST"
    assert _events(app, "label_print") == []
    assert _feed_labels(client, lot) == []


def test_a_pharmacy_system_token_still_prints_with_get(app, client, pharmacist):
    lot = verified(client, pharmacist)
    response = app.test_client().get(f"/api/v1/records/{lot}/label?format=json",
                                     headers=_bearer(app))
    assert response.status_code == 200 and response.get_json()["lot"] == lot
    [printed] = _events(app, "label_print")
    assert printed.token_id is not None and printed.detail["format"] == "json"


def test_the_api_label_prints_with_a_json_post(app, client, pharmacist):
    lot = verified(client, pharmacist)
    label = pharmacist.post(f"/api/v1/records/{lot}/label", json={})
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    content = pharmacist.post(f"/api/v1/records/{lot}/label", json={"format": "json"})
    assert content.get_json()["lot"] == lot
    zpl = pharmacist.post(f"/api/v1/records/{lot}/label", json={"format": "zpl", "dpi": 300})
    assert zpl.mimetype == "application/zpl" and "^PW1200" in zpl.get_data(as_text=True)
    token = app.test_client().post(f"/api/v1/records/{lot}/label", json={"format": "json"},
                                   headers=_bearer(app))
    assert token.status_code == 200
    assert [e.detail["format"] for e in _events(app, "label_print")] == [
        "pdf", "json", "zpl", "json"]
    assert len(_feed_labels(client, lot)) == 4


def test_a_post_a_cross_site_form_could_send_prints_nothing(app, client, pharmacist):
    lot = verified(client, pharmacist)
    check_error(pharmacist.post(f"/api/v1/records/{lot}/label", data="format=pdf",
                                content_type="application/x-www-form-urlencoded"), 415)
    check_error(pharmacist.post(f"/api/v1/records/{lot}/label", data="{}",
                                content_type="text/plain"), 415)
    check_error(pharmacist.post(f"/api/v1/records/{lot}/label"), 415)
    assert _events(app, "label_print") == []


def test_a_bad_posted_label_request_names_its_field(app, client, pharmacist):
    lot = verified(client, pharmacist)
    errors = check_error(pharmacist.post(f"/api/v1/records/{lot}/label",
                                         json={"format": "png", "dpi": 600}), 422)
    assert [e["field"] for e in errors] == ["format", "dpi"]
    errors = check_error(pharmacist.post(f"/api/v1/records/{lot}/label",
                                         json={"copies": 2}), 422)
    assert (errors[0]["code"], errors[0]["field"]) == ("FIELD_UNKNOWN", "copies")
    errors = check_error(pharmacist.post(f"/api/v1/records/{lot}/label",
                                         json={"dpi": True}), 422)
    assert errors[0]["field"] == "dpi"
    # the body says what to print; a query string beside it is not silently ignored
    errors = check_error(pharmacist.post(f"/api/v1/records/{lot}/label?format=zpl", json={}),
                         400)
    assert (errors[0]["code"], errors[0]["field"]) == ("QUERY_PARAMETER_UNKNOWN", "format")
    check_error(pharmacist.post(f"/api/v1/records/{lot}/label", data="[1]",
                                content_type="application/json"), 400)
    assert _events(app, "label_print") == []


def test_the_openapi_document_describes_both_label_methods():
    from compounding.web.openapi import openapi

    item = openapi()["paths"]["/api/v1/records/{lot}/label"]
    assert set(item) == {"get", "post"}
    assert "405" in item["get"]["responses"]
    body = item["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["properties"]) == {"format", "dpi"}
    assert {"415", "422", "409"} <= set(item["post"]["responses"])


# -- item 21: proof labels, plans and reads of the audit page are audited ---------------------

def _no_name_in(event) -> None:
    assert NAME not in json.dumps(event.detail, ensure_ascii=False)
    assert NAME not in (event.target or "")


def test_a_proof_label_is_in_the_audit_trail_without_the_patient_name(app, client):
    order = ORDER | {"prescription_id": "RX/2026/77",
                     "patient": {**ORDER["patient"], "id": "MRN-00042"}}
    proof = client.post("/api/v1/label", json=order)
    assert proof.status_code == 200 and "PROOF" in pdf.text(proof.data)
    [event] = _events(app, "proof_label_print")
    tech = app.extensions["accounts"].find("tech").id
    assert (event.user_id, event.target) == (tech, ORDER["rx_number"])
    assert event.detail["copies"] == 1 and event.detail["patient_id"] == "MRN-00042"
    assert event.detail["prescription_id"] == "RX/2026/77" and event.remote
    _no_name_in(event)
    # a label refused prints nothing, and nothing is recorded
    check_error(client.post("/api/v1/label", json=ORDER | {"prescriber": None}), 422)
    assert len(_events(app, "proof_label_print")) == 1


def test_a_plan_over_the_api_is_in_the_audit_trail(app, client):
    assert client.post("/api/v1/plan", json=ORDER).status_code == 200
    [event] = _events(app, "plan")
    tech = app.extensions["accounts"].find("tech").id
    assert (event.user_id, event.target) == (tech, ORDER["rx_number"])
    _no_name_in(event)
    token = _bearer(app, "tech", ["plan"])
    without_rx = {k: v for k, v in ORDER.items() if k != "rx_number"}
    assert app.test_client().post("/api/v1/plan", json=without_rx,
                                  headers=token).status_code == 200
    second = _events(app, "plan")[1]
    assert second.target is None and second.token_id is not None
    _no_name_in(second)
    check_error(client.post("/api/v1/plan", json=ORDER | {"quantity": -1}), 422)
    assert len(_events(app, "plan")) == 2  # no plan made, none recorded


def test_reading_the_audit_page_is_in_the_audit_trail(app):
    admin = app.test_client()
    login(admin, "admin")
    assert admin.get("/admin/audit").status_code == 200
    assert admin.get("/admin/audit?after=1").status_code == 200
    reads = _events(app, "audit_read")
    admin_id = app.extensions["accounts"].find("admin").id
    assert [(e.user_id, e.detail["filters"]) for e in reads] == [
        (admin_id, {"after": 0}), (admin_id, {"after": 1})]


def test_the_audit_page_names_each_action_readably(app, client, pharmacist):
    lot = verified(client, pharmacist)
    pharmacist.post(f"/api/v1/records/{lot}/label", json={})
    client.post("/api/v1/label", json=ORDER)
    client.post("/api/v1/plan", json=ORDER)
    admin = app.test_client()
    login(admin, "admin")
    admin.get("/admin/audit")
    page = admin.get("/admin/audit").get_data(as_text=True)
    for words, action in (("Dispensing label printed", "label_print"),
                          ("Proof label printed", "proof_label_print"),
                          ("Plan made", "plan"), ("Audit trail read", "audit_read"),
                          ("Signed in", "login"), ("Batch created", "create")):
        assert re.search(rf"{words}\s*<code>{action}</code>", page), action


def test_a_plan_previewed_on_the_form_is_in_the_audit_trail(app, client):
    from .test_web_form import post

    assert post(client).status_code == 200
    [event] = _events(app, "plan")
    assert event.user_id == app.extensions["accounts"].find("tech").id
    _no_name_in(event)
