"""``/api/v1/records``: search, read, complete, verify, scrap, reprint; ``/api/v1/recall``.

Changes may carry ``If-Match: "<revision>"`` (the ``ETag`` of the record as read): a record
changed meanwhile answers 409 ``STALE_REVISION`` instead of being overwritten.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import UnsupportedMediaType

from compounding.documents import label_pdf, label_text
from compounding.errors import ErrorDetail, OrderError
from compounding.records import Record, RecordNotFound
from compounding.records.store import RequestKey

from .auth import audit, principal
from .kept_records import (
    SEARCH_FIELDS,
    executed_record,
    pdf,
    quarantine_refusal,
    reprint_worksheet,
    search_criteria,
    store,
)
from .pages import whole_number
from .signing import api_signature, author

bp = Blueprint("records_api", __name__, url_prefix="/api/v1")


def _json_body() -> Any:
    if request.mimetype != "application/json":
        raise UnsupportedMediaType()
    from compounding.orders.reading import MalformedOrder

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
    if whole_number(tag) is None:
        raise OrderError([ErrorDetail("INVALID_VALUE", 'headers["If-Match"]',
                                      "must be the record's ETag, a revision number")])
    return int(tag)


_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def request_key(scope: str) -> RequestKey | None:
    """The request's ``Idempotency-Key`` with the digest of its body, or ``None`` without one.
    A key is 1-255 visible ASCII characters (a UUID is usual)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise OrderError([ErrorDetail("INVALID_VALUE", 'headers["Idempotency-Key"]',
                                      "must be 1 to 255 visible ASCII characters, such as a "
                                      "UUID")])
    who = principal()  # a key is the caller's own: another's same key is another request
    return RequestKey(f"{scope} {who.user.id}"[:64], key,
                      hashlib.sha256(request.get_data()).hexdigest())


def record_response(record: Record, status: int = 200) -> Response:
    response = jsonify(record.model_dump(mode="json"))
    response.status_code = status
    response.headers["ETag"] = f'"{record.revision}"'
    response.headers["Location"] = f"/api/v1/records/{record.lot_number}"
    return response


def _listing(criteria: dict[str, Any]) -> Response:
    found = store().search(**criteria)
    audit("search", None, criteria={k: str(v) for k, v in criteria.items()},
          results=[s.lot_number for s in found])
    return jsonify({"records": [s.model_dump(mode="json") for s in found],
                    "limit": criteria["limit"], "offset": criteria["offset"]})


@bp.get("/records")
def search() -> Response:
    """Search by anything but the patient: a patient's name never travels in a URL."""
    if "patient" in request.args or "patient_id" in request.args:
        raise OrderError([ErrorDetail(
            "INVALID_VALUE", "patient" if "patient" in request.args else "patient_id",
            "search by patient with POST /api/v1/records/search: a name in a URL is logged "
            "by every proxy on its way")])
    return _listing(search_criteria(request.args))


@bp.post("/records/search")
def search_by_post() -> Response:
    """Search with the criteria in a JSON body (the patient's name included)."""
    body = _json_body()
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in body.values()):
        raise OrderError([ErrorDetail("INVALID_VALUE", "body",
                                      "each criterion is a string or a whole number")])
    unknown = set(body) - set(SEARCH_FIELDS)
    if unknown:
        raise OrderError([ErrorDetail("FIELD_UNKNOWN", sorted(unknown)[0][:40],
                                      "is not a search criterion")])
    return _listing(search_criteria({k: str(v) for k, v in body.items()}))


@bp.get("/records/<lot>")
def read(lot: str) -> Response:
    record = store().get(lot)
    audit("read_record", record.lot_number)
    return record_response(record)


@bp.post("/records/<lot>/bench")
def bench(lot: str) -> Response:
    record = store().enter_bench(lot, _json_body(), author(), expected_revision())
    audit("bench", record.lot_number, revision=record.revision)
    return record_response(record)


@bp.post("/records/<lot>/corrections")
def correction(lot: str) -> Response:
    record = store().correct(lot, _json_body(), author(), expected_revision())
    audit("correction", record.lot_number, revision=record.revision)
    return record_response(record)


