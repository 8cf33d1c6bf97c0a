"""Pages of the component inventory (issue 23): the lots received, receiving a lot, one lot with
the batches that used it (a recall from the lot), a pharmacist's quarantine; and their JSON for
pickers and for the flags of quarantined lots.

Who received or quarantined a lot is the signed-in person, never typed. Every form carries the
session's anti-forgery token; every receipt and quarantine, and every page that lists batches
(patients' names), is in the audit trail.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from compounding.errors import CompoundingError, ErrorDetail, OrderError, error_body
from compounding.records.inventory import FIELDS, KIND_NAMES, KINDS, Inventory, InventoryLot

from .auth import accounts, audit, principal
from .security import csrf_valid

bp = Blueprint("inventory", __name__, url_prefix="/inventory")

FORM_LABELS = {
    "kind": "Kind", "product": "Product", "manufacturer": "Manufacturer", "ndc": "NDC",
    "lot": "Lot", "expiry": "Expiry", "average_weight_mg": "Measured average tablet weight",
    "assay": "Assay (certificate of analysis)", "assay_basis": "Assay basis",
    "water": "Water content", "received_on": "Received on",
    "reason": "Reason for the quarantine",
}
"""Each input's label, as the page shows it and as an error names its field."""
BATCHES_SHOWN = 200
KIND_TITLES = {"tablet": "Tablets", "api": "API powder", "filler": "Filler",
               "shell": "Capsule shells"}
BASES = [("as_is", "as is"), ("dried", "on the dried basis")]
"""The bases a certificate of analysis gives an assay on, as the receipt offers them."""


def inventory() -> Inventory:
    """The inventory of the app's records, "today" in the pharmacy's time zone."""
    store = current_app.extensions["records"]
    return Inventory(store.engine, store,
                     time_zone=current_app.config["PROFILE"].settings.time_zone)


def usable_lots(kind: str) -> list[InventoryLot]:
    """The lots of ``kind`` that may be picked today (a lot list's ``<datalist>``)."""
    stock = inventory()
    return stock.list(kind, usable_on=stock.today())


def _names(lots: list[InventoryLot]) -> dict[int, str]:
    """Who received or quarantined these lots, by user id."""
    ids = {lot.received_by for lot in lots} | {lot.quarantined_by for lot in lots
                                               if lot.quarantined_by is not None}
    found = {user_id: accounts().get(user_id) for user_id in ids}
    return {user_id: user.name if user else f"user {user_id}" for user_id, user in found.items()}


def _by_field(errors: list[ErrorDetail]) -> dict[str, list[ErrorDetail]]:
    grouped: dict[str, list[ErrorDetail]] = {}
    for error in errors:
        grouped.setdefault(error.field, []).append(error)
    return grouped


def _listing(values: dict[str, str] | None = None, errors: list[ErrorDetail] | None = None,
             status: int = 200):
    stock = inventory()
    today = stock.today()
    kind = request.args.get("kind", "")
    usable = request.args.get("usable") == "true"
    problems = list(errors or [])
    if kind and kind not in KINDS:
        problems.append(ErrorDetail("INVALID_VALUE", "kind",
                                    f"must be one of {', '.join(KINDS)}"))
        kind = ""
    lots = stock.list(kind or None, usable_on=today if usable else None)
    return render_template(
        "inventory.html", lots=lots, today=today, kind=kind, usable=usable, kinds=KINDS,
        kind_names=KIND_NAMES, kind_titles=KIND_TITLES, names=_names(lots), labels=FORM_LABELS,
        errors=problems, bases=BASES,
        field_errors=_by_field(problems),
        values=values or {"received_on": today.isoformat()}), (
            422 if problems and status == 200 else status)


@bp.get("")
def index():
    return _listing()


