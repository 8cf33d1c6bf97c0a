"""The HTTP API of ``api-v1.md``: plan, worksheet and label, health, OpenAPI description."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import UnsupportedMediaType

from compounding.documents import label_pdf
from compounding.lots import lot_number
from compounding.models import Order
from compounding.orders import parse_order_json
from compounding.plan import plan_order

from .openapi import openapi
from .records_api import pdf, reprint_worksheet, store

bp = Blueprint("api", __name__)


def _order() -> Order:
    """The request body as an order: JSON only (HTTP 415 otherwise)."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    return parse_order_json(request.get_data(cache=False))


@bp.post("/api/v1/plan")
def plan() -> Response:
    profile = current_app.config["PROFILE"]
    return Response(plan_order(_order(), profile.settings).model_dump_json(),
                    mimetype="application/json")


@bp.post("/api/v1/worksheet")
def worksheet() -> Response:
    """Printing a worksheet keeps the batch as a record: the PDF carries its lot number."""
    record = store().create(_order(), current_app.config["PROFILE"])
    response = reprint_worksheet(record)
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/records/{record.lot_number}"
    return response


@bp.post("/api/v1/label")
def label() -> Response:
    order, profile = _order(), current_app.config["PROFILE"]
    return pdf(label_pdf(order, profile), f"label-{order.rx_number or _lot(order)}.pdf")


def _lot(order: Order) -> str:
    return lot_number(order, order.compounded_on or date.today())


@bp.get("/healthz")
def healthz() -> Response:
    """200 when the service can serve: the records database answers."""
    current_app.extensions["records"].ping()
    return jsonify({"ok": True, "status": 200})


@bp.get("/api/v1/openapi.json")
def openapi_json() -> Response:
    return jsonify(openapi())