@bp.post("/records/<lot>/verification")
def verification(lot: str) -> Response:
    profile = current_app.config["PROFILE"]
    body, signed_by = api_signature(_json_body())
    record = store().verify(
        lot, body, signed_by, expected=expected_revision(),
        allow_self_verification=profile.records.allow_self_verification,
        account_change_window_days=profile.records.account_change_window_days)
    audit("signature", record.lot_number, meaning=_meaning(record), signer=signed_by.user_id,
          revision=record.revision)
    return record_response(record)


@bp.post("/records/<lot>/acknowledgements")
def acknowledgement(lot: str) -> Response:
    body, signed_by = api_signature(_json_body())
    record = store().acknowledge(lot, body, signed_by, expected=expected_revision())
    audit("signature", record.lot_number, meaning=_meaning(record), signer=signed_by.user_id,
          revision=record.revision)
    return record_response(record)


@bp.post("/records/<lot>/scrap")
def scrap(lot: str) -> Response:
    body, signed_by = api_signature(_json_body())
    record = store().scrap(lot, body, signed_by, expected=expected_revision())
    audit("signature", record.lot_number, meaning=_meaning(record), signer=signed_by.user_id,
          revision=record.revision)
    return record_response(record)


def _meaning(record: Record) -> str:
    data = record.revisions[-1].data or {}
    return data.get("signature", {}).get("meaning", "")


LABEL_FORMATS = ("pdf", "zpl", "json")


def verified_label(record: Record, form: str = "pdf", dpi: int = 203) -> Response:
    """The patient label of a verified batch whose whole history holds together, as a PDF, as
    ZPL for a thermal printer, or as its content in JSON; 409 ``BATCH_NOT_VERIFIED`` or
    ``CHAIN_BROKEN`` otherwise. Each is a print, noted in the audit trail and the feed."""
    problems = store().chain_problems(record.lot_number)
    if problems and not record.chain_problem:
        record = record.model_copy(update={"chain_problem": problems[0].split(": ", 1)[1]})
    order, dispensing = record.order_for_label(), record.dispensing()
    if form == "pdf":
        response = pdf(label_pdf(order, record.profile, dispensing),
                       f"label-{record.lot_number}.pdf")
    else:  # the label of the batch's dosage form, as ZPL or its content
        text = label_text(order, record.profile, dispensing, form=form, dpi=dpi)
        response = (Response(text, mimetype="application/zpl") if form == "zpl"
                    else jsonify(json.loads(text)))
    audit("label_print", record.lot_number, copies=1, format=form, revision=record.revision)
    store().label_printed(record.lot_number, author().user_id)
    return response


@bp.get("/records/<lot>/worksheet")
def worksheet(lot: str) -> Response:
    return reprint_worksheet(store().get(lot))


@bp.get("/records/<lot>/record")
def executed(lot: str) -> Response:
    return executed_record(store().get(lot))


def session_get_refused() -> Response | None:
    """405 (``Allow: POST``) for a print asked for with ``GET`` by a signed-in session: a
    print is recorded, and the session's cookie (SameSite=Lax) rides along a top-level
    navigation from any site, so a link there must not print. ``None`` for a pharmacy system's
    token, which a browser never attaches to a navigation."""
    if principal().token is not None:
        return None
    from .errors import respond

    response = respond(405, [ErrorDetail(
        "METHOD_NOT_ALLOWED", "method",
        "a signed-in session prints a label with POST and a JSON body (a link from another "
        "site must not print one); GET is for a pharmacy system's token")])
    response.headers["Allow"] = "POST"
    return response


