"""Findings: a plan exists, and the pharmacist must look at something.

Findings are returned with the plan, never printed or raised. A ``critical`` finding must be
acknowledged by a named pharmacist, with a reason, before a patient label may be printed
(domain.md §4).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from .types import LongText, Name, ShortText


class Severity(StrEnum):
    """How urgently the pharmacist must look: ``info`` < ``warning`` < ``critical``."""

    info = "info"
    warning = "warning"
    critical = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.info: 0, Severity.warning: 1, Severity.critical: 2}


class Acknowledgement(BaseModel):
    """A pharmacist's acknowledgement of a critical finding, printed on the worksheet."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: ShortText
    pharmacist: Name
    reason: LongText


class Finding(BaseModel):
    """Something in a valid order that the pharmacist must see."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    severity: Severity
    field: str
    message: str
    acknowledgement: Acknowledgement | None = None

    @property
    def needs_acknowledgement(self) -> bool:
        return self.severity is Severity.critical and self.acknowledgement is None
