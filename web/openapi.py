"""The OpenAPI 3.1 description of the HTTP API: every operation with its ``operationId`` and
tag, its parameters typed (integers, dates, enums), and its answers, over the component schemas
of :mod:`.openapi_schemas`. ``openapi-spec-validator`` checks it and ``schemathesis`` tries it
against a live server in the tests; ``openapi-python-client`` generates a client from it."""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from .kept_records import SEARCH_TEXT, STATUSES
from .openapi_formulary import formulary_paths
from .openapi_kits import kit_paths
from .openapi_schemas import REF, any_of_three, components, either
from .records_api import LABEL_FORMATS, RECALL_LOTS

ERRORS = {
    "400": "Malformed JSON, not a JSON object, or an unknown query parameter",
    "413": "Body over 64 KiB",
    "415": "Body not sent as application/json",
    "422": "Invalid: every error names its field",
}


def _ref(model: str) -> dict[str, str]:
    return {"$ref": REF.format(model=model)}


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": _ref("Error")}}}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _pdf(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}


def _op(operation_id: str, tag: str, summary: str, responses: dict[str, Any],
        parameters: list[dict[str, Any]] | None = None,
        body: str | dict[str, Any] | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"operationId": operation_id, "tags": [tag], "summary": summary}
    if parameters:
        item["parameters"] = parameters
    if body is not None:
        schema = _ref(body) if isinstance(body, str) else body
        item["requestBody"] = {"required": True,
                               "content": {"application/json": {"schema": schema}}}
    common = {"400": _error("A malformed request, or a query parameter this does not take"),
              "401": _error("No one is signed in, and no valid API token was sent"),
              "403": _error("The role or the token's scope does not allow this, or a "
                            "signature failed"),
              "503": _error("The records database cannot be reached just now; retry after "
                            "Retry-After seconds")}
    item["responses"] = dict(sorted((common | responses).items()))
    return item


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    found = {"name": name, "in": "query", "required": False, "schema": schema}
    return found | ({"description": description} if description else {})


LOT = {"name": "lot", "in": "path", "required": True,
       "schema": {"type": "string", "minLength": 1, "maxLength": 80}}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
            "description": "The record's ETag (its revision): refuse if it changed since"}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
               "description": "Retrying with the same key and body returns the first answer"}
DATE = {"type": "string", "format": "date"}
PUBLIC: dict[str, Any] = {"security": []}  # no token needed


def _order_errors(extra: dict[str, str] | None = None) -> dict[str, Any]:
    return {code: _error(text) for code, text in {**ERRORS, **(extra or {})}.items()}


def _created(description: str, content: dict[str, Any]) -> dict[str, Any]:
    return content | {"description": description, "headers": {
        "Location": {"schema": {"type": "string"}, "description": "The record"}}}


def _order_paths() -> dict[str, Any]:
    plan = _json("The plan: a capsule batch's, an oral liquid's, or a titration kit's (one "
                 "capsule plan per strength)", any_of_three("Plan"))
    order = either("Order")
    worksheet = _created("The batch worksheet, with the record's lot number",
                         _pdf("The batch worksheet"))
    worksheet["headers"]["X-Lot-Number"] = {"schema": {"type": "string"},
                                            "description": "YYYYMMDD-NNN"}
    busy = {"409": "The order's own lot number belongs to another batch, or the "
                   "Idempotency-Key was used for another body"}
    return {
        "/api/v1/plan": {"post": _op("planOrder", "orders", "Order → batch plan (a titration "
                                     "kit's: the plan of every strength)",
                                     {"200": plan, **_order_errors()},
                                     body=any_of_three("Order"))},
        "/api/v1/worksheet": {"post": _op(
            "printWorksheet", "orders", "Order → batch worksheet PDF; the batch is kept as a "
            "record", {"201": worksheet, **_order_errors(busy)}, [IDEMPOTENCY], order)},
        "/api/v1/label": {"post": _op(
            "proofLabel", "orders", "Order → a proof of its patient label (PDF)",
            {"200": _pdf("The label proof"),
             **_order_errors({"409": "A critical finding is not acknowledged"})},
            body=order)},
        "/api/v1/records": {
            "get": _op("searchRecords", "records", "Search batch records (not by patient: "
                       "use searchRecordsByPost)", {"200": _listing(), **_bad_query()},
                       _search_parameters()),
            "post": _op("createRecord", "records", "Order → a new batch record, as JSON",
                        {"201": _created("The new record", _json("The record", _ref("Record")))
                         | {"links": _record_links()},
                         **_order_errors(busy)}, [IDEMPOTENCY], order)},
        "/healthz": {"get": _op("health", "service", "The service and its database answer", {
            "200": _json("The service can serve", {"type": "object"}),
            "503": _error("The database cannot be reached just now")}) | PUBLIC},
        "/api/v1/openapi.json": {"get": _op("openapi", "service", "This description", {
            "200": _json("OpenAPI 3.1", {"type": "object"})}) | PUBLIC},
    }


