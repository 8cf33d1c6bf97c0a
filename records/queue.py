"""The work queue: what each batch on the bench or the shelf waits for, as a pharmacy's counter
software shows it (work queue tabs with counts, newest first).

A batch is in every tab whose step it waits for:

- ``compound``: new or printed, no bench results yet;
- ``correct``: rejected, or bench results that keep it from release (domain.md §12:
  strength made or tablets out of range, :data:`compounding.bench.results.NOT_RELEASABLE`);
- ``acknowledge``: a critical finding no pharmacist has acknowledged yet (§11);
- ``verify``: compounded and releasable, waiting for the pharmacist's signature (§6);
- ``label``: verified, no dispensing label printed yet;
- ``expiring``: verified and on the shelf, its beyond-use date within :data:`EXPIRING_DAYS`
  days (§5).

Archived (imported) and scrapped batches wait for nothing. Each batch is read through
:meth:`.store.Store.get`, so a record whose history does not hold together shows as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select

from compounding.bench.results import NOT_RELEASABLE
from compounding.display import show

from .rows import KIT_OF_BATCH
from .schema import audit_events, batches, events

EXPIRING_DAYS = 7
ACTIVE = ("printed", "compounded", "rejected", "verified")
TABS = ("compound", "correct", "acknowledge", "verify", "label", "expiring")
LIMIT = 300
"""The newest batches the queue looks at [batches]: more waiting than this is a backlog the
records search lists in full."""


@dataclass(frozen=True, slots=True)
class Waiting:
    """A batch as the queue lists it."""

    lot: str
    status: str
    created_at: datetime
    patient: str | None
    rx_number: str | None
    strength_mg: Fraction
    capsules: int | None
    """Capsules dispensed; ``None`` for an oral liquid (its ``quantity`` says the volume)."""
    beyond_use_date: date
    critical: int
    labels_printed: int
    tabs: tuple[str, ...] = field(default=())
    worksheet_printed: bool = True
    quantity: str = ""
    """What is dispensed, in words: ``30 capsules``, or ``135 mL of 1 mg/mL``."""
    kit_id: int | None = None
    """The titration kit the batch is one strength of, if any."""

    @property
    def shown_status(self) -> str:
        """The status in a person's words: a batch is ``new`` until its worksheet is printed
        (the API's ``printed`` is the state the record was created in)."""
        return "new" if self.status == "printed" and not self.worksheet_printed else self.status


def _tabs(record: Any, labels: int, today: date) -> tuple[str, ...]:
    tabs = []
    blocked = any(f.code in NOT_RELEASABLE for f in record.flags)
    if record.status == "printed":
        tabs.append("compound")
    if record.status == "rejected" or (record.status == "compounded" and blocked):
        tabs.append("correct")
    if record.unacknowledged:
        tabs.append("acknowledge")
    if record.status == "compounded" and not blocked:
        tabs.append("verify")
    if record.status == "verified" and labels == 0:
        tabs.append("label")
    if record.status == "verified" and record.beyond_use_date <= today + timedelta(
            days=EXPIRING_DAYS):
        tabs.append("expiring")
    return tuple(tabs)


def _dispensed(record: Any) -> dict[str, Any]:
    """The strength and the quantity of a batch as the queue shows them: the strength made
    [mg per capsule] once the bench has entered it, else d, and the capsules dispensed; for an
    oral liquid, the dose d [mg] and the volume dispensed at its concentration ("135 mL of
    1 mg/mL")."""
    plan, made = record.plan, record.made
    if plan.form == "oral_liquid":
        return {"strength_mg": Fraction(plan.strength), "capsules": None,
                "quantity": f"{show(plan.volume, 2)} mL of {show(plan.concentration)} mg/mL"}
    return {"strength_mg": Fraction(made.strength_mg if made else plan.strength),
            "capsules": plan.capsules_dispensed,
            "quantity": f"{plan.capsules_dispensed} capsules"}


def work_queue(store: Any, today: date, limit: int = LIMIT) -> dict[str, list[Waiting]]:
    """Every tab of :data:`TABS` with the batches waiting in it, newest first."""
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(batches.c.id, batches.c.lot_number, KIT_OF_BATCH)
            .where(batches.c.status.in_(ACTIVE), batches.c.archived == 0)
            .order_by(batches.c.id.desc()).limit(limit)).all()
        printed = dict(connection.execute(
            select(events.c.batch_id, func.count()).where(
                events.c.action == "label", events.c.batch_id.in_([r.id for r in rows]))
            .group_by(events.c.batch_id)).all())
        sheets = {target for (target,) in connection.execute(
            select(audit_events.c.target).distinct().where(
                audit_events.c.action == "worksheet_print",
                audit_events.c.target.in_([r.lot_number for r in rows])))}
    queue: dict[str, list[Waiting]] = {tab: [] for tab in TABS}
    for row in rows:
        record = store.get(row.lot_number)
        labels = printed.get(row.id, 0)
        item = Waiting(
            lot=record.lot_number, status=record.status, created_at=record.created_at,
            patient=record.order.patient.name if record.order.patient else None,
            rx_number=record.order.rx_number, beyond_use_date=record.beyond_use_date,
            critical=len(record.unacknowledged), labels_printed=labels,
            tabs=_tabs(record, labels, today),
            worksheet_printed=record.lot_number in sheets, kit_id=row.kit_id,
            **_dispensed(record))
        for tab in item.tabs:
            queue[tab].append(item)
    return queue
