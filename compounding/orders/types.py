"""Annotated field types for the API v1 models: exact quantities, dates, counts, free text.

Each validator raises ``PydanticCustomError`` with a rule code as its type, so that
:func:`compounding.orders.reading.parse_order` can report ``{"code", "field", "message"}``.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any

from pydantic import (
    PlainSerializer,
    PlainValidator,
    SerializationInfo,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from compounding.orders.confusables import lot_character_problem
from compounding.orders.lot_grammar import BATCH_LOT, COMPONENT_LOT_MAX, normal_lot
from compounding.units import (
    BODY_WEIGHT,
    CONCENTRATION,
    DENSITY,
    MASS,
    MAX_TEXT,
    QUANTITY_PATTERN,
    VOLUME,
    Dimension,
    QuantityError,
    as_json,
    exact,
)
from compounding.units import parse_quantity as _parse_quantity


def _quantity_schema(dimension: Dimension) -> dict[str, Any]:
    example = f"4.5 {dimension.unit}"
    return {
        "oneOf": [
            {"type": "string", "examples": [example], "pattern": QUANTITY_PATTERN,
             "maxLength": MAX_TEXT, "description": f"A number and a unit of {dimension.name}"},
            {"type": "object", "required": ["value", "unit"], "additionalProperties": False,
             "properties": {"value": {"type": "number"}, "unit": {"type": "string"}}},
        ]
    }


def _exact_serializer(to_json: Callable[[Fraction], Any]) -> PlainSerializer:
    """JSON through ``to_json``; in Python the fraction itself (pydantic 2.14 would give its
    text, ``"1/5"``, which no validator here reads as a number)."""

    def serialize(value: Fraction, info: SerializationInfo) -> Any:
        return to_json(value) if info.mode_is_json() else value

    return PlainSerializer(serialize, when_used="always")


def _positive(dimension: Dimension):
    def validate(value: Any) -> Fraction:
        if isinstance(value, Fraction):
            magnitude = value
        else:
            try:
                magnitude = _parse_quantity(value, dimension)
            except QuantityError as exc:
                raise PydanticCustomError(exc.code, exc.message) from None
        if magnitude <= 0:
            raise PydanticCustomError("NOT_POSITIVE", "must be more than zero")
        return magnitude

    return validate


class _Typed:
    """Holds an ``Annotated`` type built at run time, so that a field declared
    ``Annotated[Fraction, _Typed(...)]`` is a :class:`~fractions.Fraction` to a type checker
    and validates, serialises and documents itself as the built type says."""

    __slots__ = ("annotated",)

    def __init__(self, annotated: Any) -> None:
        self.annotated = annotated

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        return handler.generate_schema(self.annotated)


def _quantity_type(dimension: Dimension) -> Any:
    return Annotated[
        Fraction,
        PlainValidator(_positive(dimension)),
        _exact_serializer(lambda m: as_json(m, dimension)),
        WithJsonSchema(_quantity_schema(dimension)),
    ]


def _output_type(dimension: Dimension) -> Any:
    """An exact magnitude in a plan: held as a fraction, written ``{"value", "unit"}``."""

    def validate(value: Any) -> Fraction:
        if isinstance(value, Fraction):
            return value
        try:
            return _parse_quantity(value, dimension)
        except QuantityError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None

    return Annotated[
        Fraction,
        PlainValidator(validate),
        _exact_serializer(lambda m: as_json(m, dimension)),
        WithJsonSchema({"type": "object", "required": ["value", "unit"],
                        "additionalProperties": False,
                        "properties": {"value": {"type": "number"},
                                       "unit": {"const": dimension.unit}}}),
    ]


Mass = Annotated[Fraction, _Typed(_quantity_type(MASS))]
"""A positive mass, held exactly [mg]."""
BodyWeight = Annotated[Fraction, _Typed(_quantity_type(BODY_WEIGHT))]
"""A positive body weight, held exactly [kg]."""
MassOut = Annotated[Fraction, _Typed(_output_type(MASS))]
"""A plan's mass, exact [mg]; JSON ``{"value": <number rounded to 0.000001>, "unit": "mg"}``."""
Volume = Annotated[Fraction, _Typed(_quantity_type(VOLUME))]
"""A positive volume, held exactly [mL]."""
Density = Annotated[Fraction, _Typed(_quantity_type(DENSITY))]
"""A positive density, held exactly [g/mL]."""
VolumeOut = Annotated[Fraction, _Typed(_output_type(VOLUME))]
"""A plan's volume, exact [mL]; JSON ``{"value": <number rounded to 0.000001>, "unit": "mL"}``."""
Concentration = Annotated[Fraction, _Typed(_quantity_type(CONCENTRATION))]
"""A positive concentration, held exactly [mg/mL] (``"1 mg/mL"``, ``"0.1 mg/mL"``)."""
ConcentrationOut = Annotated[Fraction, _Typed(_output_type(CONCENTRATION))]
"""A plan's concentration, exact [mg/mL]."""


