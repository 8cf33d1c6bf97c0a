"""The compounding records' pages (the ``records`` blueprint, every URL under ``/records``): the
search and the list of batches, one batch's page (:mod:`.batch_page`), the reprints of its
worksheet and executed record, and the forms posted from the page: its steps
(:mod:`.batch_steps`) and its dispensing label (:mod:`.label_printing`). Forms post back to the
batch's URLs and redirect to its page on success, with a confirmation shown once there.
Searches are posted: a patient's name never travels in a URL."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from compounding.errors import CompoundingError, ErrorDetail

from . import batch_steps, label_printing
from .auth import audit
from .batch_page import record_page
from .kept_records import STATUSES, executed_record, reprint_worksheet, search_criteria, store
from .security import csrf_valid

bp = Blueprint("records", __name__, url_prefix="/records")


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


@bp.get("/<lot>")
def show(lot: str):
    return record_page(lot)


@bp.get("/<lot>/worksheet.pdf")
def worksheet(lot: str):
    return reprint_worksheet(store().get(lot))


@bp.get("/<lot>/record.pdf")
def executed(lot: str):
    return executed_record(store().get(lot))


# the forms posted from a batch's page (:mod:`.batch_steps`) and its label (:mod:`.label_printing`)
for rule, view in (("/<lot>/bench", batch_steps.bench),
                   ("/<lot>/correction", batch_steps.correction),
                   ("/<lot>/verification", batch_steps.verification),
                   ("/<lot>/acknowledgement", batch_steps.acknowledgement),
                   ("/<lot>/scrap", batch_steps.scrap),
                   ("/<lot>/label.pdf", label_printing.label)):
    bp.add_url_rule(rule, view_func=view, methods=["POST"])
