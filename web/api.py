"""The HTTP API of ``api-v1.md``: plan, worksheet and label, titration kits, health, OpenAPI
description.

- ``POST /api/v1/kits``: a titration kit's order (a capsule order with a ``schedule``) → the
  kit kept, one batch record per strength (``201`` with the kit, its batches' lot numbers and
  ``Location``); refused whole, nothing kept, on any error (422 naming its field);
  ``Idempotency-Key`` makes a retry return the first kit.
- ``GET /api/v1/kits/{id}``: the kit, its status (``released`` once every batch in it is
  verified, else ``open`` with what holds it back), its batches, schedule and directions.
- ``GET /api/v1/kits/{id}/label.pdf``: the kit label, a dispensing label, printed by a
  pharmacist once the kit is released (409 before); a signed-in session prints it with
  ``POST`` and the body ``{}``, as a batch's label. ``…/calendar.pdf`` and ``…/leaflet.pdf``:
  the patient's dosing calendar and leaflet. Each print is in the audit trail.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import UnsupportedMediaType

from compounding.bench.lots import lot_number
from compounding.bench.results import TransitionError
from compounding.clock import today
from compounding.documents import label_pdf
from compounding.documents.calendar import calendar_pdf
from compounding.documents.kit import kit_label_pdf
from compounding.documents.leaflet import leaflet_pdf
from compounding.errors import ErrorDetail, OrderError
from compounding.orders.kit import KitOrder
from compounding.orders.liquid import LiquidOrder
from compounding.orders.models import Order
from compounding.orders.reading import parse_any_json
from compounding.plan import plan_order
from compounding.records import Record
from compounding.records.kits import Kit, labelled_kit_order

from .auth import audit
from .errors import unavailable
from .kept_records import pdf, planning_profile, quarantine_refusal, reprint_worksheet, store
from .openapi import openapi
from .records_api import _json_body, request_key, session_get_refused
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
            "a titration kit (capsules with a schedule) is not made as one batch: create it "
            "with POST /api/v1/kits, which keeps one batch record per strength")])
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


def kit_response(kit: Kit, status: int = 200) -> Response:
    """A kit as JSON, with where it is read."""
    response = jsonify(kit.model_dump(mode="json"))
    response.status_code = status
    response.headers["Location"] = f"/api/v1/kits/{kit.id}"
    return response


@bp.post("/api/v1/kits")
def create_kit() -> Response:
    """A titration kit kept: each strength's batch record (each its own ``create`` in the audit
    trail) and the kit (``create_kit``)."""
    kit = store().create_kit(_json_body(), current_app.config["PROFILE"], author(),
                             request=request_key("POST /api/v1/kits"))
    for lot in kit.lots:
        audit("create", lot, revision=1, kit=kit.id)
    audit("create_kit", f"kit {kit.id}", lots=kit.lots)
    return kit_response(kit, 201)


@bp.get("/api/v1/kits/<int:number>")
def read_kit(number: int) -> Response:
    kit = store().kit(number)
    audit("read_kit", f"kit {kit.id}", lots=kit.lots)
    return kit_response(kit)


def _records(kit: Kit) -> list[Record]:
    """The kit's batch records, lowest strength first; ``CHAIN_BROKEN`` (409) for a kit whose
    own record was altered outside the workbench: no document is printed from it."""
    if kit.chain_problem:
        raise TransitionError([ErrorDetail(
            "CHAIN_BROKEN", "kit", f"kit {kit.id}'s record has been altered outside the "
                                   f"workbench ({kit.chain_problem}); no document is printed "
                                   f"from it")])
    return [store().get(lot) for lot in kit.lots]


@bp.route("/api/v1/kits/<int:number>/label.pdf", methods=["GET", "POST"])
def kit_label(number: int) -> Response:
    """The kit label of a released kit, with each batch's lot and the earliest beyond-use
    date: every batch verified, its history whole, not archived, no quarantined lot used
    (409 otherwise, naming what holds it back)."""
    if request.method != "POST" and (refused := session_get_refused()) is not None:
        return refused
    if request.method == "POST" and (unknown := sorted(_json_body())):
        raise OrderError([ErrorDetail("FIELD_UNKNOWN", unknown[0][:40],
                                      "the kit label takes no options: send {}")])
    kit = store().kit(number)
    records = _records(kit)
    if kit.status != "released":
        raise TransitionError([ErrorDetail(
            "BATCH_NOT_VERIFIED", "status",
            f"kit {kit.id} is open, not released: its label is printed once every batch in "
            f"it is verified ({'; '.join(kit.held)})")])
    for record in records:
        record.order_for_label()  # verified, whole, not archived
        if (held := quarantine_refusal(record)) is not None:
            raise held
    body = kit_label_pdf(labelled_kit_order(kit, records), records[0].profile,
                         [r.dispensing() for r in records])
    audit("kit_label_print", f"kit {kit.id}", lots=kit.lots)
    return pdf(body, f"kit-{kit.id}-label.pdf")


def _patient_document(number: int, name: str) -> Response:
    """The kit's ``calendar`` or ``leaflet``, in the patient's name, with the acknowledgements
    signed on its batches (409 while a critical finding is unacknowledged)."""
    kit = store().kit(number)
    records = _records(kit)
    make = calendar_pdf if name == "calendar" else leaflet_pdf
    body = make(labelled_kit_order(kit, records), records[0].profile, kept=True)
    audit("kit_document_print", f"kit {kit.id}", document=name, lots=kit.lots)
    return pdf(body, f"kit-{kit.id}-{name}.pdf")


@bp.get("/api/v1/kits/<int:number>/calendar.pdf")
def kit_calendar(number: int) -> Response:
    """The patient's dosing calendar: each day (or week) with its date from the kit's first
    day, the capsules' colour and how many."""
    return _patient_document(number, "calendar")


@bp.get("/api/v1/kits/<int:number>/leaflet.pdf")
def kit_leaflet(number: int) -> Response:
    """The patient's leaflet: how to take the kit, what to expect, opioid blockade (with the
    wallet card), storage, in the patient's name, with its sources."""
    return _patient_document(number, "leaflet")


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
