"""Collects what the rules say about one order: errors (no plan) and findings (plan + look).

Severity and kind come from the catalogue (:mod:`compounding.screening.rules`), never from
the caller, so a rule's code decides what it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from compounding.errors import ErrorDetail, OrderError
from compounding.screening.findings import Finding
from compounding.screening.rules import rule


@dataclass
class Review:
    """Errors and findings about one order, in the order the rules raised them."""

    errors: list[ErrorDetail] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def error(self, code: str, field_name: str, message: str) -> None:
        assert rule(code).kind == "error", code
        self.errors.append(ErrorDetail(code, field_name, message))

    def finding(self, code: str, field_name: str, message: str) -> None:
        entry = rule(code)
        assert entry.kind == "finding" and entry.severity is not None, code
        self.findings.append(
            Finding(code=code, severity=entry.severity, field=field_name, message=message)
        )

    def raise_errors(self) -> None:
        """Raise :class:`OrderError` with every error collected so far, if there is any."""
        if self.errors:
            raise OrderError(self.errors)
