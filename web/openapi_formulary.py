"""The formulary's operations in the OpenAPI description (:mod:`.openapi`): the records listed,
one version read (its ``ETag``), its PDF, a draft kept, and a version approved by a signature.
The builders of the operations and answers are :mod:`.openapi`'s, handed in by it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compounding.formulary import MFR_ID_PATTERN

from .openapi_schemas import REF

Builder = Callable[..., dict[str, Any]]

MFR_ID = {"name": "record_id", "in": "path", "required": True,
          "description": "The record's id (LDN-CAPS-TAB-MCC)",
          "schema": {"type": "string", "pattern": MFR_ID_PATTERN}}
VERSION = {"name": "version", "in": "path", "required": True,
           "schema": {"type": "integer", "minimum": 1}}
IF_MATCH = {"name": "If-Match", "in": "header", "required": False,
            "schema": {"type": "string"},
            "description": "The version's ETag (its revision): refused if it changed since"}
STATUS = {"type": "string", "enum": ["draft", "approved", "superseded", "built_in"]}


def _ref(model: str) -> dict[str, str]:
    return {"$ref": REF.format(model=model)}


def _listing() -> dict[str, Any]:
    version = {"type": "object", "additionalProperties": False,
               "required": ["version", "status", "digest", "approval"], "properties": {
                   "version": {"type": "integer", "minimum": 1}, "status": STATUS,
                   "digest": {"type": "string", "description": "SHA-256 of the content"},
                   "approval": {"anyOf": [_ref("Approval"), {"type": "null"}]}}}
    record = {"type": "object", "additionalProperties": False,
              "required": ["id", "name", "form", "source_kind", "default", "in_force",
                           "versions"], "properties": {
                  "id": {"type": "string"}, "name": {"type": "string"},
                  "form": {"type": "string", "enum": ["capsules", "oral_liquid"]},
                  "source_kind": {"type": "string", "enum": ["tablets", "api_powder"]},
                  "default": {"type": "boolean"},
                  "in_force": {"type": ["integer", "null"],
                               "description": "The approved version batches follow"},
                  "versions": {"type": "array", "items": version}}}
    return {"type": "object", "required": ["formulary"], "additionalProperties": False,
            "properties": {"formulary": {"type": "array", "items": record}}}


def formulary_paths(op: Builder, error: Builder, json: Builder, pdf: Builder
                    ) -> dict[str, Any]:
    """The paths under ``/api/v1/formulary``, built with :mod:`.openapi`'s ``_op``,
    ``_error``, ``_json`` and ``_pdf``."""
    version = json("The version: the record, its status, approval, digest and revision",
                   _ref("FormularyEntry")) | {
        "headers": {"ETag": {"schema": {"type": "string"},
                             "description": "The version's revision (If-Match)"},
                    "Location": {"schema": {"type": "string"}}}}
    body_errors = {"400": error("Malformed JSON"), "413": error("Body over 64 KiB"),
                   "415": error("Body not sent as application/json")}
    signed = {"type": "object", "required": ["signature"], "additionalProperties": False,
              "properties": {"signature": _ref("Signature")}}
    return {
        "/api/v1/formulary": {
            "get": op("listFormulary", "formulary", "Every master formulation record, with "
                      "each version and its status", {"200": json("The formulary",
                                                                  _listing())}),
            "post": op("saveFormularyDraft", "formulary", "A record kept as a draft: a change "
                       "of its open draft, or a new version (the latest + 1)", {
                           "200": version, "201": version | {"description": "A new version"},
                           **body_errors,
                           "409": error("That version is approved and never changes "
                                        "(MFR_VERSION_APPROVED), the record already has an "
                                        "open draft (MFR_DRAFT_OPEN), or the draft changed "
                                        "since its ETag (STALE_REVISION)"),
                           "422": error("Not a valid record: every error names its field")},
                       [IF_MATCH], "MasterFormulationRecord")},
        "/api/v1/formulary/{record_id}": {"get": op(
            "readFormulary", "formulary", "One version: the one in force (else the newest), or "
            "?version=N", {"200": version, "404": error("No such record or version"),
                           "422": error("A bad version number")},
            [MFR_ID, {"name": "version", "in": "query", "required": False,
                      "schema": {"type": "integer", "minimum": 1}}])},
        "/api/v1/formulary/{record_id}@{version}.pdf": {"get": op(
            "printFormulary", "formulary", "The inspector's copy of one version (PDF): every "
            "item, the approval or DRAFT — NOT APPROVED, the version history, the digest",
            {"200": pdf("The master formulation record"),
             "404": error("No such record or version")}, [MFR_ID, VERSION])},
        "/api/v1/formulary/{record_id}/versions/{version}/approval": {"post": op(
            "approveFormulary", "formulary", "A pharmacist approves a draft (a signature, like "
            "a batch's verification); the version in force is superseded", {
                "200": version, **body_errors, "404": error("No such record or version"),
                "409": error("Not a draft (MFR_NOT_DRAFT), or changed since its ETag "
                             "(STALE_REVISION)"),
                "422": error("A field other than the signature"),
                "428": error("A signature without If-Match")},
            [MFR_ID, VERSION, IF_MATCH], signed)},
    }
