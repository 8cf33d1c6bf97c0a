"""The pharmacist's form: enter an order, preview the plan with its working, acknowledge
critical findings, then keep it as a batch record (whose page prints the worksheet, takes the
bench results and the verification, and prints the label once verified). No JavaScript."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import defaultdict
from datetime import date

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from compounding.clock import today
from compounding.errors import CompoundingError, ErrorDetail, OrderError
from compounding.formulation.derivation import explain
from compounding.orders.models import Order
from compounding.plan import plan_of, work_out
from compounding.records.store import RequestKey

from .auth import audit, principal
from .formdata import CHOICES, CONTROLS, DEFAULTS, LABELS, form_field, to_order
from .inventory_pages import inventory
from .kept_records import planning_profile
from .powder_order import from_inventory, powder_preview
from .security import csrf_valid
from .signing import author
from .wording import for_person

bp = Blueprint("form", __name__)

SEVERITIES = ("critical", "warning", "info")
PICKERS = {"source.lot": "tablet", "powder.lot": "api", "filler.lot": "filler",
           "capsule.lot": "shell"}
"""The order's lot inputs, and the kind of inventory lot each offers (a ``<datalist>``: a lot
may still be typed)."""


def _page(values: dict[str, str], status: int = 200, draft_saved: object = None,
          **context: object):
    """The form; ``submission`` is this order entry's one-time key, kept through previews so
    that a double submit or a Back-and-resubmit of "Create" finds the batch it made."""
    return render_template("form.html", values=values, choices=CHOICES, labels=LABELS,
                           severities=SEVERITIES, submission=secrets.token_urlsafe(18),
                           lot_choices=_lot_choices(), draft_saved=draft_saved,
                           **context), status


def _lot_choices() -> dict[str, list]:
    """Each lot input's usable inventory lots (not expired today, not quarantined)."""
    stock = inventory()
    day = stock.today()
    return {name: stock.list(kind, usable_on=day) for name, kind in PICKERS.items()}


def _refused_lots(order: dict) -> list[ErrorDetail]:
    """An error for each lot typed or picked on the order that the inventory has received and
    that is quarantined, or expired on the compounding date (today when none is given), naming
    its input. A lot the inventory does not know is left to the order's own rules."""
    stock = inventory()
    try:
        day = date.fromisoformat(str(order.get("compounded_on") or "")[:10])
    except ValueError:
        day = stock.today()
    refused = []
    lots = {"source.lot": "api" if _powder(order) else "tablet",
            "filler.lot": "filler", "capsule.lot": "shell"}
    for name, kind in lots.items():
        part, _, leaf = name.partition(".")
        typed = (order.get(part) or {}).get(leaf)
        if isinstance(typed, str) and (problem := stock.refusal(kind, typed, name, day)):
            refused.append(problem)
    return refused


def _said(error: ErrorDetail, control: str, order: dict) -> ErrorDetail:
    """``error`` as the form says it; one of a powder source's fields named as its input
    ("Powder lot", not "Tablet lot"), and a tablet weight sent with the powder refused as the
    core says it (the tablets' fieldset was not the source chosen)."""
    if control.startswith("powder."):
        error = ErrorDetail(error.code, control, error.message)
    elif control == "source.average_tablet_weight" and _powder(order):
        return error
    return for_person(error, control)


def _powder(order: dict) -> bool:
    return isinstance(order.get("source"), dict) and order["source"].get("kind") == "api_powder"


def _linked(errors: list[ErrorDetail], order: dict) -> list[tuple[ErrorDetail, str | None]]:
    """Each error, as the form says it, with the id of the input it belongs beside, or
    ``None`` when no input of the form holds it (the pharmacy's profile, say): the summary
    links only to what exists."""
    found = []
    for error in errors:
        control = form_field(error.field, order)
        found.append((_said(error, control, order), control if control in CONTROLS else None))
    return found


def _fields(errors: list[ErrorDetail], order: dict) -> dict[str, list[ErrorDetail]]:
    by_field: dict[str, list[ErrorDetail]] = defaultdict(list)
    for error in errors:
        control = form_field(error.field, order)
        by_field[control].append(_said(error, control, order))
    return by_field


