"""What a stored record looks like to its readers (API JSON and pages)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from compounding.bench import BenchEntry, Status, check_label_allowed
from compounding.findings import Acknowledgement, Finding
from compounding.models import Order, Plan
from compounding.profile import Profile

STORED = {"stored": True}
"""Validation context of a kept record: values are read back as they were kept."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Revision(_Frozen):
    """One step in a batch's history; never changed once written. ``data`` is what the step
    entered; a plain read leaves it out (``None``) for bench entries that a later correction
    replaced (``GET /api/v1/records/{lot}/revisions/{number}`` gives it)."""

    number: int
    action: str
    status: Status
    author: str | None
    at: datetime
    reason: str | None
    data: dict[str, Any] | None


class Summary(_Frozen):
    """A batch in a search result."""

    lot_number: str
    lot_date: date
    rx_number: str | None
    patient: str | None
    status: Status
    revision: int
    created_at: datetime


class Record(_Frozen):
    """A batch: what was ordered and planned, and every revision since."""

    lot_number: str
    created_at: datetime
    status: Status
    revision: int
    order: Order
    plan: Plan
    profile: Profile
    revisions: list[Revision]

    @property
    def bench(self) -> BenchEntry | None:
        """The bench entry as it reads now (the latest entry or correction)."""
        for revision in reversed(self.revisions):
            if revision.action in ("bench", "correction") and revision.data is not None:
                return BenchEntry.model_validate(revision.data["bench"], context=STORED)
        return None

    @property
    def acknowledgements(self) -> list[Acknowledgement]:
        """Those in the order, then those given since, one per code."""
        given = {a.code: a for a in self.order.acknowledgements}
        for revision in self.revisions:
            if revision.action == "acknowledgement" and revision.data is not None:
                ack = Acknowledgement.model_validate(revision.data)
                given.setdefault(ack.code, ack)
        return list(given.values())

    @property
    def unacknowledged(self) -> list[Finding]:
        """Critical findings of the plan that no pharmacist has acknowledged yet."""
        done = {a.code for a in self.acknowledgements}
        return [f for f in self.plan.findings
                if f.severity.value == "critical" and f.code not in done]

    def labelled_order(self) -> Order:
        """The order with every acknowledgement given, as the label is printed from."""
        return self.order.model_copy(update={"acknowledgements": self.acknowledgements})

    def order_for_label(self) -> Order:
        """:meth:`labelled_order`, for a verified batch only (``BATCH_NOT_VERIFIED``, 409)."""
        check_label_allowed(self.status, self.lot_number)
        return self.labelled_order()

    @property
    def flags(self) -> list[Finding]:
        """Capsules outside the acceptance range, as of the current bench entry."""
        for revision in reversed(self.revisions):
            if revision.data is not None and "flags" in revision.data:
                return [Finding.model_validate(f) for f in revision.data["flags"]]
        return []