@bp.route("/records/<lot>/label", methods=["GET", "POST"])
def label(lot: str) -> Response:
    """Print the dispensing label: ``format`` pdf (default), zpl or json; ``dpi`` 203
    (default) or 300 for zpl.

    A print is recorded (the audit trail, the print count, the feed), so a browser's session
    prints only with ``POST`` and a JSON body, ``{"format", "dpi"}`` (both optional: ``{}`` is a
    PDF), which a cross-site form cannot send (415 otherwise). ``GET`` with the same query
    parameters stays for a pharmacy system's bearer token, which a browser never attaches to a
    navigation; a ``GET`` authenticated by the session cookie is 405 (``Allow: POST``) and
    prints nothing, since that cookie (SameSite=Lax) rides along a top-level navigation from
    any site, and a link there would otherwise print a label."""
    posted = request.method == "POST"
    if not posted:  # GET (or its HEAD)
        if (refused := session_get_refused()) is not None:
            return refused
        asked: dict[str, Any] = dict(request.args)
    else:
        if request.args:
            from compounding.orders.reading import MalformedOrder

            raise MalformedOrder([ErrorDetail("QUERY_PARAMETER_UNKNOWN", name[:40],
                                              "a POST takes format and dpi in its JSON body")
                                  for name in sorted(request.args)[:10]])
        asked = _json_body()
        unknown = sorted(set(asked) - {"format", "dpi"})
        if unknown:
            raise OrderError([ErrorDetail("FIELD_UNKNOWN", unknown[0][:40],
                                          "is not a label option (format, dpi)")])
    form, dpi = asked.get("format", "pdf"), asked.get("dpi", 203)
    if isinstance(dpi, str) and not posted:
        dpi = whole_number(dpi)
    errors = []
    if form not in LABEL_FORMATS:
        errors.append(ErrorDetail("INVALID_VALUE", "format",
                                  f"must be one of {', '.join(LABEL_FORMATS)}"))
    if type(dpi) is not int or dpi not in (203, 300):
        errors.append(ErrorDetail("INVALID_VALUE", "dpi", "must be 203 or 300"))
    if errors:
        raise OrderError(errors)
    record = store().get(lot)
    if record.status == "verified" and not record.archived and not record.chain_problem:
        if (held := quarantine_refusal(record)) is not None:  # a quarantined lot used: 409
            raise held
    return verified_label(record, form, dpi)


@bp.get("/records/<lot>/revisions/<int:number>")
def revision(lot: str, number: int) -> Response:
    """One revision with everything it entered (a plain read of a record leaves out bench
    entries that a later correction replaced)."""
    record = store().get(lot, history=True)
    for entry in record.revisions:
        if entry.number == number:
            audit("read_record", record.lot_number, revision=number)
            return jsonify(entry.model_dump(mode="json"))
    raise RecordNotFound([ErrorDetail("NOT_FOUND", "number",
                                      f"batch {lot} has no revision {number}")])


RECALL_LOTS = ("source_lot", "filler_lot", "capsule_lot", "ingredient_lot")


@bp.get("/recall")
def recall() -> Response:
    """Batches that used a component lot, oldest first, a page at a time (``limit`` up to
    500, then ``after`` = the answer's ``next``); ``total`` counts them all."""
    args = request.args
    lots = {name: args[name][:80] for name in RECALL_LOTS if args.get(name)}
    errors = [] if lots else [ErrorDetail("FIELD_REQUIRED", "source_lot",
                                          "give source_lot, filler_lot, capsule_lot or "
                                          "ingredient_lot")]
    paging: dict[str, int] = {}
    for name, default, top in (("limit", 100, 500), ("after", None, 2**62)):
        raw = args.get(name)
        if raw is None:
            if default is not None:
                paging[name] = default
        elif (number := whole_number(raw)) is not None and number <= top and (
                name == "after" or number > 0):
            paging[name] = number
        else:
            errors.append(ErrorDetail("INVALID_VALUE", name,
                                      f"must be a whole number up to {top}"))
    if errors:
        raise OrderError(errors)
    page, total, after = store().recall(
        source_lot=lots.get("source_lot"), filler_lot=lots.get("filler_lot"),
        capsule_lot=lots.get("capsule_lot"), ingredient_lot=lots.get("ingredient_lot"),
        limit=paging["limit"], after=paging.get("after"))
    audit("recall", None, lots=lots, results=[s.lot_number for s in page])
    return jsonify({"records": [s.model_dump(mode="json") for s in page], "total": total,
                    "limit": paging["limit"], "next": after})