def _number(minimum: Fraction, maximum: Fraction, allow_minimum: bool):
    def validate(value: Any) -> Fraction:
        try:
            number = exact(value)
        except QuantityError as exc:
            raise PydanticCustomError(exc.code, exc.message) from None
        low_ok = number >= minimum if allow_minimum else number > minimum
        if not low_ok or number > maximum:
            bound = "at least" if allow_minimum else "more than"
            raise PydanticCustomError(
                "INVALID_VALUE", f"must be {bound} {minimum} and at most {maximum}"
            )
        return number

    return validate


def _number_type(minimum: int, maximum: int, allow_minimum: bool) -> Any:
    return Annotated[
        Fraction,
        PlainValidator(_number(Fraction(minimum), Fraction(maximum), allow_minimum)),
        _exact_serializer(float),
        WithJsonSchema({"type": "number", "minimum" if allow_minimum else "exclusiveMinimum":
                        minimum, "maximum": maximum}),
    ]


DensityFactor = Annotated[Fraction, _Typed(_number_type(0, 10, allow_minimum=False))]
"""Density factor DF: tablet powder packing relative to the filler [dimensionless]."""
Percent = Annotated[Fraction, _Typed(_number_type(0, 100, allow_minimum=True))]
"""A percentage [%]."""


_PERCENT_TEXT = re.compile(r"^\s*([0-9]{1,3}(?:\.[0-9]{1,4})?)\s*%\s*$")


def _percent_written(value: Any) -> Any:
    """``"99.6 %"`` or ``"99.6%"`` as the number 99.6 (exactly); anything else as it came."""
    if isinstance(value, str) and (found := _PERCENT_TEXT.match(value)):
        return Decimal(found.group(1))
    return value


def _certificate_percent(maximum: int) -> Any:
    check = _number(Fraction(0), Fraction(maximum), False)
    return Annotated[
        Fraction,
        PlainValidator(lambda value: check(_percent_written(value))),
        _exact_serializer(lambda v: f"{float(v):g} %"),
        WithJsonSchema({"oneOf": [{"type": "number", "exclusiveMinimum": 0,
                                   "maximum": maximum},
                                  {"type": "string", "pattern": r"^[0-9.]+ ?%$"}]}),
    ]


AssayPercent = Annotated[Fraction, _Typed(_certificate_percent(200))]
"""A certificate of analysis's percentage [%]: ``99.6``, or ``"99.6 %"`` as printed there;
written back as ``"99.6 %"``. Implausible values are a rule's business
(``SOURCE_ASSAY_IMPLAUSIBLE``), not the type's."""
WaterPercent = Annotated[Fraction, _Typed(_certificate_percent(100))]
"""A water content [%] from a certificate of analysis, as :data:`AssayPercent`."""


