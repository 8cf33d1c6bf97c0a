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
from compounding.bench.liquid_results import LiquidBenchEntry, LiquidCorrection
from compounding.bench.results import BenchEntry, Correction, Scrap, Verification
from compounding.display import show
from compounding.orders.kit import KitOrder, KitPlan
from compounding.orders.liquid import LiquidOrder, LiquidPlan
from compounding.orders.models import Order, Plan
from compounding.records.kits import Kit
from compounding.records.models import Event, Record, Revision, Summary
from compounding.screening.findings import Acknowledgement
from compounding.screening.rules import RULES

REF = "#/components/schemas/{model}"
MODELS = (Order, Plan, LiquidOrder, LiquidPlan, KitOrder, KitPlan, Kit, Record, Revision,
          Summary, Event, BenchEntry, Correction, LiquidBenchEntry, LiquidCorrection,
          Verification, Scrap, Acknowledgement)
BY_FORM = {"Order": "LiquidOrder", "Plan": "LiquidPlan", "BenchEntry": "LiquidBenchEntry",
           "Correction": "LiquidCorrection"}
"""Each model of a capsule batch and its oral liquid counterpart: a body or an answer of
either is ``oneOf`` the two (:func:`either`), told apart by ``form`` (an order, a plan) or by
the batch the bench entry is for."""
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


def _fixed(default: Any, schema: dict[str, Any]) -> Any:
    """``default`` kept as a fraction's text ("50", "1/5") made valid against ``schema``."""
    if not isinstance(default, str):
        return default
    try:
        number = Fraction(default)
    except (ValueError, ZeroDivisionError):
        return default
    branches = _branches(schema)
    if any(b.get("type") in ("number", "integer") for b in branches):
        return int(number) if number.denominator == 1 else float(number)
    examples = [e for b in branches for e in b.get("examples", []) if isinstance(e, str)]
    if examples:  # a quantity: the number with the unit of the examples ("4.5 mg")
        return f"{show(number, 6)} {examples[0].split(' ', 1)[1]}"
    return default


def _fix_default(schema: dict[str, Any]) -> None:
    """A default kept as a fraction's text made valid against its schema; a list's default
    (the pharmacy's flask volumes, "10", "25"...), item by item."""
    if "default" not in schema:
        return
    default = schema["default"]
    if isinstance(default, list) and isinstance(schema.get("items"), dict):
        schema["default"] = [_fixed(item, schema["items"]) for item in default]
    else:
        schema["default"] = _fixed(default, schema)


def _walk(node: Any) -> None:
    if isinstance(node, dict):
        _fix_default(node)
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)


RENAMED = {"compounding__formulary__model__Ingredient": "Ingredient",
           "compounding__orders__liquid__Ingredient": "IngredientLot",
           "compounding__profile__Balance": "Balance",
           "compounding__orders__equipment__Balance": "ListedBalance"}
"""Models of one class name, each given a name of its own: a master formulation record's
ingredient keeps the name it always had, an oral liquid order's lot of an ingredient is
``IngredientLot``; the profile's one ``[balance]`` keeps ``Balance``, each of its
``[[balances]]`` is a ``ListedBalance``."""


def _renamed(found: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(found)
    for long, short in RENAMED.items():
        text = text.replace(f'"{REF.format(model=long)}"', f'"{REF.format(model=short)}"')
    renamed = {RENAMED.get(name, name): schema for name, schema in json.loads(text).items()}
    for short in RENAMED.values():
        if short in renamed:  # a generated client names each model by its title
            renamed[short]["title"] = short
    return renamed


def either(model: str) -> dict[str, Any]:
    """``oneOf`` a capsule batch's ``model`` and the oral liquid's (:data:`BY_FORM`)."""
    liquid = BY_FORM[model]
    said = ("the order's form: capsules (the default) or oral_liquid" if model == "Order" else
            "its form: capsules or oral_liquid" if model == "Plan" else
            "the dosage form of the batch (its plan's form)")
    return {"oneOf": [{"$ref": REF.format(model=model)}, {"$ref": REF.format(model=liquid)}],
            "description": f"{model} or {liquid}, by {said}"}


def any_of_three(model: str) -> dict[str, Any]:
    """``oneOf`` a capsule batch's ``model`` (``Order`` or ``Plan``), the oral liquid's and the
    capsule titration kit's (``KitOrder``, ``KitPlan``): what planning takes and answers."""
    return {"oneOf": [{"$ref": REF.format(model=m)} for m in (model, BY_FORM[model],
                                                                  f"Kit{model}")],
            "description": f"{model}, {BY_FORM[model]} (form oral_liquid) or Kit{model} (a "
                           f"capsule titration kit: a schedule instead of one strength)"}


def components() -> dict[str, Any]:
    """Every component schema, by name."""
    _, schemas = models_json_schema([(m, "validation") for m in MODELS], ref_template=REF)
    found: dict[str, Any] = _renamed(schemas["$defs"])
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
