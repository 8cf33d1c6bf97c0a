"""FHIR R4 endpoints (the optional ``[fhir]`` extra: ``pip install 'compounding-workbench[fhir]'``).

- ``POST /api/v1/fhir/MedicationRequest?capsule_size=3&average_tablet_weight=250 mg``: a
  MedicationRequest (``application/fhir+json`` or ``application/json``) → ``{"order", "plan"}``;
  the capsule size and the tablets' average weight are the pharmacy's, not the prescriber's.
  A request for an oral suspension or solution plans an oral liquid
  (:mod:`compounding.interop.fhir_liquid`), and needs no capsule size; one for capsules with
  several dosage instructions (each a step: a dose in mg and ``timing.repeat.boundsDuration``),
  a titration kit (:mod:`compounding.interop.fhir_kit`): ``plan`` is the kit's plan.
  Errors name the FHIR path (``MedicationRequest.dispenseRequest.quantity.value``).
  Only an ``active`` request is planned; an ``expectedSupplyDuration`` must be the days the
  quantity lasts as directed. The order's ``rx_number`` is the first ``identifier`` whose
  value is an Rx number (letters, digits and hyphens, up to 20); its ``prescription_id`` the
  first identifier's value.
- ``POST /api/v1/fhir/MedicationRequest`` with a Bundle
  (``transaction`` or ``collection``) of one MedicationRequest and the Patient and Practitioner
  it references: the same, with the names and identifiers taken from those entries.
- ``GET /api/v1/records/{lot}/fhir``: the batch as a MedicationDispense with a contained
  Medication (ingredients per capsule, or per mL for an oral liquid, batch lot, expiration =
  beyond-use date); none of a
  record whose history does not hold together or that is archived (409, as its label).

The structure of what comes in is checked with ``fhir.resources`` (its R4B models: FHIR 4.3,
whose MedicationRequest is R4's); without the extra these answer 501 ``FHIR_NOT_INSTALLED``.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import UnsupportedMediaType

from compounding.errors import ErrorDetail, OrderError
from compounding.interop.fhir import (
    check_capsule_supply,
    fhir_path,
    medication_dispense,
    order_from_medication_request,
)
from compounding.interop.fhir_kit import check_kit_supply, is_kit
from compounding.interop.fhir_liquid import check_supply, is_oral_liquid, liquid_dispense
from compounding.interop.fhir_people import bundled
from compounding.orders.kit import KitPlan
from compounding.orders.liquid import LiquidPlan
from compounding.orders.reading import MalformedOrder, parse_any, parse_order
from compounding.plan import plan_order

from .auth import audit
from .kept_records import planning_profile, store

bp = Blueprint("fhir_api", __name__, url_prefix="/api/v1")
FHIR_JSON = ("application/fhir+json", "application/json")
# the order fields the pharmacy gives as query parameters, by the parameter's name
QUERY_FIELDS = {"capsule.size": "capsule_size",
                "source.average_tablet_weight": "average_tablet_weight",
                "filler.pack_stat": "pack_stat"}


class FhirNotInstalled(OrderError):
    """The ``[fhir]`` extra is not installed (HTTP 501)."""

    status = 501


def _checked(body: Any) -> None:
    """The structure of a MedicationRequest or a Bundle, by ``fhir.resources``; errors name
    FHIR paths."""
    kind = "Bundle" if body.get("resourceType") == "Bundle" else "MedicationRequest"
    try:
        from fhir.resources.R4B.bundle import Bundle
        from fhir.resources.R4B.medicationrequest import MedicationRequest
        from pydantic import ValidationError
    except ImportError:
        raise FhirNotInstalled([ErrorDetail(
            "FHIR_NOT_INSTALLED", "body", "FHIR needs the optional extra: pip install "
                                          "'compounding-workbench[fhir]'")]) from None
    try:
        (Bundle if kind == "Bundle" else MedicationRequest).model_validate(body)
    except ValidationError as exc:
        raise OrderError([ErrorDetail(
            "INVALID_VALUE", kind + "".join(
                f"[{part}]" if isinstance(part, int) else f".{part}" for part in e["loc"]),
            e["msg"][:200]) for e in exc.errors()[:20]]) from None


def _pharmacy_part(liquid: bool) -> dict[str, Any]:
    """What the pharmacy gives beside the prescription (query parameters); an oral liquid
    needs no capsule size."""
    args = request.args
    missing = [name for name in ("average_tablet_weight",) if not args.get(name)]
    if not liquid and not args.get("capsule_size"):
        missing.insert(0, "capsule_size")
    if missing:
        raise OrderError([ErrorDetail("FIELD_REQUIRED", name, "is the pharmacy's, not in a "
                                      "MedicationRequest: give it as a query parameter")
                          for name in missing])
    part: dict[str, Any] = {"source": {"average_tablet_weight": args["average_tablet_weight"]}}
    if liquid:
        return part
    part["capsule"] = {"size": args["capsule_size"][:8]}
    if args.get("pack_stat"):
        part["filler"] = {"pack_stat": args["pack_stat"]}
    return part


@bp.post("/fhir/MedicationRequest")
def medication_request() -> Response:
    if request.mimetype not in FHIR_JSON:
        raise UnsupportedMediaType()
    try:
        body = json.loads(request.get_data())
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise MalformedOrder([ErrorDetail("INVALID_JSON", "body",
                                          "the body must be a FHIR resource as a JSON object")])
    _checked(body)
    body, others = bundled(body) if body.get("resourceType") == "Bundle" else (body, {})
    liquid = is_oral_liquid(body)
    form = "oral_liquid" if liquid else "kit" if is_kit(body) else "capsules"
    part = _pharmacy_part(liquid)
    order = order_from_medication_request(body, part, others)
    profile = planning_profile()
    try:
        parsed = parse_order(order) if form == "capsules" else parse_any(order)
        plan = plan_order(parsed, profile.settings)
        if isinstance(plan, LiquidPlan):
            check_supply(body, plan)
        elif isinstance(plan, KitPlan):
            check_kit_supply(body, plan)
        else:
            check_capsule_supply(body, plan)
    except OrderError as exc:
        raise type(exc)([ErrorDetail(e.code, QUERY_FIELDS.get(e.field)
                                     or fhir_path(e.field, form, body), e.message)
                         for e in exc.errors]) from None
    audit("fhir_order", None, prescription_id=parsed.prescription_id)
    return jsonify({"order": parsed.model_dump(mode="json", exclude_none=True),
                    "plan": plan.model_dump(mode="json")})


@bp.get("/records/<lot>/fhir")
def dispense(lot: str) -> Response:
    """The batch as a MedicationDispense; refused like its label (409) when its history does
    not hold together (``CHAIN_BROKEN``) or it is archived (``RECORD_ARCHIVED``): security.md,
    "The audit trail" (tamper evidence, import)."""
    record = store().get(lot)
    record.check_dispensable("no MedicationDispense is made from it")
    made = record.made
    bud = made.beyond_use_date if made else record.plan.beyond_use_date
    prepared = made.compounded_on.isoformat() if made else None
    plan = record.plan
    if isinstance(plan, LiquidPlan):
        resource = liquid_dispense(record.order, plan, record.lot_number, record.status, bud,
                                   prepared)
    else:
        resource = medication_dispense(record.order, plan, record.lot_number, record.status,
                                       bud, plan.filler_per_capsule, prepared)
    audit("read_record", record.lot_number, format="fhir")
    return Response(json.dumps(resource, ensure_ascii=False), mimetype="application/fhir+json")
