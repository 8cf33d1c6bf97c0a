"""Hostile and malformed bodies against the API (Hypothesis): never a 5xx, every error in shape.

Thousands of requests in all: random bytes, random JSON, valid orders with fields replaced by
random JSON, random paths and methods.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import assert_error_body, make_order
from .test_web_api import ACKED

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
    | st.sampled_from(["4.5 mg", "-1 mg", "NaN", "1e999 mg", "<b>", "3", "000", "2026-02-30"]),
    lambda children: st.lists(children, max_size=5)
    | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=20,
)
ORDER_KEYS = sorted({*make_order(), *ACKED})


def check(response, allowed: set[int]) -> None:
    assert response.status_code in allowed, (response.status_code, response.data[:300])
    if response.status_code >= 400:
        assert_error_body(response.get_json(), response.status_code)


@FUZZ
@given(body=st.binary(max_size=300))
def test_random_bytes(client, body):
    check(client.post("/api/v1/plan", data=body, content_type="application/json"),
          {200, 400, 422})


@FUZZ
@given(body=json_values)
def test_random_json(client, body):
    check(client.post("/api/v1/plan", data=json.dumps(body), content_type="application/json"),
          {200, 400, 422})


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(ORDER_KEYS) | st.text(max_size=6), json_values,
                               min_size=1, max_size=3))
def test_mutated_orders(client, changes):
    check(client.post("/api/v1/plan", json={**ACKED, **changes}), {200, 422})


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=st.sampled_from(["/api/v1/worksheet", "/api/v1/label"]),
       changes=st.dictionaries(st.sampled_from(ORDER_KEYS), json_values, max_size=2))
def test_mutated_documents(client, path, changes):
    response = client.post(path, json={**ACKED, **changes})
    check(response, {200, 201, 409, 422})  # worksheet: 201, a record kept; 409 lot taken
    if response.status_code in (200, 201):
        assert response.data.startswith(b"%PDF-")


@FUZZ
@given(method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
       path=st.text(alphabet="/abcdefgijklnoprstuvwxyz0123456789._-%", max_size=30),
       content_type=st.sampled_from(["application/json", "text/plain", "", "application/xml"]))
def test_random_requests(client, method, path, content_type):
    response = client.open("/" + path.lstrip("/"), method=method, data=b"{}",
                           content_type=content_type or None,
                           headers={"Accept": "application/json"})
    assert response.status_code < 500, (method, path, response.status_code)
    if response.status_code >= 400 and response.mimetype == "application/json":
        assert_error_body(response.get_json(), response.status_code)
