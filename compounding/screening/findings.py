"""Findings: a plan exists, and the pharmacist must look at something.

Findings are returned with the plan, never printed or raised. A ``critical`` finding must be
acknowledged by a named pharmacist, with a reason, before a patient label may be printed
(domain.md §4).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from compounding.orders.types import LongText, Name, ShortText


class Severity(StrEnum):
    """How urgently the pharmacist must look: ``info`` < ``warning`` < ``critical``."""

    info = "info"
    warning = "warning"
    critical = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.info: 0, Severity.warning: 1, Severity.critical: 2}


def require_a_finding(finding: str | None, code: str | None) -> None:
    """An acknowledgement names its finding by id, or by code (domain.md §11)."""
    if finding is None and code is None:
        raise PydanticCustomError("FIELD_REQUIRED", "name the finding (its id) or its code")


class Acknowledgement(BaseModel):
    """A pharmacist's acknowledgement of one critical finding, printed on the worksheet.

    ``finding`` names it by its id (``"OPIOID_COADMINISTRATION:concurrent_medications[1]"``);
    a ``code`` alone is taken only when exactly one critical finding has that code (domain.md
    §11): one acknowledgement never clears two findings.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    finding: LongText | None = None
    code: ShortText | None = None
    pharmacist: Name
    reason: LongText

    @model_validator(mode="after")
    def _names_a_finding(self) -> Acknowledgement:
        require_a_finding(self.finding, self.code)
        return self


class Finding(BaseModel):
    """Something in a valid order that the pharmacist must see. ``id`` is its code and field,
    ``"OPIOID_COADMINISTRATION:concurrent_medications[1]"`` (domain.md §11)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = ""
    code: str
    severity: Severity
    field: str
    message: str
    acknowledgement: Acknowledgement | None = None

    @model_validator(mode="before")
    @classmethod
    def _identified(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("id"):
            data = {**data, "id": f"{data.get('code')}:{data.get('field')}"}
        return data

    @property
    def needs_acknowledgement(self) -> bool:
        return self.severity is Severity.critical and self.acknowledgement is None
