"""Units: the one pint registry of the application, and exact parsing at the boundary.

A quantity arrives as ``"4.5 mg"`` or ``{"value": 4.5, "unit": "mg"}`` (API v1). Its number is read
as a decimal and kept as an exact :class:`fractions.Fraction`; its unit is read by pint, whose
registry is built with ``non_int_type=Fraction`` so that every conversion factor is exact
(``1 mcg = 1/1000 mg``; ``1 lb = 45359237/100 mg``). Inside the calculation only plain fractions in
the canonical unit travel: mg for mass, mL for volume, g/mL for density, kg for body weight.

The registry is built once per process, at import; unit look-ups are cached per unit string, so
no request ever parses a unit definition twice.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import lru_cache
from typing import Any, NamedTuple

import pint


def _make_registry() -> pint.UnitRegistry:
    try:
        return pint.UnitRegistry(non_int_type=Fraction, cache_folder=":auto:")
    except Exception:  # an unwritable cache folder must not stop the application
        return pint.UnitRegistry(non_int_type=Fraction)


ureg = _make_registry()
Q_ = ureg.Quantity


class Dimension(NamedTuple):
    """A kind of quantity and the canonical unit it is held in."""

    name: str
    unit: str
    pint_dimensionality: str


MASS = Dimension("mass", "mg", "[mass]")
BODY_WEIGHT = Dimension("mass", "kg", "[mass]")
VOLUME = Dimension("volume", "mL", "[length] ** 3")
DENSITY = Dimension("density", "g/mL", "[mass] / [length] ** 3")


class QuantityError(ValueError):
    """A quantity that could not be read; ``code`` is a rule code of :mod:`compounding.rules`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_NUMBER_UNIT = re.compile(
    r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(\S.*?)?\s*$"
)
_MAX_UNIT_CHARS = 40
_MAX_NUMBER_CHARS = 32
_MAX_EXPONENT = 12  # 10**12: far beyond any amount in this domain, far below a slow Fraction


def _exact_number(text: str) -> Fraction:
    """A decimal numeral as an exact fraction; refuses absurd exponents."""
    if len(text) > _MAX_NUMBER_CHARS:
        raise QuantityError("INVALID_QUANTITY", "the number has too many digits")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numerals
        raise QuantityError("INVALID_QUANTITY", f"“{text}” is not a number") from exc
    if number != 0 and abs(number.adjusted()) > _MAX_EXPONENT:
        raise QuantityError("INVALID_QUANTITY", "the number is out of range")
    return Fraction(number)


def exact(value: Any) -> Fraction:
    """A JSON number (int or finite float) as an exact fraction of the decimal it was written as.

    ``0.1`` becomes ``1/10``, not the binary float's 3602879701896397/36028797018963968.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, Fraction)):
        raise QuantityError("INVALID_VALUE", "must be a number")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise QuantityError("INVALID_QUANTITY", "must be a finite number, not NaN or infinity")
    if isinstance(value, Decimal) and not value.is_finite():
        raise QuantityError("INVALID_QUANTITY", "must be a finite number, not NaN or infinity")
    text = repr(value) if isinstance(value, float) else str(value)
    return _exact_number(text)


@lru_cache(maxsize=512)
def conversion_factor(unit: str, dimension: Dimension) -> Fraction:
    """Exact factor from ``unit`` to the canonical unit of ``dimension``.

    Raises :class:`QuantityError` for an unknown unit or one of another dimension.
    """
    if len(unit) > _MAX_UNIT_CHARS:
        raise QuantityError("INVALID_QUANTITY", f"“{unit[:_MAX_UNIT_CHARS]}” is not a unit")
    try:
        units = ureg.parse_units(unit)
    except Exception as exc:  # pint raises many kinds for malformed unit text
        raise QuantityError("INVALID_QUANTITY", f"“{unit}” is not a unit pint knows") from exc
    if units.dimensionality != ureg.get_dimensionality(dimension.pint_dimensionality):
        raise QuantityError(
            "WRONG_DIMENSION", f"must be a {dimension.name} (like {dimension.unit}), not “{unit}”"
        )
    return Fraction(Q_(Fraction(1), units).to(dimension.unit).magnitude)


def parse_quantity(value: Any, dimension: Dimension) -> Fraction:
    """An API v1 quantity as an exact magnitude in the canonical unit of ``dimension``.

    Accepts ``"4.5 mg"``, ``{"value": 4.5, "unit": "mg"}`` or a pint quantity. A bare number, a
    missing or unknown unit, the wrong dimension, NaN or infinity raise :class:`QuantityError`.
    Signs are left to the caller, which knows whether zero is allowed.
    """
    if isinstance(value, str):
        match = _NUMBER_UNIT.match(value)
        if match is None:
            raise QuantityError(
                "INVALID_QUANTITY", f"must be a number and a unit, like '4.5 {dimension.unit}'"
            )
        number_text, unit = match.groups()
        if unit is None:
            raise QuantityError("INVALID_QUANTITY", f"needs a unit, like '{number_text} "
                                f"{dimension.unit}'")
        return _exact_number(number_text) * conversion_factor(unit, dimension)
    if isinstance(value, dict):
        if set(value) != {"value", "unit"}:
            raise QuantityError(
                "INVALID_QUANTITY", "must be an object with exactly 'value' and 'unit'"
            )
        unit = value["unit"]
        if not isinstance(unit, str):
            raise QuantityError("INVALID_QUANTITY", "'unit' must be a string")
        return exact(value["value"]) * conversion_factor(unit.strip(), dimension)
    if isinstance(value, pint.Quantity):
        return parse_quantity({"value": value.magnitude, "unit": str(value.units)}, dimension)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise QuantityError(
            "INVALID_QUANTITY", f"a bare number has no unit: write '{value} {dimension.unit}'"
        )
    raise QuantityError("INVALID_QUANTITY", f"must be a quantity like '4.5 {dimension.unit}'")


def as_json(magnitude: Fraction, dimension: Dimension, places: int = 6) -> dict[str, Any]:
    """API v1 output form ``{"value": <number>, "unit": "<unit>"}``, rounded to ``places``."""
    return {"value": round(float(magnitude), places), "unit": dimension.unit}
