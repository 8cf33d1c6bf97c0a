"""The HTTP API of ``api-v1.md``: plan, worksheet and label, health, OpenAPI description."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import UnsupportedMediaType

from compounding.bench.lots import lot_number
from compounding.clock import today
from compounding.documents import label_pdf
from compounding.errors import ErrorDetail, OrderError
from compounding.orders.kit import KitOrder
from compounding.orders.liquid import LiquidOrder
from compounding.orders.models import Order
from compounding.orders.reading import parse_any_json
from compounding.plan import plan_order

from .auth import audit
from .errors import unavailable
from .kept_records import pdf, planning_profile, reprint_worksheet, store
from .openapi import openapi
from .records_api import request_key
from .signing import author

bp = Blueprint("api", __name__)


def _order() -> Order | LiquidOrder | KitOrder:
    """The request body as an order of its dosage form (capsules, a capsule titration kit, or
    ``"form": "oral_liquid"``): JSON only (HTTP 415 otherwise)."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    return parse_any_json(request.get_data())


def _one_batch(order: Order | LiquidOrder | KitOrder) -> Order | LiquidOrder:
    """An order made as one batch (capsules, or an oral liquid): a titration kit is planned
    (``/api/v1/plan``) but has no single worksheet, record or label here (422, naming its
    schedule)."""
    if isinstance(order, KitOrder):
        raise OrderError([ErrorDetail(
            "INVALID_VALUE", "schedule",
            "a titration kit (capsules with a schedule) is planned, but not made as one "
            "batch: order each strength it needs as a capsule order of its own")])
    return order


def _keys(order: Order | LiquidOrder | KitOrder) -> dict[str, str]:
    """What an audit event says of an order: the pharmacy system's opaque keys, never the
    patient's name (no patient data beyond keys in the trail's details)."""
    keys = {"prescription_id": order.prescription_id,
            "patient_id": order.patient.id if order.patient else None}
    return {k: v for k, v in keys.items() if v}


@bp.post("/api/v1/plan")
def plan() -> Response:
    """An order's plan; keeps nothing but the audit event ``plan`` (who, the Rx number)."""
    order, profile = _order(), planning_profile()
    made = plan_order(order, profile.settings)
    audit("plan", order.rx_number, **_keys(order))
    return Response(made.model_dump_json(), mimetype="application/json")


@bp.post("/api/v1/worksheet")
def worksheet() -> Response:
    """Printing a worksheet keeps the batch as a record: the PDF carries its lot number. With
    ``Idempotency-Key``, a retry after a lost answer returns the first batch's worksheet."""
    order = _one_batch(_order())
    record = store().create(order, current_app.config["PROFILE"], author(),
                            request=request_key("POST /api/v1/worksheet"))
    audit("create", record.lot_number, revision=record.revision)
    response = reprint_worksheet(record)
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/records/{record.lot_number}"
    return response


@bp.post("/api/v1/label")
def label() -> Response:
    """A proof of the patient label, from an order alone: it keeps no record, but a label
    with a real patient's name is printed, so it is the audit event ``proof_label_print`` on
    the Rx number (a label needs one, and the patient's name), without the name."""
    order, profile = _one_batch(_order()), planning_profile()
    response = pdf(label_pdf(order, profile), f"label-{order.rx_number or _lot(order)}.pdf")
    audit("proof_label_print", order.rx_number, copies=1, format="pdf", lot=_lot(order),
          **_keys(order))
    return response


def _lot(order: Order | LiquidOrder) -> str:
    profile = current_app.config["PROFILE"]
    return lot_number(order, order.compounded_on or today(profile.settings.time_zone))


@bp.get("/healthz")
def healthz() -> Response:
    """200 when the service can serve and keep records; 503 with ``Retry-After`` otherwise."""
    problem = current_app.extensions["health"].problem()
    if problem is not None:
        return unavailable(problem)
    return jsonify({"ok": True, "status": 200})


@bp.get("/api/v1/openapi.json")
def openapi_json() -> Response:
    return jsonify(openapi())