@bp.post("")
def receive():
    """Receive a lot; the receiver is the signed-in person."""
    form = request.form
    values = {k: form.get(k, "").strip() for k in FIELDS}
    if not csrf_valid(form.get("csrf_token")):
        return _listing(values, [ErrorDetail("CSRF_FAILED", "form", "This form has expired; "
                                             "check the values and submit again.")], 400)
    try:
        lot = inventory().receive({k: v for k, v in values.items() if v},
                                  principal().user.id)
    except CompoundingError as exc:
        return _listing(values, exc.errors, exc.status)
    audit("inventory_receive", f"inventory {lot.id}", kind=lot.kind, lot=lot.lot,
          product=lot.product, ndc=lot.ndc, manufacturer=lot.manufacturer,
          expiry=lot.expiry.isoformat(), average_weight_mg=lot.average_weight_mg,
          assay=lot.assay, assay_basis=lot.assay_basis, water=lot.water,
          received_on=lot.received_on.isoformat())
    return redirect(url_for("inventory.show", number=lot.id, received=1), code=303)


def _lot_page(number: int, status: int = 200, errors: list[ErrorDetail] | None = None,
              values: dict[str, str] | None = None):
    stock = inventory()
    lot = stock.get(number)
    used, total, _ = stock.batches(lot, limit=BATCHES_SHOWN)
    audit("inventory_recall", f"inventory {lot.id}", kind=lot.kind, lot=lot.lot,
          results=[u.batch.lot_number for u in used])
    return render_template(
        "inventory_lot.html", lot=lot, used=used, total=total, shown=BATCHES_SHOWN,
        today=stock.today(), kind_names=KIND_NAMES, kind_titles=KIND_TITLES, names=_names([lot]),
        labels=FORM_LABELS,
        errors=errors or [], field_errors=_by_field(errors or []), values=values or {},
        received=request.args.get("received") == "1"), status


@bp.get("/<int:number>")
def show(number: int):
    return _lot_page(number)


@bp.post("/<int:number>/quarantine")
def quarantine(number: int):
    """A pharmacist quarantines the lot, with a reason."""
    form = request.form
    values = {"reason": form.get("reason", "").strip()}
    if not csrf_valid(form.get("csrf_token")):
        return _lot_page(number, 400, [ErrorDetail("CSRF_FAILED", "form", "This form has "
                                                   "expired; check the reason and submit "
                                                   "again.")], values)
    try:
        lot = inventory().quarantine(number, values["reason"], principal().user.id)
    except CompoundingError as exc:
        if exc.status == 404:
            raise
        return _lot_page(number, exc.status, exc.errors, values)
    audit("inventory_quarantine", f"inventory {lot.id}", kind=lot.kind, lot=lot.lot,
          reason=lot.quarantine_reason)
    return redirect(url_for("inventory.show", number=lot.id), code=303)


@bp.get("/lots.json")
def lots_json():
    """The lots received, as JSON: ``kind`` one kind; ``usable=true`` only those usable today."""
    stock = inventory()
    today = stock.today()
    usable = request.args.get("usable", "false")
    try:
        if usable not in ("true", "false"):
            raise OrderError([ErrorDetail("INVALID_VALUE", "usable", "must be true or false")])
        lots = stock.list(request.args.get("kind") or None,
                          usable_on=today if usable == "true" else None)
    except CompoundingError as exc:  # JSON whatever the browser accepts
        return jsonify(error_body(exc.status, exc.errors)), exc.status
    return jsonify({"today": today.isoformat(),
                    "lots": [{**lot.to_json(), "usable": lot.usable_on(today)} for lot in lots]})


@bp.get("/quarantine.json")
def quarantine_json():
    """Every quarantined lot with the batches that used it; ``flagged``: not yet labelled and
    still may be. A record page asks :meth:`Inventory.quarantine_flags` for its own batch."""
    stock = inventory()
    answer: list[dict[str, Any]] = []
    for lot in stock.quarantined_lots():
        used, total, _ = stock.batches(lot, limit=BATCHES_SHOWN)
        answer.append({**lot.to_json(), "batches": [u.to_json() for u in used],
                       "total": total, "flagged": sum(u.flagged for u in used)})
    audit("inventory_flags", None, lots=[item["lot"] for item in answer],
          flagged=[b["lot_number"] for item in answer for b in item["batches"] if b["flagged"]])
    return jsonify({"lots": answer})
