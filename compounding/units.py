"""Units: the closed quantity grammar of the input boundary, exact, with pint as the reference.

A quantity arrives as ``"4.5 mg"`` or ``{"value": 4.5, "unit": "mg"}`` (API v1). Its number is a
plain decimal numeral (at most 32 characters, exponent at most ±12) read as an exact
:class:`fractions.Fraction`; its unit is one of a closed list: mg, mcg, µg, ug, g, kg, lb (mass),
mL, L (volume), g/mL, mg/mL (density), in any letter case (security.md, "The input boundary").
Nothing a client sends is evaluated: ``"2 * 3 mg"`` or ``"4.5 mg**9**9**9"`` is not a quantity,
and reading one costs a bounded regular-expression match and one dictionary look-up.

pint is the unit engine: :func:`registry` builds a registry from ``units.txt`` (the definitions
of exactly these units, exact factors); the table below is that registry's conversion factors,
and ``tests/test_units.py`` checks every entry against it. pint itself (and numpy behind it) is
imported only when :func:`registry` is called, so a command that reads an order starts in a
fraction of the time a full pint registry takes.

Inside the calculation only plain fractions in the canonical unit travel: mg for mass, mL for
volume, g/mL for density, kg for body weight.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

DEFINITIONS = Path(__file__).with_name("units.txt")
"""pint definitions of the closed list of units."""


class Dimension(NamedTuple):
    """A kind of quantity and the canonical unit it is held in."""

    name: str
    unit: str
    base: str


MASS = Dimension("mass", "mg", "mass")
BODY_WEIGHT = Dimension("mass", "kg", "mass")
VOLUME = Dimension("volume", "mL", "volume")
DENSITY = Dimension("density", "g/mL", "density")
CONCENTRATION = Dimension("concentration", "mg/mL", "density")

# unit as written, case-folded -> (kind, exact factor to mg, mL or g/mL)
_UNITS: dict[str, tuple[str, Fraction]] = {
    "mg": ("mass", Fraction(1)),
    "mcg": ("mass", Fraction(1, 1000)),
    "μg": ("mass", Fraction(1, 1000)),  # "µg" (micro sign) case-folds to this (Greek mu)
    "ug": ("mass", Fraction(1, 1000)),
    "g": ("mass", Fraction(1000)),
    "kg": ("mass", Fraction(1_000_000)),
    "lb": ("mass", Fraction(45359237, 100)),  # 0.45359237 kg exactly (international pound)
    "ml": ("volume", Fraction(1)),
    "l": ("volume", Fraction(1000)),
    "g/ml": ("density", Fraction(1)),
    "mg/ml": ("density", Fraction(1, 1000)),
}
_CANONICAL = {"mg": Fraction(1), "kg": Fraction(1_000_000), "mL": Fraction(1),
              "g/mL": Fraction(1), "mg/mL": Fraction(1, 1000)}
UNIT_NAMES = ("mg", "mcg", "µg", "ug", "g", "kg", "lb", "mL", "L", "g/mL", "mg/mL")
"""The closed list, as the documents and messages write it."""

MAX_TEXT = 64
"""A quantity written as text is at most this many characters [characters]."""
_MAX_NUMBER_CHARS = 32
_MAX_EXPONENT = 12  # 10**12: far beyond any amount in this domain, far below a slow Fraction

# No nested or overlapping repetition: the match is linear in the (bounded) length.
_QUANTITY = re.compile(
    r"([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)[ \t]*([^\s\d][^\s/]*(?:[ \t]*/[ \t]*\S+)?)?"
)
QUANTITY_PATTERN = (r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,2})?\s*"
                    r"(mg|mcg|µg|μg|ug|g|kg|lb|mL|L|g/mL|mg/mL)\s*$")
"""The string form, as a JSON-schema pattern (case-sensitive spellings of the list)."""


class QuantityError(ValueError):
    """A quantity that could not be read; ``code`` is a rule code of
    :mod:`compounding.screening.rules`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _exact_number(text: str) -> Fraction:
    """A decimal numeral as an exact fraction; refuses long numerals and absurd exponents."""
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
    if isinstance(value, int) and value.bit_length() > 64:
        raise QuantityError("INVALID_QUANTITY", "the number has too many digits")
    text = repr(value) if isinstance(value, float) else str(value)
    return _exact_number(text)


