"""The executed compounding record: what the bench did to one batch, as printed (domain.md §13).

Plain data that a kept record gives to the document that prints it
(:func:`compounding.documents.executed_record_pdf`): the bench entry as it reads now, the
bench's findings, what it made (the strength and the BUD worked out again from the lots used),
the signatures with their meaning and time, and every step of the record's history. USP <795>
(2023) compounding record: actual amounts, lots and expiries, QC results, the person who
compounded and the pharmacist who verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction

from compounding.bench.liquid_entry import LiquidBenchEntry
from compounding.bench.results import BenchEntry
from compounding.screening.findings import Acknowledgement, Finding


@dataclass(frozen=True, slots=True)
class Signature:
    """A signature as the record keeps it: who, their licence, what it means, when (UTC)."""

    name: str
    licence: str | None
    meaning: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Step:
    """One revision of the record: its number, the action, the state after it, who did it,
    when (UTC) and why."""

    number: int
    action: str
    status: str
    author: str
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Executed:
    """One batch as the bench made it (``bench``: a capsule batch's entry, or an oral liquid's).
    ``strength_made`` [mg per capsule; mg/mL for an oral liquid] is ``None`` for a
    record kept before the bench results were reconciled; ``compounded_on`` is the pharmacy's
    day of the bench work; ``acknowledgements`` are the signed ones, by finding id."""

    lot: str
    status: str
    bench: BenchEntry | LiquidBenchEntry
    findings: tuple[Finding, ...]
    strength_made: Fraction | None
    compounded_on: date
    beyond_use_date: date
    beyond_use_rationale: str
    acknowledgements: tuple[Acknowledgement, ...]
    signatures: tuple[Signature, ...]
    history: tuple[Step, ...]

    def acknowledgement_of(self, finding: Finding) -> Acknowledgement | None:
        """The signed acknowledgement of ``finding``, by its id."""
        return next((a for a in self.acknowledgements if a.finding == finding.id), None)
