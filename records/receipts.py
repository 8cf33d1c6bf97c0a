"""What a receipt of an inventory lot says, each value checked as the project's type
(:mod:`.inventory` keeps it): the typed texts, a tablet lot's measured average weight, and an
API powder lot's certificate of analysis.

A lot of naltrexone HCl powder (API) is received with its certificate's assay [%], on its basis
(``as_is``, or ``dried`` with the ``water`` content [%]), as an order of that powder gives them
(:class:`compounding.orders.models.Source`): an assay as is outside 90-110 % is refused
(``SOURCE_ASSAY_IMPLAUSIBLE``), as the order refuses it, so that a certificate misread (99.2
written 9.92) is caught where it is first typed. Percentages are kept as exact decimal text
(``"99.2"``), like the tablets' weight.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from pydantic import TypeAdapter, ValidationError

from compounding.display import show
from compounding.errors import ErrorDetail
from compounding.formulation.sources import ASSAY_HIGH, ASSAY_LOW
from compounding.orders.identifiers import Ndc
from compounding.orders.reading import validation_errors
from compounding.orders.types import ComponentLot, Day, Expiry, LongText, Name

_WEIGHT = re.compile(r"(\d{1,5}(?:\.\d{1,6})?|\.\d{1,6})(?:\s*mg)?", re.IGNORECASE)
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d{1,4})?|\.\d{1,4})(?:\s*%)?")
_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    "product": TypeAdapter(Name), "manufacturer": TypeAdapter(Name), "ndc": TypeAdapter(Ndc),
    "lot": TypeAdapter(ComponentLot), "expiry": TypeAdapter(Expiry),
    "received_on": TypeAdapter(Day), "reason": TypeAdapter(LongText)}
BASES = ("as_is", "dried")
"""The bases a certificate gives its assay on: as is (as weighed), or the dried substance."""


def check(errors: list[ErrorDetail], field: str, value: Any) -> Any:
    """``value`` validated as the project's type for ``field``; its errors, named by the
    field, added to ``errors`` (``None`` returned) when it is not valid."""
    try:
        return _ADAPTERS[field].validate_python(value)
    except ValidationError as exc:
        errors.extend(ErrorDetail(e.code, field, e.message) for e in validation_errors(exc))
        return None


def given(value: Any) -> bool:
    """Not ``None``, not blank."""
    return value is not None and not (isinstance(value, str) and not value.strip())


def _decimal(value: Any, pattern: re.Pattern[str]) -> Decimal | None:
    text = (str(value).strip() if isinstance(value, str | int | float | Decimal)
            and not isinstance(value, bool) else None)
    match = pattern.fullmatch(text) if text is not None else None
    return Decimal(match[1]) if match is not None else None


def weight(errors: list[ErrorDetail], value: Any) -> str | None:
    """A typed average weight [mg] as exact decimal text (``"250.5"``)."""
    found = _decimal(value, _WEIGHT)
    if found is None:
        errors.append(ErrorDetail("INVALID_VALUE", "average_weight_mg",
                                  "must be a weight in mg, a number such as 250.4"))
        return None
    if found <= 0:
        errors.append(ErrorDetail("NOT_POSITIVE", "average_weight_mg", "must be more than zero"))
        return None
    return format(found.normalize(), "f")


def _percent(errors: list[ErrorDetail], field: str, value: Any, most: int) -> str | None:
    """A typed percentage (``99.2`` or ``99.2 %``) as exact decimal text, more than 0 and at
    most ``most``."""
    found = _decimal(value, _PERCENT)
    if found is None or not 0 < found <= most:
        errors.append(ErrorDetail("INVALID_VALUE", field,
                                  f"must be a percentage from the certificate of analysis, a "
                                  f"number more than 0 and at most {most}, such as 99.2"))
        return None
    return format(found.normalize(), "f")


def assay_as_is(assay: str, basis: str | None, water: str | None) -> Fraction:
    """The powder's naltrexone HCl per mg as weighed [mg/mg], from a kept certificate.

    >>> assay_as_is("99.2", "as_is", None), assay_as_is("99.6", "dried", "0.4")
    (Fraction(124, 125), Fraction(62001, 62500))
    """
    value = Fraction(assay) / 100
    return value * (1 - Fraction(water or 0) / 100) if basis == "dried" else value


def certificate(errors: list[ErrorDetail], kind: Any,
                receipt: Mapping[str, Any]) -> dict[str, str | None]:
    """The certificate values of a receipt: for an API lot its ``assay`` (required), its
    ``assay_basis`` (``as_is`` unless given) and, on the dried basis only, its ``water``;
    another kind of lot has none (an ``as_is`` basis sent with it is the form's default, and
    is dropped)."""
    kept: dict[str, str | None] = {"assay": None, "assay_basis": None, "water": None}
    if kind != "api":
        for name in ("assay", "water"):
            if name in receipt:
                errors.append(ErrorDetail("INVALID_VALUE", name, "only an API powder lot has "
                                                                 "a certificate's assay"))
        if receipt.get("assay_basis", "as_is") != "as_is":
            errors.append(ErrorDetail("INVALID_VALUE", "assay_basis",
                                      "only an API powder lot has an assay basis"))
        return kept
    basis = receipt.get("assay_basis", "as_is")
    if basis not in BASES:
        errors.append(ErrorDetail("INVALID_VALUE", "assay_basis", "must be as_is or dried"))
        basis = None
    kept["assay_basis"] = basis
    if "assay" in receipt:
        kept["assay"] = _percent(errors, "assay", receipt["assay"], 200)
    else:
        errors.append(ErrorDetail("FIELD_REQUIRED", "assay",
                                  "an API powder lot needs the assay of its certificate of "
                                  "analysis"))
    if "water" in receipt and basis == "as_is":
        errors.append(ErrorDetail("INVALID_VALUE", "water",
                                  "an assay as is already counts the water: choose the dried "
                                  "basis with the water, or leave the water out"))
    elif "water" in receipt:
        kept["water"] = _percent(errors, "water", receipt["water"], 100)
    elif basis == "dried":
        errors.append(ErrorDetail("FIELD_REQUIRED", "water",
                                  "an assay on the dried basis needs the certificate's water "
                                  "content, to give the assay as weighed"))
    if kept["assay"] is not None and (basis == "as_is" or kept["water"] is not None):
        value = assay_as_is(kept["assay"], basis, kept["water"])
        if not ASSAY_LOW <= value <= ASSAY_HIGH:
            errors.append(ErrorDetail(
                "SOURCE_ASSAY_IMPLAUSIBLE", "assay",
                f"an assay of {show(value * 100)} % as is lies outside 90-110 %: check the "
                f"certificate of analysis (and its basis)"))
    return kept
