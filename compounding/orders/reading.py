"""Reading an order: JSON text or a mapping in; a validated :class:`Order` or named errors out."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from compounding.errors import ErrorDetail, OrderError
from compounding.orders.kit import KitOrder
from compounding.orders.liquid import LiquidOrder
from compounding.orders.models import MEDICATION_TAGS, Order
from compounding.screening.rules import BY_CODE


class MalformedOrder(OrderError):
    """The body is not JSON, or not a JSON object (HTTP 400)."""

    status = 400


_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def field_path(loc: tuple[str | int, ...]) -> str:
    """Pydantic's location as API v1 writes it: ``source.lot``, ``concurrent_medications[0]``."""
    path = ""
    for part in loc:
        if part == "[key]" or part in MEDICATION_TAGS:  # pydantic's markers, not fields
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        elif _NAME.match(str(part)):
            path += f".{part}" if path else str(part)
        else:  # a key the client made up: quoted, so the path stays unambiguous
            path += f"[{json.dumps(str(part)[:60], ensure_ascii=False)}]"
    return path or "order"


# A missing object is reported as the required field inside it (API v1 "Required").
REQUIRED_LEAVES = {"capsule": "capsule.size", "source": "source.average_tablet_weight"}
_PYDANTIC_CODES = {"missing": "FIELD_REQUIRED", "extra_forbidden": "FIELD_UNKNOWN"}
_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "list_type": "must be a list",
}


def _detail(error: Any) -> ErrorDetail:
    kind = error["type"]
    if kind in BY_CODE:
        code, message = kind, error["msg"]
    else:
        code = _PYDANTIC_CODES.get(kind, "INVALID_VALUE")
        message = _MESSAGES.get(kind) or error["msg"][:1].lower() + error["msg"][1:]
        if kind == "literal_error":
            message = message.replace("input should be", "must be")
    field = field_path(tuple(error["loc"]))
    leaf = (error.get("ctx") or {}).get("leaf")
    if leaf:  # a model's own check that names one of its fields
        field = f"{field}.{leaf}" if field else leaf
    if kind == "missing":
        field = REQUIRED_LEAVES.get(field, field)
    return ErrorDetail(code, field, message)


def parse_order(order: Order | Mapping[str, Any]) -> Order:
    """A validated order, or :class:`OrderError` listing every field that is wrong."""
    if isinstance(order, Order):
        return order
    if not isinstance(order, Mapping):
        raise MalformedOrder([ErrorDetail("INVALID_JSON", "order", "the order must be a JSON "
                                          "object")])
    try:
        return Order.model_validate(order)
    except ValidationError as exc:
        raise OrderError(validation_errors(exc)) from None


def is_kit(order: Mapping[str, Any]) -> bool:
    """Whether a capsule order is a titration kit: it has a ``schedule``, or directions with
    neither a ``strength`` nor a ``quantity`` (a titration written out)."""
    return order.get("form", "capsules") == "capsules" and (
        "schedule" in order or ("directions" in order and "strength" not in order
                                and "quantity" not in order))


def parse_any(order: Order | LiquidOrder | KitOrder | Mapping[str, Any]
              ) -> Order | LiquidOrder | KitOrder:
    """A validated order of its dosage form (``form``: capsules by default, or
    ``"oral_liquid"``; capsules with a ``schedule`` are a titration kit), or
    :class:`OrderError` listing every field that is wrong."""
    if isinstance(order, Order | LiquidOrder | KitOrder):
        return order
    if isinstance(order, Mapping) and order.get("form") == "oral_liquid":
        model: type[LiquidOrder] | type[KitOrder] = LiquidOrder
    elif isinstance(order, Mapping) and is_kit(order):
        model = KitOrder
    else:
        return parse_order(order)
    try:
        return model.model_validate(order)
    except ValidationError as exc:
        raise OrderError(validation_errors(exc)) from None


def validation_errors(exc: ValidationError, prefix: str = "") -> list[ErrorDetail]:
    """Pydantic's errors as API v1 error details, fields prefixed (``profile.``) when asked."""
    details = [_detail(e) for e in exc.errors(include_url=False, include_context=True,
                                              include_input=False)]
    if prefix:
        details = [ErrorDetail(d.code, f"{prefix}{d.field}", d.message) for d in details]
    return list(dict.fromkeys(details))  # a key given twice is one error


def parse_order_json(text: str | bytes) -> Order:
    """An order from JSON text, parsed and validated in one pass; malformed JSON, or JSON that
    is not an object, is :class:`MalformedOrder` (HTTP 400)."""
    try:
        return Order.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_context=False, include_input=False)[0]
        if first["type"] == "json_invalid":
            message = f"the body is not valid JSON: {first['msg'].removeprefix('Invalid JSON: ')}"
            raise MalformedOrder([ErrorDetail("INVALID_JSON", "order", message[:200])]) from None
        if not first["loc"] and first["type"] in ("model_type", "model_attributes_type"):
            raise MalformedOrder([ErrorDetail("INVALID_JSON", "order",
                                              "the order must be a JSON object")]) from None
        raise OrderError(validation_errors(exc)) from None


def parse_any_json(text: str | bytes) -> Order | LiquidOrder | KitOrder:
    """An order of any dosage form from JSON text (``form``: capsules by default, or
    ``"oral_liquid"``; capsules with a schedule are a titration kit), or :class:`OrderError`
    naming every wrong field; malformed JSON, or JSON that is not an object, is
    :class:`MalformedOrder` (HTTP 400). A capsule order is parsed exactly as
    :func:`parse_order_json` parses it."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return parse_order_json(text)  # its own message for malformed JSON
    if isinstance(data, dict) and (data.get("form") == "oral_liquid" or is_kit(data)):
        model: type[LiquidOrder] | type[KitOrder] = (
            LiquidOrder if data.get("form") == "oral_liquid" else KitOrder)
        try:
            return model.model_validate_json(text)
        except ValidationError as exc:
            raise OrderError(validation_errors(exc)) from None
    return parse_order_json(text)