def _record_links() -> dict[str, Any]:
    """Where a client goes from a record just made: its reads, by its lot number."""
    lot = {"lot": "$response.body#/lot_number"}
    return {name: {"operationId": name, "parameters": lot}
            for name in ("readRecord", "reprintWorksheet", "enterBench", "printLabel")}


def _bad_query() -> dict[str, Any]:
    return {"400": _error("An unknown query parameter"), "422": _error("A bad value")}


def _listing() -> dict[str, Any]:
    return _json("Batches, newest first", {
        "type": "object", "required": ["records", "limit", "offset"], "properties": {
            "records": {"type": "array", "items": _ref("Summary")},
            "limit": {"type": "integer"}, "offset": {"type": "integer"}}})


def _search_parameters() -> list[dict[str, Any]]:
    text = [_query(n, {"type": "string", "maxLength": 120}) for n in SEARCH_TEXT
            if n not in ("patient", "patient_id")]
    return [*text, _query("date_from", DATE), _query("date_to", DATE),
            _query("status", {"type": "string", "enum": list(STATUSES)}),
            _query("limit", {"type": "integer", "minimum": 0, "maximum": 500, "default": 50}),
            _query("offset", {"type": "integer", "minimum": 0, "maximum": 10**9,
                              "default": 0})]


def _record_ok() -> dict[str, Any]:
    return _json("The record, with every revision", _ref("Record")) | {
        "headers": {"ETag": {"schema": {"type": "string"}}}}


def _change(operation_id: str, summary: str, model: str | dict[str, Any]) -> dict[str, Any]:
    return {"post": _op(operation_id, "records", summary, {
        "200": _record_ok(), "400": _error("Malformed JSON"),
        "404": _error("No batch has that lot"),
        "409": _error("Not allowed in the batch's state, or the record changed"),
        "413": _error("Body over 64 KiB"),
        "415": _error("Body not sent as application/json"),
        "422": _error("Invalid entry: every error names its field"),
        "428": _error("A signature without If-Match")}, [LOT, IF_MATCH], model)}


