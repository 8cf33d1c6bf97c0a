"""The forms posted from a batch's page, each a step of the batch: bench results, corrections,
and the pharmacist's signed verification, acknowledgement and scrap. Each checks the form's
anti-forgery token, is one audit event, and goes back to the page with a confirmation shown
once, or shows the page again with the form's errors beside its inputs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, redirect, request, session, url_for

from compounding.errors import CompoundingError, ErrorDetail, OrderError
from compounding.records import Record

from .auth import audit
from .batch_page import record_page
from .bench_form import checked, said
from .kept_records import store
from .pages import whole_number
from .security import csrf_valid
from .signing import author, signer

NOTICES = {"bench": "Bench results saved.", "correction": "Correction saved.",
           "acknowledgement": "Acknowledgement signed.", "scrap": "Batch scrapped.",
           "verified": "Batch verified.", "rejected": "Batch rejected."}
"""The confirmation shown once on the record's page after each step is saved."""


def _step(lot: str, action: str, run: Callable[[Any, int | None], Record], posted: str,
          notice: str | Callable[[Record], str]):
    """Check the form's token, run the step, go back to the record with ``notice`` shown once
    (errors shown there, in the form ``posted``, with what it sent)."""
    form = request.form
    values = {k: v for k, v in form.items() if k not in ("csrf_token", "password")}
    if not csrf_valid(form.get("csrf_token")):
        return record_page(lot, 400, [ErrorDetail("CSRF_FAILED", "form",
                                                  "This form has expired; check the values "
                                                  "and submit again.")], values, posted=posted)
    try:
        record = run(form, whole_number(form.get("revision")))
    except CompoundingError as exc:
        errors = said(exc.errors, form) if posted == "bench-" else exc.errors
        return record_page(lot, exc.status, errors, values, posted=posted)
    data = record.revisions[-1].data or {}
    audit(action, record.lot_number, revision=record.revision,
          meaning=data.get("signature", {}).get("meaning"))
    session["notice"] = notice(record) if callable(notice) else notice
    return redirect(url_for("records.show", lot=record.lot_number), code=303)


def bench(lot: str):
    return _step(lot, "bench", lambda form, expected: store().enter_bench(
        lot, checked(lot, form, None), author(), expected), "bench-",
        NOTICES["bench"])


def correction(lot: str):
    def run(form: Any, expected: int | None) -> Record:
        reason = form.get("reason", "").strip()
        entry = checked(lot, form, reason)
        return store().correct(lot, {"reason": reason, "bench": entry}, author(), expected)

    return _step(lot, "correction", run, "bench-", NOTICES["correction"])


def _signed(form: Any) -> Any:
    return signer(form.get("password", ""))


def verification(lot: str):
    """No decision is made for the pharmacist: neither Approve nor Reject sent is an error
    beside the choice, and nothing is signed."""
    rules = current_app.config["PROFILE"].records

    def run(form: Any, expected: int | None) -> Record:
        decision = form.get("decision", "").strip()
        if decision not in ("approve", "reject"):
            raise OrderError([ErrorDetail("FIELD_REQUIRED", "decision",
                                          "choose Approve or Reject")])
        return store().verify(
            lot, {"decision": decision, "reason": form.get("reason", "").strip() or None},
            _signed(form), expected=expected,
            allow_self_verification=rules.allow_self_verification,
            account_change_window_days=rules.account_change_window_days)

    return _step(lot, "signature", run, "verify-", lambda record: NOTICES[record.status])


def acknowledgement(lot: str):
    return _step(lot, "signature", lambda form, expected: store().acknowledge(
        lot, {k: form.get(k, "").strip() for k in ("finding", "reason")}, _signed(form),
        expected=expected), "ack-", NOTICES["acknowledgement"])


def scrap(lot: str):
    """Two steps, no script needed: the first post asks to confirm (nothing changes); the
    confirmation, signed, scraps the batch. The form posts to ``#scrap``, so the page comes
    back scrolled to the confirmation."""
    if request.form.get("confirm") != "yes":
        if not csrf_valid(request.form.get("csrf_token")):
            return record_page(lot, 400, [ErrorDetail("CSRF_FAILED", "form",
                                                      "This form has expired; check the values "
                                                      "and submit again.")])
        return record_page(lot, confirm_scrap=True)
    return _step(lot, "signature", lambda form, expected: store().scrap(
        lot, {"reason": form.get("reason", "").strip()}, _signed(form), expected=expected),
        "scrap-", NOTICES["scrap"])
