"""The formulary's pages (the ``formulary`` blueprint, every URL under ``/formulary``): every
master formulation record with its versions and their status; one version with every item of
the record and its history of approvals; what changed between two versions; and a pharmacist's
approval of a draft, which is a signature (the password given again; the revision read, sent
back as the form's ``revision``, is what is signed: a stale one is refused).

Technicians and pharmacists read the formulary; only a pharmacist approves. Every showing is a
``read_formulary`` event in the audit trail, and every approval a ``signature`` event with its
meaning, as a batch's verification is.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from compounding.documents.mfr_text import (
    DRAFT_MARK,
    FORM_NAMES,
    ROLE_NAMES,
    SOURCE_NAMES,
    STATUS_NAMES,
    approval_rows,
    beyond_use,
    change_words,
    identification,
    quality_control,
    quantity,
    status_line,
)
from compounding.errors import CompoundingError, ErrorDetail, OrderError
from compounding.formulary import MFR_ID_PATTERN, Formulary, FormularyEntry, diff
from compounding.records import RecordNotFound
from compounding.records.formulary import FormularyStore, Kept

from .auth import audit, principal
from .kept_records import store
from .pages import EXPIRED, session_notice, whole_number
from .security import csrf_valid
from .signing import signer

bp = Blueprint("formulary", __name__, url_prefix="/formulary")

_ID = re.compile(MFR_ID_PATTERN)
LONGEST_VERSION = 10**9
"""The highest version number a URL may name (any higher is no version kept)."""


def formulary_store() -> FormularyStore:
    """The pharmacy's formulary, kept in the app's records."""
    return store().formulary()


def mfr_id(text: str) -> str:
    """An id from a URL, in capitals; ``NOT_FOUND`` (404) when it cannot be an id."""
    wanted = text.strip().upper()[:60]
    if not _ID.fullmatch(wanted):
        raise RecordNotFound([ErrorDetail("NOT_FOUND", "mfr",
                                          "the formulary has no record with that id")])
    return wanted


def version_number(text: str | None, field: str = "version") -> int | None:
    """A version number from a query (``None`` when not given); 422 when it is not one."""
    if text is None or text == "":
        return None
    number = whole_number(text)
    if number is None or not 1 <= number <= LONGEST_VERSION:
        raise OrderError([ErrorDetail("INVALID_VALUE", field,
                                      "must be a version number: a whole number from 1")])
    return number


def summaries(formulary: Formulary) -> list[dict[str, Any]]:
    """Each record once, by id: its newest name, form, source and default, the version in force
    (``None`` before one is approved) and every version, oldest first."""
    found: dict[str, list[FormularyEntry]] = {}
    for entry in formulary.entries():
        found.setdefault(entry.mfr.id, []).append(entry)
    listed = []
    for record_id, versions in found.items():
        current = formulary.current(record_id)
        shown = (current or versions[-1]).mfr
        listed.append({"id": record_id, "name": shown.name, "form": shown.form,
                       "source_kind": shown.source_kind, "default": shown.default,
                       "in_force": current.mfr.version if current else None,
                       "versions": versions})
    return listed


def _words() -> dict[str, Any]:
    return {"form_names": FORM_NAMES, "source_names": SOURCE_NAMES, "role_names": ROLE_NAMES,
            "status_names": STATUS_NAMES, "draft_mark": DRAFT_MARK}


def _signs() -> bool:
    return "pharmacist" in principal().user.roles


@bp.get("")
def index():
    formulary = formulary_store().formulary()
    listed = summaries(formulary)
    audit("read_formulary", None, shown=[r["id"] for r in listed])
    return render_template("formulary.html", records=listed, signs=_signs(),
                           none_approved=not any(r["in_force"] for r in listed), **_words())


def record_page(record_id: str, version: int | None, status: int = 200,
                errors: list[ErrorDetail] | None = None):
    """One version of a record (the one in force, else the newest), with its history; after
    a refused approval, its errors beside the form."""
    kept: Kept = formulary_store().kept(record_id, version)
    entry = kept.entry
    history = formulary_store().formulary().versions(record_id)
    zone = current_app.config["PROFILE"].settings.time_zone
    audit("read_formulary", entry.ref, status=entry.status)
    mfr = entry.mfr
    return render_template(
        "formulary_record.html", entry=entry, mfr=mfr, revision=kept.revision,
        history=history, signs=_signs(), errors=errors or [],
        field_errors={e.field for e in errors or []},
        status_line=status_line(entry, history), identification=identification(mfr),
        quality=quality_control(mfr), bud=beyond_use(mfr),
        approval=approval_rows(entry, zone),
        quantities=[quantity(i) for i in mfr.ingredients], **_words()), status


@bp.get("/<record_id>")
def show(record_id: str):
    return record_page(mfr_id(record_id), version_number(request.args.get("version")))


@bp.get("/<record_id>/diff")
def changes(record_id: str):
    """What changed between two versions (``from``, ``to``): by default, from the version in
    force (else the one before the newest) to the newest."""
    record_id = mfr_id(record_id)
    history = formulary_store().formulary().versions(record_id)
    if not history:
        raise RecordNotFound([ErrorDetail("NOT_FOUND", "mfr",
                                          f"the formulary has no {record_id}")])
    newest = history[-1].mfr.version
    current = next((e for e in reversed(history) if e.status == "approved"), None)
    later = version_number(request.args.get("to"), "to") or newest
    default_from = (current.mfr.version if current and current.mfr.version < later
                    else max(later - 1, 1))
    earlier = version_number(request.args.get("from"), "from") or default_from
    old = formulary_store().entry(record_id, earlier)
    new = formulary_store().entry(record_id, later)
    found = [change_words(c) for c in diff(old.mfr, new.mfr)]
    audit("read_formulary", record_id, diff=[earlier, later])
    return render_template("formulary_diff.html", record_id=record_id, old=old, new=new,
                           changes=found, history=history, **_words())


@bp.post("/<record_id>/versions/<int:version>/approval")
def approve(record_id: str, version: int):
    """A pharmacist approves a draft as she read it: her password again, and the revision
    the page showed (the form's ``revision``), which is what she signs."""
    record_id = mfr_id(record_id)
    form = request.form
    if not csrf_valid(form.get("csrf_token")):
        return record_page(record_id, version, 400, [EXPIRED])
    try:
        signed_by = signer(form.get("password", ""))
        kept = formulary_store().approve(record_id, version, signed_by,
                                         expected=whole_number(form.get("revision")))
    except CompoundingError as exc:
        shown = version if version <= LONGEST_VERSION else None
        return record_page(record_id, shown, exc.status,
                           [_plain(e, record_id) for e in exc.errors])
    approval = kept.entry.approval
    audit("signature", kept.entry.ref, meaning=approval.meaning if approval else None,
          signer=signed_by.user_id, revision=kept.revision)
    session_notice(f"Version {version} of {record_id} approved: new batches follow it.")
    return redirect(url_for("formulary.show", record_id=record_id), code=303)


_PLAIN = {
    "PRECONDITION_REQUIRED": "This page did not say which revision you read: reload the "
                             "record, read it again and sign once more.",
    "STALE_REVISION": "Someone changed this draft after you opened it: reload the record, "
                      "read the changes and sign again.",
}


def _plain(error: ErrorDetail, record_id: str) -> ErrorDetail:
    """A refusal in the words of the page (a stale revision, a missing one), beside the
    password when it is about the signature."""
    if error.code in _PLAIN:
        return ErrorDetail(error.code, "revision", _PLAIN[error.code])
    if error.code == "MFR_NOT_DRAFT":
        return ErrorDetail(error.code, "version", f"{error.message}. An approved version "
                                                  f"never changes; nothing was signed.")
    if error.field == "signature":
        return ErrorDetail(error.code, "password", error.message)
    return error
