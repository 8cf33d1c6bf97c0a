"""Errors: an order that cannot become a plan.

One base class, :class:`CompoundingError`; every concrete error also subclasses a builtin
(``ValueError``), in the manner of pint's ``errors.py``. Each error detail names the field it is
about in the dotted/indexed form of API v1 (``source.average_tablet_weight``,
``concurrent_medications[0]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """One reason an order was refused: a stable code, the field, a message for a pharmacist."""

    code: str
    field: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message}


class CompoundingError(Exception):
    """Base class of every error this package raises on purpose."""

    status = 422

    def __init__(self, errors: list[ErrorDetail]) -> None:
        if not errors:
            raise ValueError("an error needs at least one detail")
        self.errors = list(errors)
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    def to_json(self) -> dict[str, Any]:
        """The one API v1 error body."""
        return error_body(self.status, self.errors)


class OrderError(CompoundingError, ValueError):
    """The order is invalid: no plan can be made (HTTP 422, command-line exit status 2)."""

    status = 422


class UnacknowledgedFindings(CompoundingError, ValueError):
    """A patient label was asked for while critical findings are not acknowledged (HTTP 409)."""

    status = 409


MAX_ERRORS = 50
"""Errors listed in one answer at most; the rest are counted in a last ``TOO_MANY_ERRORS``, so
that an answer stays small whatever the request (5 000 unknown keys answered 414 KB)."""


def capped(errors: list[ErrorDetail]) -> list[ErrorDetail]:
    """The first :data:`MAX_ERRORS` errors, and one that counts the others."""
    if len(errors) <= MAX_ERRORS:
        return errors
    more = len(errors) - MAX_ERRORS
    return [*errors[:MAX_ERRORS], ErrorDetail(
        "TOO_MANY_ERRORS", "body", f"and {more} more error{'s' if more != 1 else ''} not "
                                   f"listed: correct these first")]


def error_body(status: int, errors: list[ErrorDetail]) -> dict[str, Any]:
    """``{"ok": false, "status": ..., "errors": [{"code", "field", "message"}]}`` (API v1), at
    most :data:`MAX_ERRORS` listed."""
    return {"ok": False, "status": status, "errors": [e.to_json() for e in capped(errors)]}


EXIT_OK, EXIT_FAULT, EXIT_INVALID, EXIT_REFUSED, EXIT_NOT_FOUND = 0, 1, 2, 3, 4
"""The command line's exit statuses: 0 done; 1 a fault of the workbench itself; 2 an invalid
order or input (HTTP 400, 413, 415, 422); 3 refused in the record's state or while a critical
finding is unacknowledged (HTTP 409); 4 not found (HTTP 404)."""


def exit_status(error: CompoundingError) -> int:
    """The exit status of a command that stopped on ``error`` (by its HTTP status)."""
    status = getattr(error, "status", 422)
    if status == 409:
        return EXIT_REFUSED
    if status == 404:
        return EXIT_NOT_FOUND
    return EXIT_INVALID if 400 <= status < 500 else EXIT_FAULT