def conversion_factor(unit: str, dimension: Dimension) -> Fraction:
    """Exact factor from ``unit`` (one of :data:`UNIT_NAMES`, any case) to ``dimension``'s unit.

    Raises :class:`QuantityError` for a unit outside the list or of another dimension.

    >>> conversion_factor("mcg", MASS), conversion_factor("lb", BODY_WEIGHT)
    (Fraction(1, 1000), Fraction(45359237, 100000000))
    """
    key = unit.strip().casefold() if len(unit) <= MAX_TEXT else ""
    key = key.replace(" ", "").replace("\t", "")
    found = _UNITS.get(key)
    if found is None:
        shown = unit.strip()[:20] + ("…" if len(unit.strip()) > 20 else "")
        raise QuantityError("INVALID_QUANTITY",
                            f"“{shown}” is not a unit this workbench reads; use "
                            f"{_units_of(dimension)}")
    kind, factor = found
    if kind != dimension.base:
        raise QuantityError(
            "WRONG_DIMENSION", f"must be a {dimension.name} (like {dimension.unit}), not "
                               f"“{unit.strip()}”")
    return factor / _CANONICAL[dimension.unit]


def _units_of(dimension: Dimension) -> str:
    names = [n for n in UNIT_NAMES if _UNITS[n.casefold()][0] == dimension.base]
    return ", ".join(names)


def parse_quantity(value: Any, dimension: Dimension) -> Fraction:
    """An API v1 quantity as an exact magnitude in the canonical unit of ``dimension``.

    Accepts ``"4.5 mg"``, ``{"value": 4.5, "unit": "mg"}`` or a pint quantity of a unit in the
    list. A bare number, a missing or unknown unit, an expression, the wrong dimension, NaN or
    infinity raise :class:`QuantityError`. Signs are left to the caller, which knows whether
    zero is allowed.

    >>> parse_quantity("4.5 mg", MASS), parse_quantity("500 mcg", MASS)
    (Fraction(9, 2), Fraction(1, 2))
    """
    if isinstance(value, str):
        if len(value) > 2 * MAX_TEXT:  # never a quantity: refused before the cache
            raise QuantityError(
                "INVALID_QUANTITY", f"must be a number and a unit, like '4.5 {dimension.unit}'")
        return _parse_text(value, dimension)
    if isinstance(value, dict):
        if set(value) != {"value", "unit"}:
            raise QuantityError(
                "INVALID_QUANTITY", "must be an object with exactly 'value' and 'unit'")
        unit = value["unit"]
        if not isinstance(unit, str):
            raise QuantityError("INVALID_QUANTITY", "'unit' must be a string")
        number = exact(value["value"])
        return number * conversion_factor(unit, dimension)
    if _is_pint_quantity(value):
        unit = format(value.units, "~").replace(" ", "")
        return parse_quantity({"value": value.magnitude, "unit": unit}, dimension)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise QuantityError(
            "INVALID_QUANTITY", f"a bare number has no unit: write '{value} {dimension.unit}'")
    raise QuantityError("INVALID_QUANTITY", f"must be a quantity like '4.5 {dimension.unit}'")


@lru_cache(maxsize=4096)
def _parse_text(value: str, dimension: Dimension) -> Fraction:
    """``"4.5 mg"`` as an exact magnitude; the same few texts recur, so answers are cached
    (errors are not: each call raises anew)."""
    text = value.strip()
    match = _QUANTITY.fullmatch(text) if len(text) <= MAX_TEXT else None
    if match is None:
        raise QuantityError(
            "INVALID_QUANTITY", f"must be a number and a unit, like '4.5 {dimension.unit}'")
    number_text, unit = match.groups()
    if unit is None:
        raise QuantityError("INVALID_QUANTITY", f"needs a unit, like '{number_text} "
                            f"{dimension.unit}'")
    number = _exact_number(number_text)
    return number * conversion_factor(unit, dimension)


def _is_pint_quantity(value: Any) -> bool:
    return type(value).__module__.startswith("pint") and hasattr(value, "units")


@cache
def registry() -> Any:
    """The one pint registry of the application, built from ``units.txt`` with exact factors.

    Imported and built on first call (about 0.3 s, mostly pint's own import), never per request.
    """
    import pint

    return pint.UnitRegistry(str(DEFINITIONS), non_int_type=Fraction)


def as_json(magnitude: Fraction, dimension: Dimension, places: int = 6) -> dict[str, Any]:
    """API v1 output form ``{"value": <number>, "unit": "<unit>"}``, rounded to ``places``."""
    return {"value": round(float(magnitude), places), "unit": dimension.unit}