def _drafts():
    return current_app.extensions["drafts"]


@bp.get("/")
def index():
    """The form, empty; or with the order this person was typing, kept by the server (when
    they previewed it, or posted it after being signed out for inactivity)."""
    zone = current_app.config["PROFILE"].settings.time_zone
    kept = _drafts().latest(principal().user.id)
    if kept is not None:
        fields, saved = kept
        return _page({**DEFAULTS, **{k: v for k, v in fields.items() if isinstance(v, str)}},
                     draft_saved=saved)
    return _page({**DEFAULTS, "compounded_on": today(zone).isoformat()})


@bp.post("/drafts/discard")
def discard_draft():
    """Empty the form: the kept order is dropped."""
    if csrf_valid(request.form.get("csrf_token")):
        _drafts().discard(principal().user.id)
    return redirect(url_for("form.index"), code=303)


@bp.post("/")
def preview():
    return _handle(None)


@bp.post("/batch")
def create_batch():
    """Keep the order as a batch record and go to its page (worksheet, bench, verification)."""
    return _handle("batch")


def _handle(document: str | None):
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if not csrf_valid(request.form.get("csrf_token")):
        error = ErrorDetail("CSRF_FAILED", "form", "This form has expired or did not come from "
                            "this page. Check the values and submit again.")
        return _page(values, 400, errors=[(error, None)], field_errors={})
    taken, note = from_inventory(values, inventory())  # a powder lot's certificate
    _drafts().keep(principal().user.id, {k: v for k, v in values.items() if k != "submission"})
    order = to_order(values)
    profile = planning_profile()  # the pharmacy's formulary, as the record will be made
    worked = None
    refused = taken + _refused_lots(order)  # the plan is still shown; no batch is kept
    try:
        worked = work_out(order, profile.settings)
        if refused:
            raise OrderError(refused)
        if document == "batch":
            record = current_app.extensions["records"].create(
                worked.order, profile, author(), request=_submission(request.form, worked.order))
            audit("create", record.lot_number, revision=record.revision)
            _drafts().discard(principal().user.id)
            return redirect(url_for("records.show", lot=record.lot_number, created=1), code=303)
    except CompoundingError as exc:
        exc.errors += [e for e in refused if e not in exc.errors]
        if any(e.code == "IDEMPOTENCY_KEY_REUSED" for e in exc.errors):
            values.pop("submission", None)  # the next "Create" is deliberate: a new key
            exc.errors[:] = [ErrorDetail(
                "IDEMPOTENCY_KEY_REUSED", "form",
                "This order form already made a batch with other values. Check the batch "
                "records before making another; to make a second batch from these values, "
                "press Create again.")]
        plan_context = _preview(worked) if worked is not None else {}
        return _page(values, exc.status, errors=_linked(exc.errors, order),
                     field_errors=_fields(exc.errors, order), powder_note=note, **plan_context)
    audit("plan", worked.order.rx_number, **{k: v for k, v in {  # who planned for whom: no name
        "prescription_id": worked.order.prescription_id,
        "patient_id": worked.order.patient.id if worked.order.patient else None}.items() if v})
    return _page(values, 200, errors=[], field_errors={}, powder_note=note, **_preview(worked))


_SUBMISSION = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _submission(form: MultiDict[str, str], order: Order) -> RequestKey | None:
    """The form's one-time key with the digest of the order it describes."""
    token = form.get("submission", "")
    if not _SUBMISSION.fullmatch(token):
        return None
    digest = hashlib.sha256(order.model_dump_json().encode()).hexdigest()
    return RequestKey(f"form {principal().user.id}", token, digest)


def _preview(worked) -> dict[str, object]:
    plan = plan_of(worked)
    grouped = {s: [f for f in plan.findings if f.severity.value == s] for s in SEVERITIES}
    return {"plan": plan, "steps": explain(worked), "findings": grouped,
            "powder": powder_preview(worked),
            # the order's own lot, or none yet: the records give the next YYYYMMDD-NNN only
            # when the batch is kept, and a preview must not show a number it will not have
            "lot": worked.order.lot_number}


