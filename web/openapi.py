"""The OpenAPI 3.1 description of the HTTP API, generated from the models the endpoints use."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from pydantic.json_schema import models_json_schema

from compounding.models import Order, Plan

REF = "#/components/schemas/{model}"

ERROR_SCHEMA = {
    "type": "object",
    "required": ["ok", "status", "errors"],
    "additionalProperties": False,
    "properties": {
        "ok": {"const": False},
        "status": {"type": "integer"},
        "errors": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["code", "field", "message"],
            "additionalProperties": False,
            "properties": {"code": {"type": "string"}, "field": {"type": "string"},
                           "message": {"type": "string"}}}},
    },
}
ERRORS = {
    "400": "Malformed JSON, or not a JSON object",
    "405": "Wrong method",
    "413": "Body over 64 KiB",
    "415": "Body not sent as application/json",
    "422": "Invalid order: every error names its field",
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}


def _order_post(summary: str, ok: dict[str, Any], extra: dict[str, str]) -> dict[str, Any]:
    responses = {"200": ok, **{code: _error(text) for code, text in {**ERRORS, **extra}.items()}}
    return {"post": {
        "summary": summary,
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": {"$ref": REF.format(model="Order")}}}},
        "responses": dict(sorted(responses.items())),
    }}


def _pdf(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}


@cache
def openapi() -> dict[str, Any]:
    """The description, built once."""
    _, schemas = models_json_schema([(Order, "validation"), (Plan, "serialization")],
                                    ref_template=REF)
    components = {**schemas["$defs"], "Error": ERROR_SCHEMA}
    try:
        release = version("compounding-workbench")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout
        release = "0"
    plan_ok = {"description": "The batch plan",
               "content": {"application/json": {"schema": {"$ref": REF.format(model="Plan")}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Compounding workbench API", "version": release,
                 "description": "Low-dose naltrexone capsule orders and batch plans (API v1)."},
        "paths": {
            "/api/v1/plan": _order_post("Order → batch plan", plan_ok, {}),
            "/api/v1/worksheet": _order_post("Order → batch worksheet PDF",
                                             _pdf("The batch worksheet"), {}),
            "/api/v1/label": _order_post(
                "Order → patient label PDF", _pdf("The patient label"),
                {"409": "A critical finding is not acknowledged"}),
            "/healthz": {"get": {"summary": "Health", "responses": {"200": {
                "description": "The service can serve", "content": {"application/json": {
                    "schema": {"type": "object"}}}}}}},
            "/api/v1/openapi.json": {"get": {"summary": "This description", "responses": {
                "200": {"description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {"schemas": components},
    }
