"""The OpenAPI 3.1 description of the HTTP API, generated from the models the endpoints use."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from pydantic.json_schema import models_json_schema

from compounding.bench import BenchEntry, Correction, Scrap, Verification
from compounding.findings import Acknowledgement
from compounding.models import Order, Plan
from records.models import Record, Revision, Summary

from .records_api import RECALL_LOTS, SEARCH_FIELDS

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
    _, schemas = models_json_schema(
        [(Order, "validation"), (Plan, "serialization"), (Record, "serialization"),
         (Revision, "serialization"),
         (Summary, "serialization"), (BenchEntry, "validation"), (Correction, "validation"),
         (Verification, "validation"), (Scrap, "validation"), (Acknowledgement, "validation")],
        ref_template=REF)
    components = {**schemas["$defs"], "Error": ERROR_SCHEMA}
    if "Order-Input" in components:  # records embed the order as output: name the request form
        components["Order"] = {"$ref": REF.format(model="Order-Input")}
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
        "components": {"schemas": components},
    } | {"paths": {**_order_paths(plan_ok), **_record_paths()}}


def _order_paths(plan_ok: dict[str, Any]) -> dict[str, Any]:
    return {
        "/api/v1/plan": _order_post("Order → batch plan", plan_ok, {}),
        "/api/v1/worksheet": _worksheet(),
        "/api/v1/label": _order_post("Order → patient label PDF", _pdf("The patient label"),
                                     {"409": "A critical finding is not acknowledged"}),
        "/healthz": {"get": {"summary": "Health: the service and its database answer",
                             "responses": {"200": {"description": "The service can serve",
                                                   "content": {"application/json": {
                                                       "schema": {"type": "object"}}}}}}},
        "/api/v1/openapi.json": {"get": {"summary": "This description", "responses": {
            "200": {"description": "OpenAPI 3.1",
                    "content": {"application/json": {"schema": {"type": "object"}}}}}}},
    }


def _worksheet() -> dict[str, Any]:
    item = _order_post("Order → batch worksheet PDF; the batch is kept as a record",
                       _pdf("The batch worksheet, with the record's lot number"),
                       {"409": "The order's own lot number belongs to another batch, or the "
                              "Idempotency-Key was used for another body"})
    item["post"]["parameters"] = [{
        "name": "Idempotency-Key", "in": "header", "required": False,
        "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
        "description": "Retrying with the same key and body returns the first answer"}]
    item["post"]["responses"]["201"] = item["post"]["responses"].pop("200")
    item["post"]["responses"]["201"]["headers"] = {
        "Location": {"schema": {"type": "string"}, "description": "The record"},
        "X-Lot-Number": {"schema": {"type": "string"}, "description": "YYYYMMDD-NNN"}}
    item["post"]["responses"] = dict(sorted(item["post"]["responses"].items()))
    return item


LOT = {"name": "lot", "in": "path", "required": True, "schema": {"type": "string"}}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
            "description": "The record's ETag (its revision): refuse if it changed since"}


def _record_ok() -> dict[str, Any]:
    return {"description": "The record, with every revision",
            "headers": {"ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Record")}}}}


def _change(summary: str, model: str) -> dict[str, Any]:
    return {"post": {
        "summary": summary, "parameters": [LOT, IF_MATCH],
        "requestBody": {"required": True, "content": {
            "application/json": {"schema": {"$ref": REF.format(model=model)}}}},
        "responses": {"200": _record_ok(), "400": _error("Malformed JSON"),
                      "404": _error("No batch has that lot"),
                      "409": _error("Not allowed in the batch's state, or the record changed"),
                      "415": _error("Body not sent as application/json"),
                      "422": _error("Invalid entry: every error names its field")}}}


def _record_paths() -> dict[str, Any]:
    listing = {"description": "Batches, newest first", "content": {"application/json": {
        "schema": {"type": "object", "properties": {
            "records": {"type": "array", "items": {"$ref": REF.format(model="Summary")}},
            "limit": {"type": "integer"}, "offset": {"type": "integer"}}}}}}
    recall_page = {"description": "Batches, oldest first", "content": {"application/json": {
        "schema": {"type": "object", "properties": {
            "records": {"type": "array", "items": {"$ref": REF.format(model="Summary")}},
            "total": {"type": "integer"}, "limit": {"type": "integer"},
            "next": {"type": ["integer", "null"]}}}}}}
    query = [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
             for n in SEARCH_FIELDS if n != "patient"]
    return {
        "/api/v1/records": {"get": {"summary": "Search batch records", "parameters": query,
                                    "responses": {"200": listing,
                                                  "422": _error("A bad search value")}}},
        "/api/v1/records/search": {"post": {
            "summary": "Search batch records, the patient's name included (never in a URL)",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "additionalProperties": False,
                "properties": {n: {"type": ["string", "integer"]} for n in SEARCH_FIELDS}}}}},
            "responses": {"200": listing, "400": _error("Malformed JSON"),
                          "422": _error("A bad search value")}}},
        "/api/v1/records/{lot}": {"get": {"summary": "One record", "parameters": [LOT],
                                          "responses": {"200": _record_ok(),
                                                        "404": _error("No such lot")}}},
        "/api/v1/records/{lot}/bench": _change("Enter the bench results", "BenchEntry"),
        "/api/v1/records/{lot}/corrections": _change("Correct the bench results",
                                                     "Correction"),
        "/api/v1/records/{lot}/verification": _change("A pharmacist approves or rejects",
                                                      "Verification"),
        "/api/v1/records/{lot}/acknowledgements": _change(
            "Acknowledge a critical finding", "Acknowledgement"),
        "/api/v1/records/{lot}/scrap": _change("Scrap the batch", "Scrap"),
        "/api/v1/records/{lot}/worksheet": {"get": {
            "summary": "Reprint the worksheet (the same document)", "parameters": [LOT],
            "responses": {"200": _pdf("The worksheet"), "404": _error("No such lot")}}},
        "/api/v1/records/{lot}/record": {"get": {
            "summary": "The executed compounding record: everything the bench entered, the "
                       "strength made, the reconciled BUD, acknowledgements and signatures",
            "parameters": [LOT],
            "responses": {"200": _pdf("The executed record"), "404": _error("No such lot"),
                          "409": _error("No bench results yet")}}},
        "/api/v1/records/{lot}/label": {"get": {
            "summary": "The patient label of a verified batch", "parameters": [LOT],
            "responses": {"200": _pdf("The label"), "404": _error("No such lot"),
                          "409": _error("Not verified, or a critical finding unacknowledged")}}},
        "/api/v1/records/{lot}/revisions/{number}": {"get": {
            "summary": "One revision with everything it entered",
            "parameters": [LOT, {"name": "number", "in": "path", "required": True,
                                 "schema": {"type": "integer", "minimum": 1}}],
            "responses": {"200": {"description": "The revision", "content": {
                "application/json": {"schema": {"$ref": REF.format(model="Revision")}}}},
                "404": _error("No such lot or revision")}}},
        "/api/v1/recall": {"get": {
            "summary": "Batches that used a component lot (any spelling), a page at a time",
            "parameters": [{"name": n, "in": "query", "required": False,
                            "schema": {"type": "string"}} for n in RECALL_LOTS]
            + [{"name": "limit", "in": "query", "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}},
               {"name": "after", "in": "query", "required": False,
                "schema": {"type": "integer", "minimum": 0},
                "description": "The previous page's next"}],
            "responses": {"200": recall_page,
                          "422": _error("Give source_lot, filler_lot or capsule_lot")}}},
    }
