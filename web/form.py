"""The pharmacist's form: enter an order, preview the plan with its working, acknowledge
critical findings, download the worksheet and the label. Works without JavaScript."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import Blueprint, Response, current_app, render_template, request

from compounding.derivation import explain
from compounding.documents import label_pdf, worksheet_pdf
from compounding.errors import CompoundingError, ErrorDetail
from compounding.lots import lot_number
from compounding.plan import plan_of, work_out

from .formdata import CHOICES, DEFAULTS, form_field, to_order
from .security import csrf_valid

bp = Blueprint("form", __name__)

SEVERITIES = ("critical", "warning", "info")


def _page(values: dict[str, str], status: int = 200, **context: object):
    return render_template("form.html", values=values, choices=CHOICES,
                           severities=SEVERITIES, **context), status


def _fields(errors: list[ErrorDetail], order: dict) -> dict[str, list[ErrorDetail]]:
    by_field: dict[str, list[ErrorDetail]] = defaultdict(list)
    for error in errors:
        by_field[form_field(error.field, order)].append(error)
    return by_field


@bp.get("/")
def index():
    return _page({**DEFAULTS, "compounded_on": date.today().isoformat()})


@bp.post("/")
def preview():
    return _handle(None)


@bp.post("/worksheet.pdf")
def worksheet():
    return _handle("worksheet")


@bp.post("/label.pdf")
def label():
    return _handle("label")


def _handle(document: str | None):
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    if not csrf_valid(request.form.get("csrf_token")):
        error = ErrorDetail("CSRF_FAILED", "form", "This form has expired or did not come from "
                            "this page. Check the values and submit again.")
        return _page(values, 400, errors=[error], field_errors={})
    order = to_order(request.form)
    profile = current_app.config["PROFILE"]
    worked = None
    try:
        worked = work_out(order, profile.settings)
        if document == "worksheet":
            name = f"worksheet-{lot_number(worked.order, worked.compounded_on)}.pdf"
            return _download(worksheet_pdf(worked.order, profile), name)
        if document == "label":
            return _download(label_pdf(worked.order, profile),
                             f"label-{worked.order.rx_number}.pdf")
    except CompoundingError as exc:
        if worked is None and all(e.field.startswith("acknowledgements") for e in exc.errors):
            # only the acknowledgement is wrong: show the plan, so the error sits by its input
            worked = work_out({k: v for k, v in order.items() if k != "acknowledgements"},
                              profile.settings)
        plan_context = _preview(worked) if worked is not None else {}
        return _page(values, exc.status, errors=exc.errors,
                     field_errors=_fields(exc.errors, order), **plan_context)
    return _page(values, 200, errors=[], field_errors={}, **_preview(worked))


def _preview(worked) -> dict[str, object]:
    plan = plan_of(worked)
    grouped = {s: [f for f in plan.findings if f.severity.value == s] for s in SEVERITIES}
    return {"plan": plan, "steps": explain(worked), "findings": grouped,
            "lot": lot_number(worked.order, worked.compounded_on)}


def _download(content: bytes, name: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
