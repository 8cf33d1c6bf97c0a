"""Pages of the compounding records: search, one record with its history, bench entry,
verification, scrap, reprints. Forms post back here and redirect on success."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from compounding.errors import CompoundingError, ErrorDetail

from .records_api import (
    STATUSES,
    reprint_worksheet,
    search_criteria,
    store,
    verified_label,
    whole_number,
)
from .security import csrf_valid

bp = Blueprint("records", __name__, url_prefix="/records")

BENCH_FIELDS = ("tablets_used", "tablet_powder_actual", "filler_actual", "capsules_made",
                "capsule_weights", "source_lot", "source_expiry", "filler_lot", "filler_expiry",
                "capsule_lot", "capsule_expiry", "compounded_by", "compounded_at")


@bp.get("")
def index():
    errors: list[ErrorDetail] = []
    try:
        found = store().search(**search_criteria(request.args))
    except CompoundingError as exc:
        errors, found = exc.errors, []
    return render_template("records.html", found=found, args=request.args, errors=errors,
                           statuses=STATUSES), (422 if errors else 200)


def _page(lot: str, status: int = 200, errors: list[ErrorDetail] | None = None,
          values: dict[str, str] | None = None):
    record = store().get(lot)
    by_field: dict[str, list[ErrorDetail]] = {}
    for error in errors or []:
        by_field.setdefault(error.field.split("[")[0], []).append(error)
    return render_template("record.html", record=record, errors=errors or [],
                           field_errors=by_field, values=values or {}), status


@bp.get("/<lot>")
def show(lot: str):
    return _page(lot)


def _number(text: str) -> Any:
    """A typed count as JSON would carry it; anything else stays text for the core to refuse."""
    number = whole_number(text)
    return number if number is not None else text


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
    entry["capsule_weights"] = [f"{w} mg" for w in value["capsule_weights"].replace(",", " ")
                                .split()]
    for name in ("source_lot", "source_expiry", "filler_lot", "filler_expiry", "capsule_lot",
                 "capsule_expiry", "compounded_by"):
        if value[name]:
            entry[name] = value[name]
    moment = value["compounded_at"]
    entry["compounded_at"] = (moment if moment else
                              datetime.now(UTC).replace(microsecond=0).isoformat())
    return entry


def _expected(form: Any) -> int | None:
    raw = form.get("revision", "")
    return whole_number(raw)


@bp.post("/<lot>/<action>")
def change(lot: str, action: str):
    form = request.form
    values = {k: v for k, v in form.items() if k != "csrf_token"}
    if not csrf_valid(form.get("csrf_token")):
        return _page(lot, 400, [ErrorDetail("CSRF_FAILED", "form", "This form has expired; "
                                            "check the values and submit again.")], values)
    records, expected = store(), _expected(form)
    profile = current_app.config["PROFILE"]
    try:
        if action == "bench":
            records.enter_bench(lot, bench_entry(form), expected)
        elif action == "correction":
            records.correct(lot, {"by": form.get("by", "").strip(),
                                  "reason": form.get("reason", "").strip(),
                                  "bench": bench_entry(form)}, expected)
        elif action == "verification":
            records.verify(lot, {k: form.get(k, "").strip() or None
                                 for k in ("pharmacist", "decision", "reason")},
                           allow_self_verification=profile.records.allow_self_verification,
                           expected=expected)
        elif action == "acknowledgement":
            records.acknowledge(lot, {k: form.get(k, "").strip()
                                      for k in ("code", "pharmacist", "reason")}, expected)
        elif action == "scrap":
            records.scrap(lot, {"by": form.get("by", "").strip(),
                                "reason": form.get("reason", "").strip()}, expected)
        else:
            return _page(lot, 404, [ErrorDetail("NOT_FOUND", "path", "no such action")])
    except CompoundingError as exc:
        return _page(lot, exc.status, exc.errors, values)
    return redirect(url_for("records.show", lot=lot), code=303)


@bp.get("/<lot>/worksheet.pdf")
def worksheet(lot: str):
    return reprint_worksheet(store().get(lot))


@bp.get("/<lot>/label.pdf")
def label(lot: str):
    return verified_label(store().get(lot))
