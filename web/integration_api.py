"""What a pharmacy system integrates with (API v1.1): records created over JSON, the change
feed, the compounding log as CSV, and query parameters checked on every API read.

- ``POST /api/v1/records``: an order (capsules, or ``"form": "oral_liquid"``) → a new batch
  record, ``201`` with the record as JSON and ``Location``; ``Idempotency-Key`` makes a retry
  return the first batch. A capsule titration kit's order (a ``schedule``) is 422 naming
  ``schedule``: a kit, one batch per strength, is created with ``POST /api/v1/kits``.
- ``GET /api/v1/events?after=SEQ&limit=N``: what happened since ``SEQ`` (every create, bench
  entry, correction, signature, scrap and dispensing label printed), oldest first, with the
  ``after`` of the next call.
- ``GET /api/v1/log.csv?date_from&date_to``: the compounding log, one batch a line.

A query parameter an endpoint does not take is ``400 QUERY_PARAMETER_UNKNOWN``: a misspelt
``date_form`` must not silently widen a search.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, current_app, jsonify, request

from compounding.errors import ErrorDetail, OrderError
from compounding.orders.reading import MalformedOrder
from compounding.records.log import log_csv

from .auth import audit
from .kept_records import SEARCH_FIELDS, store
from .pages import whole_number
from .records_api import RECALL_LOTS, _json_body, record_response, request_key
from .signing import author

bp = Blueprint("integration_api", __name__, url_prefix="/api/v1")

# The query parameters each API read takes; any other is refused.
QUERY: dict[str, frozenset[str]] = {
    "records_api.search": frozenset(SEARCH_FIELDS),  # patient: refused with its reason
    "records_api.recall": frozenset({*RECALL_LOTS, "limit", "after"}),
    "records_api.label": frozenset({"format", "dpi"}),
    "integration_api.events": frozenset({"after", "limit"}),
    "integration_api.log": frozenset({"date_from", "date_to"}),
    "formulary_api.read": frozenset({"version"}),
    "fhir_api.medication_request": frozenset({"capsule_size", "average_tablet_weight",
                                              "pack_stat"}),
}


class UnknownQuery(MalformedOrder):
    """A query parameter the endpoint does not take (HTTP 400)."""


def check_query() -> None:
    """Refuse query parameters an API endpoint does not take (a ``before_request`` hook)."""
    if not request.path.startswith("/api/") or request.endpoint is None:
        return
    allowed = QUERY.get(request.endpoint, frozenset())
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        takes = ", ".join(sorted(allowed)) or "no query parameters"
        raise UnknownQuery([ErrorDetail("QUERY_PARAMETER_UNKNOWN", name[:40],
                                        f"is not a query parameter here (this takes {takes})")
                            for name in unknown[:10]])


@bp.post("/records")
def create() -> Response:
    """A new batch record from an order of either dosage form, as JSON."""
    record = store().create(_json_body(), current_app.config["PROFILE"], author(),
                            request=request_key("POST /api/v1/records"))
    audit("create", record.lot_number, revision=record.revision)
    return record_response(record, 201)


def _whole(name: str, default: int, top: int, least: int = 0) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    number = whole_number(raw)
    if number is None or not least <= number <= top:
        raise OrderError([ErrorDetail("INVALID_VALUE", name,
                                      f"must be a whole number from {least} to {top}")])
    return number


@bp.get("/events")
def events() -> Response:
    """The change feed after ``after`` (0: from the start), ``limit`` events (1-1000)."""
    after = _whole("after", 0, 2**62)
    limit = _whole("limit", 100, 1000, least=1)
    found, following = store().events(after, limit)
    audit("events", None, after=after, count=len(found))
    return jsonify({"events": [e.model_dump(mode="json") for e in found], "after": after,
                    "next": following, "more": len(found) == limit})


def _day(name: str) -> date | None:
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise OrderError([ErrorDetail("INVALID_DATE", name, "must be a date YYYY-MM-DD")]
                         ) from None


@bp.get("/log.csv")
def log() -> Response:
    """The compounding log of the batches made from ``date_from`` to ``date_to`` (inclusive),
    at most :data:`compounding.records.log.LOG_LIMIT` lines, oldest first."""
    start, end = _day("date_from"), _day("date_to")
    text = log_csv(store(), start, end)
    audit("log_export", None, date_from=str(start), date_to=str(end))
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="compounding-log.csv"'
    return response