def _read(operation_id: str, summary: str, ok: dict[str, Any],
          extra: dict[str, str] | None = None,
          parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    responses = {"200": ok, "404": _error("No such lot"),
                 **{code: _error(text) for code, text in (extra or {}).items()}}
    return {"get": _op(operation_id, "records", summary, responses, [LOT, *(parameters or [])])}


def _label_print() -> dict[str, Any]:
    """A print is recorded, so a browser's session prints with POST and a JSON body; GET is
    a pharmacy system's, by its bearer token (records_api.label)."""
    ok = {"description": "The label: PDF, ZPL or its content as JSON", "content": {
        "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        "application/zpl": {"schema": {"type": "string"}},
        "application/json": {"schema": _ref("LabelContent")}}}
    read = _read("printLabel", "The patient label of a verified batch, printed by a pharmacy "
                 "system's token (a signed-in session prints with printLabelByPost)", ok, {
                     "405": "Sent with a signed-in session's cookie: print with POST",
                     "409": "Not verified, or a critical finding unacknowledged",
                     "422": "A bad format or dpi"}, [
        _query("format", {"type": "string", "enum": list(LABEL_FORMATS), "default": "pdf"}),
        _query("dpi", {"type": "integer", "enum": [203, 300], "default": 203},
               "The thermal printer's resolution, for zpl")])
    body = {"type": "object", "additionalProperties": False, "properties": {
        "format": {"type": "string", "enum": list(LABEL_FORMATS), "default": "pdf"},
        "dpi": {"type": "integer", "enum": [203, 300], "default": 203,
                "description": "The thermal printer's resolution, for zpl"}}}
    post = _op("printLabelByPost", "records", "Print the patient label of a verified batch "
               "(a signed-in session's way; {} is a PDF)", {
                   "200": ok, "400": _error("Malformed JSON, or a query parameter (the "
                                            "options go in the body)"),
                   "404": _error("No such lot"),
                   "409": _error("Not verified, or a critical finding unacknowledged"),
                   "413": _error("Body over 64 KiB"),
                   "415": _error("Body not sent as application/json"),
                   "422": _error("A bad format or dpi, or another field")}, [LOT], body)
    return read | {"post": post}


def _record_paths() -> dict[str, Any]:
    search_body = {"type": "object", "additionalProperties": False, "properties": {
        n: {"type": ["string", "integer"]} for n in (*SEARCH_TEXT, "date_from", "date_to",
                                                       "status", "limit", "offset")}}
    recall_page = _json("Batches, oldest first", {
        "type": "object", "required": ["records", "total", "limit", "next"], "properties": {
            "records": {"type": "array", "items": _ref("Summary")},
            "total": {"type": "integer"}, "limit": {"type": "integer"},
            "next": {"type": ["integer", "null"]}}})
    return {
        "/api/v1/records/search": {"post": _op(
            "searchRecordsByPost", "records",
            "Search batch records, the patient's name and id included (never in a URL)",
            {"200": _listing(), "400": _error("Malformed JSON"),
             "413": _error("Body over 64 KiB"),
             "415": _error("Body not sent as application/json"),
             "422": _error("A bad search value")}, body=search_body)},
        "/api/v1/records/{lot}": _read("readRecord", "One record", _record_ok()),
        "/api/v1/records/{lot}/bench": _change(
            "enterBench", "Enter the bench results (a capsule batch's, or an oral liquid's)",
            either("BenchEntry")),
        "/api/v1/records/{lot}/corrections": _change("correctBench",
                                                     "Correct the bench results",
                                                     either("Correction")),
        "/api/v1/records/{lot}/verification": _change(
            "verifyRecord", "A pharmacist approves or rejects (a signature)",
            "SignedVerification"),
        "/api/v1/records/{lot}/acknowledgements": _change(
            "acknowledgeFinding", "Acknowledge a critical finding (a signature)",
            "SignedAcknowledgement"),
        "/api/v1/records/{lot}/scrap": _change("scrapRecord", "Scrap the batch (a signature)",
                                               "SignedScrap"),
        "/api/v1/records/{lot}/worksheet": _read(
            "reprintWorksheet", "Reprint the worksheet (the same document)",
            _pdf("The worksheet")),
        "/api/v1/records/{lot}/record": _read(
            "printExecutedRecord", "The executed compounding record: everything the bench "
            "entered, the strength made, the reconciled BUD, acknowledgements and signatures",
            _pdf("The executed record"), {"409": "No bench results yet"}),
        "/api/v1/records/{lot}/label": _label_print(),
        "/api/v1/records/{lot}/revisions/{number}": {"get": _op(
            "readRevision", "records", "One revision with everything it entered",
            {"200": _json("The revision", _ref("Revision")),
             "404": _error("No such lot or revision")},
            [LOT, {"name": "number", "in": "path", "required": True,
                   "schema": {"type": "integer", "minimum": 1}}])},
        "/api/v1/recall": {"get": _op(
            "recall", "records", "Batches that used a component lot (any spelling), a page at "
            "a time", {"200": recall_page, **_bad_query()},
            [*(_query(n, {"type": "string", "minLength": 1, "maxLength": 80})
               for n in RECALL_LOTS),
             _query("limit", {"type": "integer", "minimum": 1, "maximum": 500,
                              "default": 100}),
             _query("after", {"type": "integer", "minimum": 0},
                    "The previous page's next")])},
        "/api/v1/events": {"get": _op(
            "listEvents", "records", "What happened since the last poll: every create, bench "
            "entry, correction, signature, scrap and dispensing label printed",
            {"200": _json("Events, oldest first", {
                "type": "object", "required": ["events", "after", "next", "more"],
                "properties": {"events": {"type": "array", "items": _ref("Event")},
                               "after": {"type": "integer"}, "next": {"type": "integer"},
                               "more": {"type": "boolean"}}}), **_bad_query()},
            [_query("after", {"type": "integer", "minimum": 0, "default": 0},
                    "The last seq already seen (the previous answer's next)"),
             _query("limit", {"type": "integer", "minimum": 1, "maximum": 1000,
                              "default": 100})])},
        "/api/v1/records/{lot}/fhir": _read(
            "readRecordFhir", "The batch as a FHIR R4 MedicationDispense with a contained "
            "Medication", {"description": "MedicationDispense", "content": {
                "application/fhir+json": {"schema": {"type": "object"}}}},
            {"501": "The [fhir] extra is not installed"}),
        "/api/v1/fhir/MedicationRequest": {"post": _op(
            "orderFromMedicationRequest", "orders", "A FHIR R4 MedicationRequest → the order "
            "and its plan (several dosage instructions for capsules: a titration kit's)",
            {"200": _json("The order and its plan", {
                "type": "object", "required": ["order", "plan"],
                "properties": {"order": any_of_three("Order"),
                               "plan": any_of_three("Plan")}}),
                **_order_errors({"501": "The [fhir] extra is not installed"})},
            [_query("capsule_size", {"type": "string", "enum": ["000", "00", "0", "1", "2", "3",
                                                                "4", "5"]}),
             _query("average_tablet_weight", {"type": "string", "maxLength": 40,
                                              "examples": ["250 mg"]}),
             _query("pack_stat", {"type": "string", "maxLength": 40, "examples": ["130 mg"]})],
            {"type": "object", "description": "A FHIR R4 MedicationRequest"})},
        "/api/v1/log.csv": {"get": _op(
            "compoundingLog", "records", "The compounding log as CSV, one batch a line",
            {"200": {"description": "CSV (RFC 4180)", "content": {
                "text/csv": {"schema": {"type": "string"}}}}, **_bad_query()},
            [_query("date_from", DATE), _query("date_to", DATE)])},
    }


@cache
def openapi() -> dict[str, Any]:
    """The description, built once."""
    try:
        release = version("compounding-workbench")
    except PackageNotFoundError:  # pragma: no cover - running from a checkout
        release = "0"
    paths = {**_order_paths(), **_record_paths(),
             **formulary_paths(_op, _error, _json, _pdf), **kit_paths(_op, _error, _json, _pdf)}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Compounding workbench API", "version": release,
                 "description": "Low-dose naltrexone orders (capsules and oral liquids), batch "
                                "plans and batch records (API v1.2)."},
        "tags": [{"name": "orders", "description": "Orders, plans and proofs"},
                 {"name": "records", "description": "Batch records, the feed and the log"},
                 {"name": "formulary", "description": "Master formulation records: read, "
                                                      "printed, drafted, approved"},
                 {"name": "service", "description": "Health and this description"}],
        "components": {
            "schemas": components(),
            "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                          "description": "An API token (compounding tokens "
                                                         "create)"}}},
        "security": [{"token": []}],
        "paths": dict(sorted(paths.items())),
    }
