"""The component schemas of the OpenAPI description, generated from the models.

Every model is described in its validation form, so that each has one name (no ``Order-Input``
and ``Order-Output``): what the API writes always reads back through the same model. Defaults
held as exact fractions are written as JSON numbers, or as quantities with their unit, so that
each default is valid against its own schema. Error and finding codes are enums of the rule
catalogue.
"""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from pydantic.json_schema import models_json_schema

from compounding.bench.labeling import LabelContent
from compounding.bench.results import BenchEntry, Correction, Scrap, Verification
from compounding.display import show
from compounding.orders.models import Order, Plan
from compounding.records.models import Event, Record, Revision, Summary
from compounding.screening.findings import Acknowledgement
from compounding.screening.rules import RULES

REF = "#/components/schemas/{model}"
MODELS = (Order, Plan, Record, Revision, Summary, Event, BenchEntry, Correction, Verification,
          Scrap, Acknowledgement)
CODES = [rule.code for rule in RULES]
FINDING_CODES = [rule.code for rule in RULES if rule.kind == "finding"]

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["ok", "status", "errors"],
    "additionalProperties": False,
    "properties": {
        "ok": {"const": False},
        "status": {"type": "integer"},
        "errors": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["code", "field", "message"],
            "additionalProperties": False,
            "properties": {"code": {"type": "string", "enum": CODES},
                           "field": {"type": "string"},
                           "message": {"type": "string"}}}},
    },
}


SIGNED = ("Verification", "Acknowledgement", "Scrap")  # bodies that carry a signature
SIGNATURE: dict[str, Any] = {
    "type": "object", "required": ["username", "password"], "additionalProperties": False,
    "description": "The signer's own username and password (security.md: signatures)",
    "properties": {"username": {"type": "string", "maxLength": 64},
                   "password": {"type": "string", "maxLength": 1024, "format": "password"}}}


def _label_schema() -> dict[str, Any]:
    strings: dict[str, Any] = {name: {"type": "string"}
                               for name in LabelContent.__dataclass_fields__}
    strings.update({"filled": {"type": "string", "format": "date"},
                    "discard_after": {"type": "string", "format": "date"},
                    "cautions": {"type": "array", "items": {"type": "string"}},
                    "proof": {"type": "boolean"},
                    "proof_band": {"type": ["string", "null"]}})
    return {"type": "object", "additionalProperties": False, "required": sorted(strings),
            "properties": strings,
            "description": "A label's content, for systems that draw their own labels"}


def _branches(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]


def _fix_default(schema: dict[str, Any]) -> None:
    """A default kept as a fraction's text ("50", "1/5") made valid against its schema."""
    default = schema.get("default")
    if not isinstance(default, str):
        return
    try:
        number = Fraction(default)
    except (ValueError, ZeroDivisionError):
        return
    branches = _branches(schema)
    if any(b.get("type") in ("number", "integer") for b in branches):
        schema["default"] = int(number) if number.denominator == 1 else float(number)
        return
    examples = [e for b in branches for e in b.get("examples", []) if isinstance(e, str)]
    if examples:  # a quantity: the number with the unit of the examples ("4.5 mg")
        schema["default"] = f"{show(number, 6)} {examples[0].split(' ', 1)[1]}"


def _walk(node: Any) -> None:
    if isinstance(node, dict):
        _fix_default(node)
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)


def components() -> dict[str, Any]:
    """Every component schema, by name."""
    _, schemas = models_json_schema([(m, "validation") for m in MODELS], ref_template=REF)
    found: dict[str, Any] = schemas["$defs"]
    _walk(found)
    found["Finding"]["properties"]["code"] = {"type": "string", "enum": FINDING_CODES}
    found["Signature"] = SIGNATURE
    for name in SIGNED:
        signed = json.loads(json.dumps(found[name]))
        signed["properties"]["signature"] = {"$ref": REF.format(model="Signature")}
        signed["required"] = sorted({*signed.get("required", []), "signature"})
        signed["title"] = f"Signed{name}"
        found[f"Signed{name}"] = signed
    found["Error"] = ERROR_SCHEMA
    found["LabelContent"] = _label_schema()
    return dict(sorted(found.items()))
