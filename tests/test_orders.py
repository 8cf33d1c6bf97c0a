"""Reading orders: every bad input is an error naming its field, in the one API v1 shape."""

from __future__ import annotations

import pytest

from compounding import MalformedOrder, OrderError, parse_order, parse_order_json

from .helpers import assert_error_body, make_order


def errors(order):
    with pytest.raises(OrderError) as caught:
        parse_order(order)
    return [(e["code"], e["field"]) for e in assert_error_body(caught.value.to_json(), 422)]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"strength": None}, ("FIELD_REQUIRED", "strength")),
        ({"quantity": None}, ("FIELD_REQUIRED", "quantity")),
        ({"capsule": None}, ("FIELD_REQUIRED", "capsule.size")),
        ({"capsule": {"size": None, "shell": "gelatin"}}, ("FIELD_REQUIRED", "capsule.size")),
        ({"source": None}, ("FIELD_REQUIRED", "source.average_tablet_weight")),
        ({"source": {"average_tablet_weight": None, "lot": "x"}},
         ("FIELD_REQUIRED", "source.average_tablet_weight")),
        ({"colour": "blue"}, ("FIELD_UNKNOWN", "colour")),
        ({"source": {"colour": "blue"}}, ("FIELD_UNKNOWN", "source.colour")),
        ({"strength": 4.5}, ("INVALID_QUANTITY", "strength")),
        ({"strength": "4.5"}, ("INVALID_QUANTITY", "strength")),
        ({"strength": "4.5 mL"}, ("WRONG_DIMENSION", "strength")),
        ({"strength": "4.5 furlongs"}, ("INVALID_QUANTITY", "strength")),  # not in the list
        ({"strength": "4.5 blorbs"}, ("INVALID_QUANTITY", "strength")),
        ({"strength": {"value": float("nan"), "unit": "mg"}}, ("INVALID_QUANTITY", "strength")),
        ({"strength": {"value": float("inf"), "unit": "mg"}}, ("INVALID_QUANTITY", "strength")),
        ({"strength": "NaN mg"}, ("INVALID_QUANTITY", "strength")),
        ({"strength": "-4.5 mg"}, ("NOT_POSITIVE", "strength")),
        ({"strength": "0 mg"}, ("NOT_POSITIVE", "strength")),
        ({"strength": "1e40 mg"}, ("INVALID_QUANTITY", "strength")),
        ({"strength": {"value": True, "unit": "mg"}}, ("INVALID_VALUE", "strength")),
        ({"strength": {"value": 4.5}}, ("INVALID_QUANTITY", "strength")),
        ({"source": {"average_tablet_weight": "250"}},
         ("INVALID_QUANTITY", "source.average_tablet_weight")),
        ({"filler": {"density": "0.45 g"}}, ("WRONG_DIMENSION", "filler.density")),
        ({"patient": {"weight": "70 mL"}}, ("WRONG_DIMENSION", "patient.weight")),
        ({"quantity": 30.5}, ("INVALID_VALUE", "quantity")),
        ({"quantity": "30"}, ("INVALID_VALUE", "quantity")),
        ({"quantity": True}, ("INVALID_VALUE", "quantity")),
        ({"quantity": 0}, ("INVALID_VALUE", "quantity")),
        ({"quantity": 10_001}, ("INVALID_VALUE", "quantity")),
        ({"doses_per_day": 0}, ("INVALID_VALUE", "doses_per_day")),
        ({"refills": -1}, ("INVALID_VALUE", "refills")),
        ({"density_factor": 0}, ("INVALID_VALUE", "density_factor")),
        ({"density_factor": "1"}, ("INVALID_VALUE", "density_factor")),
        ({"overage": {"capsules": 2, "percent": 5}}, ("OVERAGE_CONFLICT", "overage")),
        ({"overage": {"percent": 101}}, ("INVALID_VALUE", "overage.percent")),
        ({"overage": {"capsules": -1}}, ("INVALID_VALUE", "overage.capsules")),
        ({"method": "eyeball"}, ("INVALID_VALUE", "method")),
        ({"strength_basis": "sulfate"}, ("INVALID_VALUE", "strength_basis")),
        ({"capsule": {"size": "6"}}, ("INVALID_VALUE", "capsule.size")),
        ({"capsule": {"size": 3}}, ("INVALID_VALUE", "capsule.size")),
        ({"compounded_on": "2026-02-30"}, ("INVALID_DATE", "compounded_on")),
        ({"compounded_on": "22/11/2026"}, ("INVALID_DATE", "compounded_on")),
        ({"source": {"expiry": "2027-13"}}, ("INVALID_DATE", "source.expiry")),
        ({"patient": {"date_of_birth": "1970-02-29"}}, ("INVALID_DATE", "patient.date_of_birth")),
        ({"prescriber": {"npi": "1234567890"}}, ("INVALID_NPI", "prescriber.npi")),
        ({"prescriber": {"npi": "12345"}}, ("INVALID_NPI", "prescriber.npi")),
        ({"directions": "Take\x00one"}, ("INVALID_VALUE", "directions")),
        ({"directions": "x" * 401}, ("INVALID_VALUE", "directions")),
        ({"patient": {"name": "   "}}, ("INVALID_VALUE", "patient.name")),
        ({"concurrent_medications": ["ok", 7]}, ("INVALID_VALUE", "concurrent_medications[1]")),
        ({"concurrent_medications": "Percocet"}, ("INVALID_VALUE", "concurrent_medications")),
        ({"patient": "Jane"}, ("INVALID_VALUE", "patient")),
        ({"acknowledgements": [{"code": "OPIOID_COADMINISTRATION"}]},
         ("FIELD_REQUIRED", "acknowledgements[0].pharmacist")),
    ],
)
def test_field_errors(changes, expected):
    assert expected in errors(make_order(**changes))


def test_every_error_at_once():
    found = errors({"strength": "4.5", "quantity": -1, "capsule": {"size": "9"}, "source": {},
                    "extra": 1})
    assert set(found) == {("INVALID_QUANTITY", "strength"), ("INVALID_VALUE", "quantity"),
                          ("INVALID_VALUE", "capsule.size"),
                          ("FIELD_REQUIRED", "source.average_tablet_weight"),
                          ("FIELD_UNKNOWN", "extra")}


@pytest.mark.parametrize(
    "quantity",
    ["4500 mcg", "4500 µg", "4500 μg", "4500 ug", "0.0045 g", "4.5mg", " 4.5  mg ",
     {"value": 4.5, "unit": "mg"}, {"value": 4500, "unit": "MCG"}, "4.5 MG"],
)
def test_strength_spellings(quantity):
    assert parse_order(make_order(strength=quantity)).strength == parse_order(make_order()).strength


def test_valid_npi_and_month_expiry():
    order = parse_order(make_order(prescriber={"npi": "1234567893"},
                                   source={"expiry": "2027-02"}))
    assert str(order.source.expiry) == "2027-02-28"


@pytest.mark.parametrize(
    ("text", "status"),
    [("{", 400), ("[1, 2]", 400), ('"order"', 400), ("null", 400), (b"\xff\xfe", 400),
     ("[" * 100_000, 400), ('{"strength": "4.5 mg"}', 422)],
    ids=["truncated", "array", "string", "null", "bad-bytes", "deep-nesting", "incomplete"],
)
def test_json_text(text, status):
    with pytest.raises(OrderError) as caught:
        parse_order_json(text)
    assert_error_body(caught.value.to_json(), status)
    assert isinstance(caught.value, MalformedOrder) == (status == 400)


def test_errors_are_value_errors():
    with pytest.raises(ValueError):
        parse_order({})
