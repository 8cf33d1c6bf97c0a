"""``/api/v1/records``: search, read, complete, verify, scrap, reprint; ``/api/v1/recall``.

Changes may carry ``If-Match: "<revision>"`` (the ``ETag`` of the record as read): a record
changed meanwhile answers 409 ``STALE_REVISION`` instead of being overwritten.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import UnsupportedMediaType

from compounding.documents import label_pdf, worksheet_pdf
from compounding.errors import ErrorDetail, OrderError
from records import Record, Store

bp = Blueprint("records_api", __name__, url_prefix="/api/v1")

STATUSES = ("printed", "compounded", "verified", "rejected", "scrapped")


def store() -> Store:
    return current_app.extensions["records"]


def _json_body() -> Any:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    from compounding.orders import MalformedOrder

    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise MalformedOrder([ErrorDetail("INVALID_JSON", "body",
                                          "the body must be a JSON object")])
    return data


def expected_revision() -> int | None:
    """The revision named by ``If-Match``, if any."""
    tag = request.headers.get("If-Match", "").strip().strip('"').removeprefix("W/").strip('"')
    if not tag or tag == "*":
        return None
    if not tag.isdigit():
        raise OrderError([ErrorDetail("INVALID_VALUE", 'headers["If-Match"]',
                                      "must be the record's ETag, a revision number")])
    return int(tag)


def record_response(record: Record, status: int = 200) -> Response:
    response = jsonify(record.model_dump(mode="json"))
    response.status_code = status
    response.headers["ETag"] = f'"{record.revision}"'
    response.headers["Location"] = f"/api/v1/records/{record.lot_number}"
    return response


def search_criteria(args: Any) -> dict[str, Any]:
    """Query parameters as search criteria; a bad value is an error naming the parameter."""
    errors, criteria = [], {}
    for name in ("patient", "rx_number", "lot_number", "source_lot", "filler_lot"):
        if args.get(name):
            criteria[name] = args[name][:120]
    for name in ("date_from", "date_to"):
        if args.get(name):
            try:
                criteria[name] = date.fromisoformat(args[name])
            except ValueError:
                errors.append(ErrorDetail("INVALID_DATE", name, "must be a date YYYY-MM-DD"))
    if args.get("status"):
        if args["status"] in STATUSES:
            criteria["status"] = args["status"]
        else:
            errors.append(ErrorDetail("INVALID_VALUE", "status",
                                      f"must be one of {', '.join(STATUSES)}"))
    for name, default, top in (("limit", 50, 500), ("offset", 0, 10**9)):
        raw = args.get(name, str(default))
        if raw.isdigit() and int(raw) <= top:
            criteria[name] = int(raw)
        else:
            errors.append(ErrorDetail("INVALID_VALUE", name, f"must be a whole number up to "
                                                             f"{top}"))
    if errors:
        raise OrderError(errors)
    return criteria


@bp.get("/records")
def search() -> Response:
    criteria = search_criteria(request.args)
    found = store().search(**criteria)
    return jsonify({"records": [s.model_dump(mode="json") for s in found],
                    "limit": criteria["limit"], "offset": criteria["offset"]})


@bp.get("/records/<lot>")
def read(lot: str) -> Response:
    return record_response(store().get(lot))


@bp.post("/records/<lot>/bench")
def bench(lot: str) -> Response:
    return record_response(store().enter_bench(lot, _json_body(), expected_revision()))


@bp.post("/records/<lot>/corrections")
def correction(lot: str) -> Response:
    return record_response(store().correct(lot, _json_body(), expected_revision()))


@bp.post("/records/<lot>/verification")
def verification(lot: str) -> Response:
    profile = current_app.config["PROFILE"]
    return record_response(store().verify(
        lot, _json_body(), expected=expected_revision(),
        allow_self_verification=profile.records.allow_self_verification))


@bp.post("/records/<lot>/acknowledgements")
def acknowledgement(lot: str) -> Response:
    return record_response(store().acknowledge(lot, _json_body(), expected_revision()))


@bp.post("/records/<lot>/scrap")
def scrap(lot: str) -> Response:
    return record_response(store().scrap(lot, _json_body(), expected_revision()))


def pdf(content: bytes, name: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def reprint_worksheet(record: Record) -> Response:
    response = pdf(worksheet_pdf(record.order, record.profile),
                   f"worksheet-{record.lot_number}.pdf")
    response.headers["X-Lot-Number"] = record.lot_number
    return response


def verified_label(record: Record) -> Response:
    """The patient label of a verified batch; 409 ``BATCH_NOT_VERIFIED`` otherwise."""
    return pdf(label_pdf(record.order_for_label(), record.profile),
               f"label-{record.lot_number}.pdf")


@bp.get("/records/<lot>/worksheet")
def worksheet(lot: str) -> Response:
    return reprint_worksheet(store().get(lot))


@bp.get("/records/<lot>/label")
def label(lot: str) -> Response:
    return verified_label(store().get(lot))


@bp.get("/recall")
def recall() -> Response:
    source_lot, filler_lot = request.args.get("source_lot"), request.args.get("filler_lot")
    if not source_lot and not filler_lot:
        raise OrderError([ErrorDetail("FIELD_REQUIRED", "source_lot",
                                      "give source_lot or filler_lot")])
    found = store().recall(source_lot=source_lot, filler_lot=filler_lot)
    return jsonify({"records": [s.model_dump(mode="json") for s in found]})
