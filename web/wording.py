"""What people read: a field's name as the form labels it, never its API path or a code.

Codes and field paths are for the API and pharmacy systems (api-v1.md); the pages name a field
by its label ("Measured average tablet weight (W)"), a list entry by its line ("Concurrent
medications, line 2"), and a finding by its message alone. The pure functions live in
:mod:`compounding.screening.wording` (the printed documents use them too, and the core never imports
Flask); they are re-exported here for the pages.
"""

from __future__ import annotations

from compounding.errors import ErrorDetail
from compounding.screening.wording import field_name, plain_code, plain_text

from .formdata import UNITS

__all__ = ["field_name", "for_person", "plain_code", "plain_text"]

_EXAMPLES = {"mg": ("250", "0.25 g"), "g/mL": ("0.6", "600 mg/mL"), "kg": ("70", "154 lb")}
_QUANTITY_CODES = frozenset({"INVALID_QUANTITY", "INVALID_VALUE", "WRONG_DIMENSION"})


def for_person(error: ErrorDetail, control: str | None) -> ErrorDetail:
    """``error`` as the form says it: a number typed into a field with its unit beside it is
    asked for as a number ("3O" is not "a unit this workbench reads", it is not a number)."""
    if error.code not in _QUANTITY_CODES:
        return error
    if control == "strength":
        return ErrorDetail(error.code, error.field, "Enter a number, like 4.5, and choose its "
                                                    "unit (mg or mcg) beside it.")
    unit = UNITS.get(control or "")
    if unit is None:
        return error
    number, other = _EXAMPLES[unit]
    return ErrorDetail(error.code, error.field,
                       f"Enter a number, like {number} (in {unit}, as beside the field), or a "
                       f"number with its unit, like {other}.")
