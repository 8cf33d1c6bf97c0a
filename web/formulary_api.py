"""``/api/v1/formulary``: the master formulation records, read, printed, drafted and approved.

- ``GET /api/v1/formulary``: every record with each version and its status.
- ``GET /api/v1/formulary/{id}``: the version in force (else the newest), or ``?version=N``;
  its ``ETag`` is the version's revision, which an approval names in ``If-Match``.
- ``GET /api/v1/formulary/{id}@{version}.pdf``: the inspector's copy of one version.
- ``POST /api/v1/formulary``: a record's JSON kept as a draft: a change of the open draft (its
  version), or else a new version, the latest + 1. An approved version never changes (409
  ``MFR_VERSION_APPROVED``); a record has one draft at a time (409 ``MFR_DRAFT_OPEN``).
- ``POST /api/v1/formulary/{id}/versions/{version}/approval``: a pharmacist's signature, as a
  batch's verification is one: ``{"signature": {"username", "password"}}`` and ``If-Match``
  (428 without; 409 ``STALE_REVISION`` when the draft changed, ``MFR_NOT_DRAFT`` when it is
  not a draft).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import ValidationError

from compounding.documents import mfr_pdf
from compounding.errors import ErrorDetail, OrderError
from compounding.formulary import MasterFormulationRecord
from compounding.orders.reading import validation_errors
from compounding.records.formulary import Kept
from compounding.records.store import PreconditionRequired

from .auth import audit
from .formulary_pages import formulary_store, mfr_id, summaries, version_number
from .kept_records import pdf as pdf_response
from .records_api import _json_body, expected_revision
from .signing import api_signature, author

bp = Blueprint("formulary_api", __name__, url_prefix="/api/v1")


def entry_json(kept: Kept) -> dict[str, Any]:
    """A version as the API gives it: the record, its status, approval, digest and revision."""
    return kept.entry.model_copy(update={"revision": kept.revision}).model_dump(mode="json")


def _version(kept: Kept, status: int = 200) -> Response:
    response = jsonify(entry_json(kept))
    response.status_code = status
    response.headers["ETag"] = f'"{kept.revision}"'
    response.headers["Location"] = (f"/api/v1/formulary/{kept.entry.mfr.id}"
                                    f"?version={kept.entry.mfr.version}")
    return response


@bp.get("/formulary")
def listing() -> Response:
    listed = summaries(formulary_store().formulary())
    audit("read_formulary", None, shown=[r["id"] for r in listed])
    return jsonify({"formulary": [
        {**{k: r[k] for k in ("id", "name", "form", "source_kind", "default", "in_force")},
         "versions": [{"version": e.mfr.version, "status": e.status, "digest": e.digest,
                       "approval": e.approval.model_dump(mode="json") if e.approval else None}
                      for e in r["versions"]]}
        for r in listed]})


@bp.get("/formulary/<record_id>")
def read(record_id: str) -> Response:
    kept = formulary_store().kept(mfr_id(record_id),
                                  version_number(request.args.get("version")))
    audit("read_formulary", kept.entry.ref, status=kept.entry.status)
    return _version(kept)


@bp.get("/formulary/<record_id>@<int:version>.pdf")
def pdf(record_id: str, version: int) -> Response:
    record_id = mfr_id(record_id)
    kept = formulary_store().kept(record_id, version)
    history = formulary_store().formulary().versions(record_id)
    response = pdf_response(mfr_pdf(kept.entry, history, current_app.config["PROFILE"]),
                            f"mfr-{record_id}-{version}.pdf")
    audit("formulary_print", kept.entry.ref, status=kept.entry.status, copies=1)
    return response


@bp.post("/formulary")
def draft() -> Response:
    """201 with a new version; 200 with the open draft changed (or sent again unchanged)."""
    try:
        mfr = MasterFormulationRecord.model_validate(_json_body())
    except ValidationError as exc:
        raise OrderError(validation_errors(exc)) from None
    was_draft = any(e.mfr.version == mfr.version and e.status == "draft"
                    for e in formulary_store().formulary().versions(mfr.id))
    kept = formulary_store().save_draft(mfr, author(), expected=expected_revision())
    audit("formulary_draft", kept.entry.ref, revision=kept.revision)
    return _version(kept, 200 if was_draft else 201)


@bp.post("/formulary/<record_id>/versions/<int:version>/approval")
def approval(record_id: str, version: int) -> Response:
    record_id = mfr_id(record_id)
    expected = expected_revision()
    if expected is None:  # before the password is tried: nothing to sign without it
        raise PreconditionRequired([ErrorDetail(
            "PRECONDITION_REQUIRED", 'headers["If-Match"]',
            "an approval signs the version as read: send If-Match with its ETag")])
    body, signed_by = api_signature(_json_body())
    if body:
        raise OrderError([ErrorDetail("FIELD_UNKNOWN", sorted(body)[0][:40],
                                      "an approval's body holds only its signature")])
    kept = formulary_store().approve(record_id, version, signed_by, expected=expected)
    signed = kept.entry.approval
    audit("signature", kept.entry.ref, meaning=signed.meaning if signed else None,
          signer=signed_by.user_id, revision=kept.revision)
    return _version(kept)
