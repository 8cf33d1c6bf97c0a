"""Pages of the compounding records: search, one record with its history and signatures, bench
entry, corrections, the pharmacist's signed verification, acknowledgement and scrap, reprints.
Forms post back here and redirect on success. Searches are posted: a patient's name never
travels in a URL."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from compounding import clock
from compounding.errors import CompoundingError, ErrorDetail
from compounding.records import Record

from .auth import audit
from .records_api import (
    STATUSES,
    executed_record,
    reprint_worksheet,
    search_criteria,
    store,
    verified_label,
    whole_number,
)
from .security import csrf_valid
from .signing import author, signer

bp = Blueprint("records", __name__, url_prefix="/records")

BENCH_FIELDS = ("tablets_used", "tablet_weights", "tablet_powder_actual", "filler_actual",
                "capsules_made", "capsule_weights", "source_lot", "source_expiry", "filler_lot",
                "filler_expiry", "capsule_lot", "capsule_expiry", "compounded_at")


def _listing(args: Any, status: int = 200):
    errors: list[ErrorDetail] = []
    found = []
    if any(args.get(k) for k in args if k != "csrf_token"):
        try:
            criteria = search_criteria(args)
            found = store().search(**criteria)
            audit("search", None, criteria={k: str(v) for k, v in criteria.items()},
                  results=[s.lot_number for s in found])
        except CompoundingError as exc:
            errors = exc.errors
    else:
        found = store().search(limit=50)
        audit("search", None, criteria={}, results=[s.lot_number for s in found])
    return render_template("records.html", found=found, args=args, errors=errors,
                           statuses=STATUSES), (422 if errors else status)


@bp.get("")
def index():
    return _listing({})


@bp.post("")
def search():
    if not csrf_valid(request.form.get("csrf_token")):
        return _listing({}, 400)
    return _listing(request.form)


def _page(lot: str, status: int = 200, errors: list[ErrorDetail] | None = None,
          values: dict[str, str] | None = None, confirm_scrap: bool = False,
          posted: str | None = None):
    """The record's page; after a form of it failed, ``posted`` names that form (its ids'
    prefix: ``bench-``, ``ack-``, ``verify-``, ``scrap-``) and only that form shows the
    ``values`` it sent and the ``errors`` by field, exactly as they were sent."""
    record = store().get(lot)
    audit("read_record", record.lot_number)
    by_field: dict[str, list[ErrorDetail]] = {}
    for error in errors or []:
        by_field.setdefault(form_name(error.field), []).append(error)
    return render_template("record.html", record=record, errors=errors or [],
                           field_errors=by_field, values=values or {}, posted=posted,
                           # a signature refused at the confirmation shows it again
                           confirm_scrap=confirm_scrap or (values or {}).get("confirm") == "yes",
                           acknowledged={a.finding: a for a in record.acknowledgements}), status


@bp.get("/<lot>")
def show(lot: str):
    return _page(lot)


def _number(text: str) -> Any:
    """A typed count as JSON would carry it; anything else stays text for the core to refuse."""
    number = whole_number(text)
    return number if number is not None else text


_STAGE_FIELD = re.compile(r"trituration\[(\d)\]\.(taken|filler)")


def form_name(field: str) -> str:
    """The form input an error's field path belongs to: ``trituration[1].taken`` is
    ``trituration_1_taken``; ``capsule_weights[3]`` is ``capsule_weights``."""
    stage = _STAGE_FIELD.fullmatch(field)
    return f"trituration_{stage[1]}_{stage[2]}" if stage else field.split("[")[0]


def _weights(text: str) -> list[str]:
    """Weights typed one per line or separated by spaces or commas, each in mg."""
    return [f"{w} mg" for w in text.replace(",", " ").split()]


def bench_entry(form: Any) -> dict[str, Any]:
    """The bench form as a bench entry; masses typed in mg; weights one per line or space."""
    value = {k: (form.get(k) or "").strip() for k in BENCH_FIELDS}
    entry: dict[str, Any] = {}
    for name in ("tablets_used", "capsules_made"):
        if value[name]:
            entry[name] = _number(value[name])
    for name in ("tablet_powder_actual", "filler_actual"):
        if value[name]:
            entry[name] = f"{value[name]} mg"
    entry["capsule_weights"] = _weights(value["capsule_weights"])
    if value["tablet_weights"]:
        entry["tablet_weights"] = _weights(value["tablet_weights"])
    for name in ("source_lot", "source_expiry", "filler_lot", "filler_expiry", "capsule_lot",
                 "capsule_expiry"):
        if value[name]:
            entry[name] = value[name]
    stages = []
    for index in range(2):
        stage = {part: f"{text} mg" for part in ("taken", "filler")
                 if (text := (form.get(f"trituration_{index}_{part}") or "").strip())}
        if stage or f"trituration_{index}_filler" in form:
            stages.append(stage)
    if stages:
        entry["trituration"] = stages
    if (aliquot := (form.get("aliquot_actual") or "").strip()):
        entry["aliquot_actual"] = f"{aliquot} mg"
    moment = value["compounded_at"]
    entry["compounded_at"] = moment or clock.now().replace(microsecond=0).isoformat()
    return entry


def _step(lot: str, action: str, run: Callable[[Any, int | None], Record], posted: str):
    """Check the form's token, run the step, go back to the record (errors shown there, in the
    form ``posted``, with what it sent)."""
    form = request.form
    values = {k: v for k, v in form.items() if k not in ("csrf_token", "password")}
    if not csrf_valid(form.get("csrf_token")):
        return _page(lot, 400, [ErrorDetail("CSRF_FAILED", "form", "This form has expired; "
                                            "check the values and submit again.")], values,
                     posted=posted)
    try:
        record = run(form, whole_number(form.get("revision")))
    except CompoundingError as exc:
        return _page(lot, exc.status, exc.errors, values, posted=posted)
    data = record.revisions[-1].data or {}
    audit(action, record.lot_number, revision=record.revision,
          meaning=data.get("signature", {}).get("meaning"))
    return redirect(url_for("records.show", lot=record.lot_number), code=303)


@bp.post("/<lot>/bench")
def bench(lot: str):
    return _step(lot, "bench", lambda form, expected: store().enter_bench(
        lot, bench_entry(form), author(), expected), "bench-")


@bp.post("/<lot>/correction")
def correction(lot: str):
    return _step(lot, "correction", lambda form, expected: store().correct(
        lot, {"reason": form.get("reason", "").strip(), "bench": bench_entry(form)},
        author(), expected), "bench-")


def _signed(form: Any) -> Any:
    return signer(form.get("password", ""))


@bp.post("/<lot>/verification")
def verification(lot: str):
    allow = current_app.config["PROFILE"].records.allow_self_verification
    return _step(lot, "signature", lambda form, expected: store().verify(
        lot, {k: form.get(k, "").strip() or None for k in ("decision", "reason")},
        _signed(form), expected=expected, allow_self_verification=allow), "verify-")


@bp.post("/<lot>/acknowledgement")
def acknowledgement(lot: str):
    return _step(lot, "signature", lambda form, expected: store().acknowledge(
        lot, {k: form.get(k, "").strip() for k in ("finding", "reason")}, _signed(form),
        expected=expected), "ack-")


@bp.post("/<lot>/scrap")
def scrap(lot: str):
    """Two steps, no script needed: the first post asks to confirm (nothing changes); the
    confirmation, signed, scraps the batch."""
    if request.form.get("confirm") != "yes":
        if not csrf_valid(request.form.get("csrf_token")):
            return _page(lot, 400, [ErrorDetail("CSRF_FAILED", "form", "This form has expired; "
                                                "check the values and submit again.")])
        return _page(lot, confirm_scrap=True)
    return _step(lot, "signature", lambda form, expected: store().scrap(
        lot, {"reason": form.get("reason", "").strip()}, _signed(form), expected=expected),
        "scrap-")


@bp.get("/<lot>/worksheet.pdf")
def worksheet(lot: str):
    return reprint_worksheet(store().get(lot))


@bp.get("/<lot>/record.pdf")
def executed(lot: str):
    return executed_record(store().get(lot))


@bp.get("/<lot>/label.pdf")
def label(lot: str):
    return verified_label(store().get(lot))
