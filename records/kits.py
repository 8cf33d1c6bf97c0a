"""A titration kit as the records keep it: the kit order and its plan, and one batch record per
strength (:class:`Kit`), with the kit's status worked out from its batches.

A kit is ``released`` when every batch in it is verified, its history holds together and it is
not archived; until then it is ``open``, and ``held`` says which batch keeps it back and why
(not compounded yet, waiting for verification, rejected, scrapped...). The status is never
stored: it follows from the batches' own records, each kept and chained as any batch is
(:mod:`.chain`), and from the kit's own link in the ``kits`` chain (:func:`kit_digest`), so it
cannot say released while a batch in it is not verified.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from compounding.bench.results import Status
from compounding.display import show
from compounding.orders.kit import KitOrder, KitStepPlan
from compounding.orders.types import MassOut
from compounding.screening.findings import Finding

from .chain import digest
from .models import STORED, Record
from .reading import aware

KitStatus = Literal["open", "released"]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KitBatch(_Frozen):
    """One strength of a kit: its batch's ``lot_number`` and ``status``, the ``strength`` [mg
    per capsule] in ``shell_colour`` shells, the ``capsules`` dispensed, the step lines it
    serves (``kit_steps``), and ``held``: why it keeps the kit from release (``None`` once it is
    verified and dispensable)."""

    lot_number: str
    status: Status
    strength: MassOut
    shell_colour: str | None
    capsules: int
    kit_steps: list[str]
    held: str | None


class Kit(_Frozen):
    """A titration kit: its number (``id``), when and by whom it was made, its ``status``
    (``open`` or ``released``) and what ``held`` it back, the schedule's first day
    (``start_on``), the ``schedule`` step by step with its dates, the ``kit_directions`` the
    kit label prints, ``days_supply`` [days], ``daily_dose`` (the highest step's) [mg], the
    kit's own ``findings``, its ``batches`` (lowest strength first) and the kit ``order`` as
    kept. ``chain_problem``: the kit's own record does not hold together (altered outside the
    workbench); such a kit is never released."""

    id: int
    created_at: datetime
    author: str | None
    author_id: int | None
    status: KitStatus
    held: list[str]
    start_on: date
    schedule: list[KitStepPlan]
    kit_directions: list[str]
    days_supply: int
    daily_dose: MassOut
    findings: list[Finding]
    batches: list[KitBatch]
    order: KitOrder
    chain_problem: str | None = None

    @property
    def lots(self) -> list[str]:
        """The lot numbers of its batches, lowest strength first."""
        return [b.lot_number for b in self.batches]


WAITING = {"printed": "not compounded yet", "compounded": "waiting for a pharmacist's "
                                                          "verification",
           "rejected": "rejected at verification: correct its bench entry and have it "
                       "verified again",
           "scrapped": "scrapped: this kit can no longer be released; make a new kit"}
"""Why a batch in each status keeps its kit from release, in words."""


def held_by(record: Record) -> str | None:
    """Why ``record`` keeps its kit from release, or ``None`` when it is verified, its
    history holds together and it is not archived."""
    if record.chain_problem:
        return f"its record has been altered outside the workbench ({record.chain_problem})"
    if record.archived:
        return "it is an archived record, never dispensed"
    return WAITING.get(record.status)


def kit_batch(record: Record) -> KitBatch:
    """A kit's batch as the kit shows it."""
    plan = record.plan
    return KitBatch(lot_number=record.lot_number, status=record.status,
                    strength=plan.strength, shell_colour=getattr(plan, "shell_colour", None),
                    capsules=getattr(plan, "capsules_dispensed", 0),
                    kit_steps=list(getattr(plan, "kit_steps", None) or []),
                    held=held_by(record))


def kit_of(row: Any, plan: Any, records: list[Record], chain_problem: str | None) -> Kit:
    """The kit of ``row`` (a ``kits`` row), its ``plan`` (a
    :class:`compounding.orders.kit.KitPlan`) and its batches' ``records``."""
    batches = [kit_batch(r) for r in records]
    held = [f"{show(b.strength)} mg ({b.shell_colour or 'capsules'}), lot {b.lot_number}: "
            f"{b.held}" for b in batches if b.held]
    if chain_problem:
        held.insert(0, f"the kit's own record does not hold together: {chain_problem}")
    if not batches:
        held.append("the kit has no batches")
    return Kit(id=row.id, created_at=aware(row.created_at), author=row.author,
               author_id=row.author_id, status="open" if held else "released", held=held,
               start_on=row.start_on, schedule=plan.schedule,
               kit_directions=plan.kit_directions, days_supply=plan.days_supply,
               daily_dose=plan.daily_dose, findings=plan.findings, batches=batches,
               order=KitOrder.model_validate_json(row.order_json, context=STORED),
               chain_problem=chain_problem)


def labelled_kit_order(kit: Kit, records: list[Record]) -> KitOrder:
    """The kit's order with the acknowledgements signed on its batches' records (a finding
    every strength has, such as an opioid taken with naltrexone, is signed for on each), as
    the kit's documents print it."""
    signed = {a.finding: a for record in records for a in record.acknowledgements}
    return kit.order.model_copy(update={"acknowledgements": list(signed.values())})


def kit_digest(key: bytes, prev: str, row: Any, lots: list[str]) -> str:
    """The digest of a kit's row (number, time, author, order, plan, first day) and the lot
    numbers of its batches in their order, linked to ``prev`` (the kit before it)."""
    start = row.start_on.isoformat() if isinstance(row.start_on, date) else str(row.start_on)
    return digest(key, "kit", prev, row.id, row.created_at, row.author, row.author_id,
                  row.order_json, row.plan_json, start, list(lots))
