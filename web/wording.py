"""What people read: a field's name as the form labels it, never its API path or a code.

Codes and field paths are for the API and pharmacy systems (api-v1.md); the pages name a field
by its label ("Measured average tablet weight (W)"), a list entry by its line ("Concurrent
medications, line 2"), and a finding by its message alone.
"""

from __future__ import annotations

import re

from compounding.errors import ErrorDetail

from .formdata import LABELS, UNITS

_INDEX = re.compile(r"\[(\d+)\]")
_PREFIXES = {"profile.pharmacy": "Pharmacy's", "bench": "Bench"}


def field_name(path: str) -> str:
    """The plain name of an API field path.

    >>> field_name("source.average_tablet_weight")
    'Measured average tablet weight (W)'
    >>> field_name("concurrent_medications[1]")
    'Concurrent medications, line 2'
    >>> field_name("profile.pharmacy.phone")
    "Pharmacy's phone (in the pharmacy's settings)"
    >>> field_name("capsule_weights[0]")
    'Capsule weights, entry 1'
    """
    bare = _INDEX.sub("", path)
    index = _INDEX.search(path)
    if bare in LABELS:
        name = LABELS[bare]
        return f"{name}, line {int(index.group(1)) + 1}" if index else name
    for prefix, said in _PREFIXES.items():
        if bare.startswith(prefix + "."):
            rest = bare.removeprefix(prefix + ".").replace("_", " ").replace(".", " ")
            where = " (in the pharmacy's settings)" if prefix == "profile.pharmacy" else ""
            return f"{said} {rest}{where}"
    words = bare.replace("_", " ").replace(".", " ").strip() or "the order"
    words = words[0].upper() + words[1:]
    return f"{words}, entry {int(index.group(1)) + 1}" if index else words


def plain_code(code: str) -> str:
    """A finding or error code as words, for a page's history: ``Opioid coadministration``."""
    words = code.replace("_", " ").lower()
    return words[:1].upper() + words[1:]


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


_CODED = re.compile(r"\b([A-Z]{2,}(?:_[A-Z0-9]+)+)(?::([\w.\[\]]+))?")


def plain_text(text: str) -> str:
    """Kept text that names findings by id (a signature's meaning, "acknowledged
    OPIOID_COADMINISTRATION:concurrent_medications[1]") in words.

    >>> plain_text("acknowledged OPIOID_COADMINISTRATION:concurrent_medications[1]")
    'acknowledged “Opioid coadministration” (Concurrent medications, line 2)'
    """

    def words(found: re.Match[str]) -> str:
        said = f"“{plain_code(found.group(1))}”"
        return f"{said} ({field_name(found.group(2))})" if found.group(2) else said

    return _CODED.sub(words, text)
