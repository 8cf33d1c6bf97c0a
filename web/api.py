"""The HTTP API of ``api-v1.md``: plan, worksheet and label, health, OpenAPI description."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import UnsupportedMediaType

from compounding.clock import today
from compounding.documents import label_pdf
from compounding.lots import lot_number
from compounding.models import Order
from compounding.orders import parse_order_json
from compounding.plan import plan_order

from .auth import audit
from .errors import unavailable
from .openapi import openapi
from .records_api import pdf, reprint_worksheet, request_key, store
from .signing import author

bp = Blueprint("api", __name__)


def _order() -> Order:
    """The request body as an order: JSON only (HTTP 415 otherwise)."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    return parse_order_json(request.get_data())


@bp.post("/api/v1/plan")
def plan() -> Response:
    profile = current_app.config["PROFILE"]
    return Response(plan_order(_order(), profile.settings).model_dump_json(),
                    mimetype="application/json")


@bp.post("/api/v1/worksheet")
def worksheet() -> Response:
    """Printing a worksheet keeps the batch as a record: the PDF carries its lot number. With
    ``Idempotency-Key``, a retry after a lost answer returns the first batch's worksheet."""
    order = _order()
    record = store().create(order, current_app.config["PROFILE"], author(),
                            request=request_key("POST /api/v1/worksheet"))
    audit("create", record.lot_number, revision=record.revision)
    response = reprint_worksheet(record)
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/records/{record.lot_number}"
    return response


@bp.post("/api/v1/label")
def label() -> Response:
    order, profile = _order(), current_app.config["PROFILE"]
    return pdf(label_pdf(order, profile), f"label-{order.rx_number or _lot(order)}.pdf")


def _lot(order: Order) -> str:
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