def count_type(minimum: int, maximum: int):
    def validate(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise PydanticCustomError("INVALID_VALUE", "must be a whole number")
        if not minimum <= value <= maximum:
            raise PydanticCustomError(
                "INVALID_VALUE", f"must be from {minimum} to {maximum}"
            )
        return value

    return Annotated[
        int, PlainValidator(validate),
        WithJsonSchema({"type": "integer", "minimum": minimum, "maximum": maximum}),
    ]


CapsuleCount = Annotated[int, _Typed(count_type(1, 10_000))]
OverageCount = Annotated[int, _Typed(count_type(0, 10_000))]
DosesPerDay = Annotated[int, _Typed(count_type(1, 24))]
CapsulesPerDose = Annotated[int, _Typed(count_type(1, 10))]
Refills = Annotated[int, _Typed(count_type(0, 99))]
BenchCount = Annotated[int, _Typed(count_type(0, 100_000))]

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _parse_day(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DAY.match(value.strip()):
        raise PydanticCustomError("INVALID_DATE", "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PydanticCustomError("INVALID_DATE", f"{value.strip()} is not a real date") from None


def _parse_expiry(value: Any) -> date:
    """An expiry: ``YYYY-MM-DD``, or ``YYYY-MM`` meaning the last day of that month."""
    if isinstance(value, str) and (match := _ISO_MONTH.match(value.strip())):
        year, month = int(match[1]), int(match[2])
        if not (1 <= month <= 12 and year >= 1):
            raise PydanticCustomError("INVALID_DATE", f"{value.strip()} is not a real month")
        return date(year, month, calendar.monthrange(year, month)[1])
    return _parse_day(value)


_DATE_SCHEMA = {"type": "string", "format": "date"}
Day = Annotated[date, PlainValidator(_parse_day),
                PlainSerializer(lambda d: d.isoformat(), when_used="json"),
                WithJsonSchema(_DATE_SCHEMA)]
Expiry = Annotated[date, PlainValidator(_parse_expiry),
                   PlainSerializer(lambda d: d.isoformat(), when_used="json"),
                   WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}(-\d{2})?$"})]


def _text(max_length: int, multiline: bool = False):
    def validate(value: Any) -> str:
        if not isinstance(value, str):
            raise PydanticCustomError("INVALID_VALUE", "must be text")
        text = unicodedata.normalize("NFC", value).strip()
        allowed = "\n" if multiline else ""
        if not text.isprintable() and any(  # isprintable: the fast path for ordinary text
                unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in allowed
                for ch in text):
            raise PydanticCustomError("INVALID_VALUE", "must not contain control characters")
        if not text:
            raise PydanticCustomError("INVALID_VALUE", "must not be empty")
        if len(text) > max_length:
            raise PydanticCustomError("INVALID_VALUE", f"must be at most {max_length} characters")
        return text

    return Annotated[str, PlainValidator(validate),
                     WithJsonSchema({"type": "string", "maxLength": max_length})]


ShortText = Annotated[str, _Typed(_text(80))]
"""A lot, code, size or other short identifier."""
Name = Annotated[str, _Typed(_text(120))]
"""A person's, product's or ingredient's name."""
LongText = Annotated[str, _Typed(_text(400))]
"""Directions, reasons, medication entries."""


def stored(info: ValidationInfo) -> bool:
    """Whether a kept record is being read back (``context={"stored": True}``): then values
    are taken as they were kept, not re-judged by the intake rules of today."""
    return bool(info.context and info.context.get("stored"))


_short_text = _text(80)


def _batch_lot(value: Any, info: ValidationInfo) -> str:
    text = _short_text(value)
    if stored(info):
        return text
    lot = normal_lot(text)
    if not BATCH_LOT.fullmatch(lot):
        raise PydanticCustomError(
            "INVALID_LOT", "a lot number is letters A-Z, digits and hyphens, up to 32, "
                           "starting with a letter or digit")
    return lot


def _component_lot(value: Any, info: ValidationInfo) -> str:
    text = _short_text(value)
    if stored(info):
        return text
    problem = lot_character_problem(text)  # a Cyrillic or Greek look-alike, or other script
    if problem:
        raise PydanticCustomError("LOT_CONFUSABLE", problem)
    lot = normal_lot(text)
    if not lot:
        raise PydanticCustomError("INVALID_VALUE", "must not be empty")
    if len(lot) > COMPONENT_LOT_MAX:
        raise PydanticCustomError("INVALID_VALUE",
                                  f"must be at most {COMPONENT_LOT_MAX} characters")
    return lot


BatchLot = Annotated[str, PlainValidator(_batch_lot),
                     WithJsonSchema({"type": "string", "pattern": f"^{BATCH_LOT.pattern}$",
                                     "maxLength": 32})]
"""A batch's own lot number: ``[A-Z0-9][A-Z0-9-]{0,31}``, upper-cased (security.md)."""
ComponentLot = Annotated[str, PlainValidator(_component_lot),
                         WithJsonSchema({"type": "string", "maxLength": COMPONENT_LOT_MAX})]
"""A component's lot as the manufacturer prints it, kept in its normal form (for recalls)."""
