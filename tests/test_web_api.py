"""The HTTP API (api-v1.md) through the Flask test client: every endpoint, every error status."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

import compounding.web.api
from compounding.web.openapi import openapi

from . import pdf
from .helpers import assert_error_body, make_order

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
ACKED = json.loads((SAMPLES / "opioid-percocet.order.json").read_text(encoding="utf-8"))
LABELLED = make_order(rx_number="100234", directions="Take 1 capsule by mouth at bedtime",
                      patient={"name": "Jane Q. Public"})


def schema(name: str) -> dict:
    document = openapi()
    return {"$ref": f"#/components/schemas/{name}", "components": document["components"]}


def check_error(response, status: int) -> list[dict[str, str]]:
    """The one helper every error response goes through."""
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    body = response.get_json()
    jsonschema.validate(body, schema("Error"))
    return assert_error_body(body, status)


def test_plan(client):
    order = json.loads((SAMPLES / "usual-4.5mg.order.json").read_text(encoding="utf-8"))
    response = client.post("/api/v1/plan", json=order)
    assert response.status_code == 200
    sample = json.loads((SAMPLES / "usual-4.5mg.plan.json").read_text(encoding="utf-8"))
    # the sample is planned without a database, under the built-in record; the app plans
    # under the pharmacy's approved version of the same record
    assert sample["mfr"]["built_in"] and not response.get_json()["mfr"]["built_in"]
    sample["mfr"]["built_in"] = False
    assert response.get_json() == sample
    jsonschema.validate(response.get_json(), schema("Plan"))


def test_worksheet_keeps_a_record(client):
    order = {k: v for k, v in ACKED.items() if k not in ("lot_number", "acknowledgements")}
    response = client.post("/api/v1/worksheet", json=order)
    assert response.status_code == 201 and response.mimetype == "application/pdf"
    lot = response.headers["X-Lot-Number"]
    assert lot == "20261122-001"
    assert response.headers["Location"] == f"/api/v1/records/{lot}"
    assert f"Lot number {lot}" in pdf.text(response.data)
    second = client.post("/api/v1/worksheet", json=order)
    assert second.headers["X-Lot-Number"] == "20261122-002"
    reprint = client.get(f"/api/v1/records/{lot}/worksheet")
    assert reprint.status_code == 200 and reprint.data == response.data


def test_worksheet_with_the_orders_own_lot(client):
    order = {**ACKED, "lot_number": "EXT-7731", "acknowledgements": []}
    response = client.post("/api/v1/worksheet", json=order)
    assert response.headers["X-Lot-Number"] == "EXT-7731"
    errors = check_error(client.post("/api/v1/worksheet", json=order), 409)
    assert errors[0]["code"] == "LOT_NUMBER_TAKEN"


def test_label(client):
    response = client.post("/api/v1/label", json=ACKED)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Jane Q. Public" in pdf.text(response.data)
    assert 'filename="label-100234.pdf"' in response.headers["Content-Disposition"]


def test_label_409_lists_the_findings(client):
    response = client.post("/api/v1/label", json={**ACKED, "acknowledgements": []})
    errors = check_error(response, 409)
    assert [(e["code"], e["field"]) for e in errors] == [
        ("CRITICAL_UNACKNOWLEDGED", "concurrent_medications[0]")]


@pytest.mark.parametrize("path", ["/api/v1/plan", "/api/v1/worksheet", "/api/v1/label"])
def test_invalid_order_422(client, path):
    errors = check_error(client.post(path, json=make_order(strength="4.5 mL")), 422)
    assert ("WRONG_DIMENSION", "strength") in {(e["code"], e["field"]) for e in errors}


def test_label_needs_its_fields(client):
    errors = check_error(client.post("/api/v1/label", json=make_order()), 422)
    # directions come from the sig; a label printed with no prescriber before
    assert {e["field"] for e in errors} == {"rx_number", "patient.name", "prescriber.name"}


@pytest.mark.parametrize("body", [b"{", b"[1,2]", b'"x"', b"", b"\xff\xfe\x00", b"NaN"])
@pytest.mark.parametrize("path", ["/api/v1/plan", "/api/v1/worksheet", "/api/v1/label"])
def test_malformed_json_400(client, path, body):
    check_error(client.post(path, data=body, content_type="application/json"), 400)


def test_body_over_64_kib_413(client):
    body = json.dumps({**make_order(), "directions": "x" * 70_000})
    check_error(client.post("/api/v1/plan", data=body, content_type="application/json"), 413)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x"])
def test_not_json_415(client, content_type):
    check_error(client.post("/api/v1/plan", data=json.dumps(make_order()),
                            content_type=content_type), 415)


@pytest.mark.parametrize(("method", "path"), [("get", "/api/v1/plan"), ("put", "/api/v1/label"),
                                              ("delete", "/api/v1/worksheet"),
                                              ("post", "/healthz")])
def test_wrong_method_405(client, method, path):
    response = getattr(client, method)(path)
    check_error(response, 405)
    assert response.headers["Allow"]


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/plan", "/api/v1/plan/extra",
                                  "/api/v1/records/20990101-001"])
def test_unknown_path_404(client, path):
    check_error(client.get(path), 404)


def test_unknown_page_404_as_html_for_browsers(client):
    response = client.get("/nope", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    check_error(client.get("/nope", headers={"Accept": "application/json"}), 404)


def test_fault_is_500_in_the_shape_and_logged(client, monkeypatch, caplog):

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(compounding.web.api, "plan_order", broken)
    errors = check_error(client.post("/api/v1/plan", json=make_order()), 500)
    assert errors[0]["code"] == "INTERNAL_ERROR" and "boom" not in errors[0]["message"]
    assert "internal error" in caplog.text


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["ok"] is True


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/v1/openapi.json", "/nope"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    # only the order form ("/") runs a script: this site's own files, nothing inline
    assert "script-src" not in headers["Content-Security-Policy"] or (
        path == "/" and headers["Content-Security-Policy"].endswith("; script-src 'self'"))
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_session_cookie_flags(app):
    from .people import login

    cookie = login(app.test_client(), "tech").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    secure = app.test_client().get("/login", base_url="https://localhost")
    assert "Secure" in secure.headers["Set-Cookie"]  # served over TLS: the cookie is Secure


def test_openapi_matches_the_routes(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    routes = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
              for rule in app.url_map.iter_rules()
              for method in rule.methods - {"HEAD", "OPTIONS"}
              if rule.rule.startswith("/api/") or rule.rule == "/healthz"}
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes == documented
    order_fields = set(document["components"]["schemas"]["Order"]["properties"])
    from compounding.orders.models import Order

    assert order_fields == set(Order.model_fields)
    assert "409" in document["paths"]["/api/v1/label"]["post"]["responses"]
    jsonschema.Draft202012Validator.check_schema(schema("Order"))
    jsonschema.validate(ACKED, schema("Order"))


def test_the_error_page_stands_without_its_template(app, client, monkeypatch):
    """A test run beside a running service reinstalled the package under it: the setup link
    gave a bare 500. The error page is built without its template when that is gone."""
    from jinja2 import TemplateNotFound

    real = app.jinja_env.get_template

    def gone(name, *args, **kwargs):
        if name == "error.html":
            raise TemplateNotFound(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(app.jinja_env, "get_template", gone)
    page = client.get("/records/NO-SUCH-LOT", headers={"Accept": "text/html"})
    assert page.status_code == 404 and "<h1>The workbench could not do this (HTTP 404)" in \
        page.get_data(as_text=True)
