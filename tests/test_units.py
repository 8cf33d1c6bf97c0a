"""The closed quantity grammar (security.md, "The input boundary") and its pint reference."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from compounding.units import (
    _UNITS,
    BODY_WEIGHT,
    DENSITY,
    MASS,
    UNIT_NAMES,
    VOLUME,
    QuantityError,
    parse_quantity,
    registry,
)

CANONICAL = {"mass": "mg", "volume": "mL", "density": "g/mL"}


@pytest.mark.parametrize("unit", UNIT_NAMES)
def test_every_factor_is_what_pint_computes_from_the_definitions_file(unit):
    kind, factor = _UNITS[unit.casefold()]
    reference = registry().Quantity(F(1), unit).to(CANONICAL[kind]).magnitude
    assert reference == factor and isinstance(reference, F)


def test_the_definitions_file_defines_the_closed_list_and_nothing_else():
    # every spelling the table reads, pint reads; the registry has no unit beyond the list
    known = set(registry()._units)
    assert {u for u in UNIT_NAMES if "/" not in u} <= known
    assert known - {"mg", "mcg", "µg", "μg", "ug", "g", "kg", "lb", "mL", "ml", "L", "l"} == {
        "milligram", "microgram", "gram", "kilogram", "pound", "milliliter", "liter"}
    assert set(_UNITS) == {u.casefold() for u in UNIT_NAMES}


@pytest.mark.parametrize(
    ("text", "dimension", "expected"),
    [
        ("4.5 mg", MASS, F(9, 2)),
        ("4500 mcg", MASS, F(9, 2)),
        ("4500 µg", MASS, F(9, 2)),  # micro sign U+00B5
        ("4500 μg", MASS, F(9, 2)),  # Greek mu U+03BC
        ("4500 ug", MASS, F(9, 2)),
        ("0.0045 g", MASS, F(9, 2)),
        ("4.5 MG", MASS, F(9, 2)),
        (".5 g", MASS, F(500)),
        ("4.5e0 mg", MASS, F(9, 2)),
        # NIST SP 811 appendix B: 1 lb = 0.453 592 37 kg exactly = 453 592.37 mg
        ("1 lb", MASS, F(45359237, 100)),
        ("154 lb", BODY_WEIGHT, F(154 * 45359237, 100_000_000)),
        ("70 kg", BODY_WEIGHT, F(70)),
        ("0.3 mL", VOLUME, F(3, 10)),
        ("0.0003 L", VOLUME, F(3, 10)),
        ("0.45 g/mL", DENSITY, F(9, 20)),
        ("450 mg/mL", DENSITY, F(9, 20)),
        ("0.45 g / mL", DENSITY, F(9, 20)),
    ],
)
def test_units_of_the_closed_list(text, dimension, expected):
    assert parse_quantity(text, dimension) == expected
    number, unit = text.split(" ", 1) if " " in text else (text, "")
    if " " in text and "/" not in unit:
        assert parse_quantity({"value": float(number), "unit": unit}, dimension) == expected


HOSTILE = [
    "4.5 mg**9**9**9",  # pint evaluated 9**(9**9) holding the GIL
    "4.5 mg**9**9**7",
    "2 * 3 mg",  # was read as 6 mg
    "4.5 mg * 2",
    "4.5 mg / 2",
    "(4.5) mg",
    "4.5 milligram",
    "4.5 grain",
    "4.5 Mg ** 2",
    "4.5 kilogram / meter",
    "4.5 mg; import os",
    "__import__('os') mg",
    "4.5 " + "m" * 100_000 + "g",
    "1 a" + " " * 60_000 + "b",  # quadratic for a lazy-match pattern
    "9" * 10_000 + " mg",
    "1e999999 mg",
    "0x10 mg",
    "4,5 mg",
    "NaN mg",
    "inf mg",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(t[:20]) for t in HOSTILE])
def test_nothing_is_evaluated(text):
    with pytest.raises(QuantityError) as caught:
        parse_quantity(text, MASS)
    assert caught.value.code == "INVALID_QUANTITY"


@pytest.mark.parametrize("unit", ["mg**9**9**9", "2 * mg", "milligram", "m" * 1000])
def test_object_form_units_are_the_closed_list_too(unit):
    with pytest.raises(QuantityError) as caught:
        parse_quantity({"value": 4.5, "unit": unit}, MASS)
    assert caught.value.code == "INVALID_QUANTITY"


def test_huge_integer_values_are_refused():
    with pytest.raises(QuantityError):
        parse_quantity({"value": 10**5000, "unit": "mg"}, MASS)


def test_wrong_dimension_names_the_kind():
    with pytest.raises(QuantityError) as caught:
        parse_quantity("4.5 mL", MASS)
    assert caught.value.code == "WRONG_DIMENSION"
    assert "mass" in caught.value.message


def test_a_pint_quantity_from_a_library_caller():
    quantity = registry().Quantity(F(9, 2), "mg")
    assert parse_quantity(quantity, MASS) == F(9, 2)
    assert parse_quantity(registry().Quantity(F(1, 2), "g/mL"), DENSITY) == F(1, 2)
