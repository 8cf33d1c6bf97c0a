"""Identifiers a pharmacy system sends: its own patient and prescription ids, and NDCs
(API v1.1 additions).

An NDC is the FDA's National Drug Code: labeler, product and package, in one of the 10-digit
forms 4-4-2, 5-3-2 or 5-4-1, which HIPAA transactions write as 11 digits, 5-4-2, by padding the
short segment with a leading zero (CMS, "NDC 10 to 11 digit conversion"). It is kept in that
11-digit form, hyphenated. A bare 10-digit NDC is ambiguous (where does the zero go?) and is
refused with the forms to use.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import PlainValidator, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from compounding.orders.types import _text, stored

_short = _text(80)
_NDC = re.compile(r"^(\d{4}-\d{4}-\d{2}|\d{5}-\d{3}-\d{2}|\d{5}-\d{4}-\d{1}|\d{5}-\d{4}-\d{2}"
                  r"|\d{11})$")
NDC_PATTERN = r"^\d{5}-\d{4}-\d{2}$"


def ndc_11(text: str) -> str:
    """The 11-digit 5-4-2 form of an NDC written 4-4-2, 5-3-2, 5-4-1, 5-4-2 or as 11 digits.

    >>> ndc_11("0406-1170-01"), ndc_11("51285-275-01"), ndc_11("68084-291-1")
    ('00406-1170-01', '51285-0275-01', '68084-0291-01')
    >>> ndc_11("00406117001")
    '00406-1170-01'
    """
    if "-" not in text:
        return f"{text[:5]}-{text[5:9]}-{text[9:]}"
    labeler, product, package = text.split("-")
    return f"{labeler:0>5}-{product:0>4}-{package:0>2}"


def _ndc(value: Any, info: ValidationInfo) -> str:
    text = _short(value)
    if stored(info):
        return text
    compact = text.strip().replace(" ", "")
    if not _NDC.fullmatch(compact):
        raise PydanticCustomError(
            "INVALID_NDC", "an NDC is 10 digits with hyphens as 4-4-2, 5-3-2 or 5-4-1 "
                           "(0406-1170-01), or 11 digits as 5-4-2")
    return ndc_11(compact)


Ndc = Annotated[str, PlainValidator(_ndc),
                WithJsonSchema({"type": "string", "maxLength": 13,
                                "description": "10 digits as 4-4-2, 5-3-2 or 5-4-1, or 11 as "
                                               "5-4-2; kept as 5-4-2",
                                "examples": ["0406-1170-01"]})]
"""An NDC, kept in its 11-digit 5-4-2 form."""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
ID_PATTERN = _ID.pattern


def _external_id(value: Any, info: ValidationInfo) -> str:
    text = _short(value)
    if stored(info) or _ID.fullmatch(text):
        return text
    raise PydanticCustomError("INVALID_VALUE", "an identifier is 1 to 64 letters, digits and "
                                               ". _ : / - , starting with a letter or digit")


ExternalId = Annotated[str, PlainValidator(_external_id),
                       WithJsonSchema({"type": "string", "pattern": ID_PATTERN})]
"""The pharmacy system's own identifier of a patient or a prescription."""
