"""Titration kits in the OpenAPI description (:mod:`.openapi`): a kit created from its order
(``KitOrder``), read with its status, batches and schedule (``Kit``), and its documents: the kit
label (once released, by a pharmacist), the patient's calendar and leaflet. The builders of the
operations and answers are :mod:`.openapi`'s, handed in by it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .openapi_schemas import REF

Builder = Callable[..., dict[str, Any]]

NUMBER = {"name": "number", "in": "path", "required": True, "description": "The kit's number",
          "schema": {"type": "integer", "minimum": 1}}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "schema": {"type": "string", "pattern": "^[\\x21-\\x7e]{1,255}$"},
               "description": "Retrying with the same key and body returns the first kit"}


def _ref(model: str) -> dict[str, str]:
    return {"$ref": REF.format(model=model)}


def kit_paths(op: Builder, error: Builder, json: Builder, pdf: Builder) -> dict[str, Any]:
    """The paths under ``/api/v1/kits``, built with :mod:`.openapi`'s ``_op``, ``_error``,
    ``_json`` and ``_pdf``."""
    kit = json("The kit: its status, batches (one per strength, with its lot number), "
               "schedule and directions", _ref("Kit"))
    body_errors = {"400": error("Malformed JSON"), "413": error("Body over 64 KiB"),
                   "415": error("Body not sent as application/json")}
    created = kit | {"description": "The kit, kept with a batch record per strength",
                     "headers": {"Location": {"schema": {"type": "string"},
                                              "description": "The kit"}},
                     "links": {"readKit": {"operationId": "readKit",
                                           "parameters": {"number": "$response.body#/id"}}}}
    label = pdf("The kit label, with each batch's lot and the earliest beyond-use date")
    not_released = error("The kit is not released (a batch in it is not verified), a batch's "
                         "history does not hold together, or it used a quarantined lot")
    patient = {"200": pdf("The patient's document, in the patient's name"),
               "404": error("No such kit"),
               "409": error("A critical finding is not acknowledged yet")}
    return {
        "/api/v1/kits": {"post": op(
            "createKit", "records", "A titration kit's order → the kit, one batch record per "
            "strength (refused whole, nothing kept, on any error)", {
                "201": created, **body_errors,
                "409": error("The Idempotency-Key was used for another body"),
                "422": error("Invalid: every error names its field (a strength's, with the "
                             "strength in its message)")}, [IDEMPOTENCY], "KitOrder")},
        "/api/v1/kits/{number}": {"get": op(
            "readKit", "records", "A kit: released once every batch in it is verified, else "
            "open, with what holds it back", {"200": kit, "404": error("No such kit")},
            [NUMBER])},
        "/api/v1/kits/{number}/label.pdf": {
            "get": op("printKitLabel", "records", "The kit label of a released kit, printed by "
                      "a pharmacy system's token (a signed-in session prints with "
                      "printKitLabelByPost)", {
                          "200": label, "404": error("No such kit"),
                          "405": error("Sent with a signed-in session's cookie: print with "
                                       "POST"), "409": not_released}, [NUMBER]),
            "post": op("printKitLabelByPost", "records", "Print the kit label of a released "
                       "kit (a signed-in session's way; the body is {})", {
                           "200": label, **body_errors, "404": error("No such kit"),
                           "409": not_released, "422": error("An option: there are none")},
                       [NUMBER], {"type": "object", "additionalProperties": False,
                                  "maxProperties": 0})},
        "/api/v1/kits/{number}/calendar.pdf": {"get": op(
            "printKitCalendar", "records", "The patient's dosing calendar: each day (or week) "
            "with its date, the capsules' colour and how many", patient, [NUMBER])},
        "/api/v1/kits/{number}/leaflet.pdf": {"get": op(
            "printKitLeaflet", "records", "The patient's leaflet: how to take the kit, what to "
            "expect, opioid blockade and the wallet card, storage, with its sources", patient,
            [NUMBER])},
    }
