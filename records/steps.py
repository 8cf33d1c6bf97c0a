"""The steps a stored batch goes through after it is created: bench results, corrections,
a pharmacist's verification or rejection, acknowledgements and scrap, each one revision
appended in one transaction, guarded by the revision it expects (``STALE_REVISION``); a
signature names the revision it signs (``If-Match``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, insert, select, update

from compounding import clock
from compounding.bench.liquid_results import LiquidBenchEntry, LiquidCorrection
from compounding.bench.results import (
    TRANSITIONS,
    Action,
    BenchEntry,
    Correction,
    FindingAcknowledgement,
    Scrap,
    Verification,
    check_release_allowed,
    check_transition,
    check_verification,
)
from compounding.errors import ErrorDetail
from compounding.forms import form_of
from compounding.plan import match_acknowledgement
from compounding.screening.findings import Acknowledgement
from compounding.screening.review import Review

from .chain import revision_digest
from .heads import append_events
from .models import Author, Record, archived_error, bench_model, correction_model
from .rows import (
    Conflict,
    _bench_lots,
    _event,
    _find,
    _parse,
    _require_expected,
)
from .schema import (
    batch_lots,
    batches,
    revisions,
)


class BatchSteps:
    """The steps of :class:`.store.Store` that append a revision."""

    engine: Engine
    key: bytes
    _writes: Engine
    bench_checks: list[Callable[[BenchEntry | LiquidBenchEntry, str], None]]

    if TYPE_CHECKING:
        def get(self, lot: str, *, history: bool = False) -> Record: ...

        def _live(self, lot: str) -> Record: ...

        def checkpoint(self) -> None: ...

    def _append(self, lot: str, action: Action, expected: int | None, author: Author,
                reason: str | None, data: dict[str, Any], status: str | None = None,
                lots: list[tuple[str, str]] | None = None,
                meaning: str | None = None) -> Record:
        """Append a revision and move the head, in one transaction; the revision links to the
        one before it. ``meaning`` makes the step a signature of the record as it stood
        (security.md): the signer, their licence, what the signature means, the server's time
        and the digest of the revision signed."""
        with self._writes.begin() as connection:
            row = _find(connection, lot, (batches.c.id, batches.c.status, batches.c.revision,
                                          batches.c.archived))
            if row.archived:
                raise Conflict([archived_error(lot, "it takes no further step")])
            check_transition(action, row.status)
            if expected is not None and expected != row.revision:
                raise Conflict([ErrorDetail(
                    "STALE_REVISION", "revision",
                    f"the record is at revision {row.revision}, not {expected}: someone saved "
                    f"it meanwhile; reload it")])
            new_status = status or TRANSITIONS[action][1] or row.status
            number = row.revision + 1
            moved = connection.execute(
                update(batches).where(batches.c.id == row.id,
                                      batches.c.revision == row.revision)
                .values(revision=number, status=new_status)).rowcount
            if moved != 1:  # another writer moved the head between our read and write
                raise Conflict([ErrorDetail("STALE_REVISION", "revision",
                                            "the record changed meanwhile; reload it")])
            prev = connection.execute(select(revisions.c.hash).where(
                revisions.c.batch_id == row.id, revisions.c.number == row.revision)).scalar_one()
            now = clock.now()
            if meaning is not None:
                data = {**data, "signature": {
                    "user_id": author.user_id, "name": author.name, "licence": author.licence,
                    "meaning": meaning, "at": now.isoformat(), "signed_revision": row.revision,
                    "signed_hash": prev}}
            entry = SimpleNamespace(
                number=number, action=action, status=new_status, author=author.name,
                author_id=author.user_id, signed_in=1, at=now, reason=reason,
                data_json=json.dumps(data, ensure_ascii=False, sort_keys=True))
            link = revision_digest(self.key, prev, entry)
            connection.execute(insert(revisions).values(
                batch_id=row.id, **vars(entry), prev_hash=prev, hash=link))
            if lots:
                connection.execute(insert(batch_lots), [
                    {"batch_id": row.id, "component": c, "lot": lot_} for c, lot_ in lots])
            append_events(connection, self.key, [_event(row.id, entry, link)])
        self.checkpoint()
        return self.get(lot)

    def enter_bench(self, lot: str, entry: BenchEntry | LiquidBenchEntry | Mapping[str, Any],
                    author: Author, expected: int | None = None) -> Record:
        """Record what was done at the bench (the entry of the batch's dosage form: capsules,
        or an oral liquid), reconciled against the plan."""
        record = self.get(lot)
        parsed = _parse(bench_model(record.plan), entry)
        for check in self.bench_checks:
            check(parsed, "")
        record.check_live()
        data = _reconciled(parsed, record)
        return self._append(lot, "bench", expected, author, None, data,
                            lots=_bench_lots(parsed))

    def correct(self, lot: str,
                correction: Correction | LiquidCorrection | Mapping[str, Any],
                author: Author, expected: int | None = None) -> Record:
        """A corrected bench entry, as a new revision saying who and why."""
        record = self.get(lot)
        parsed = _parse(correction_model(record.plan), correction)
        for check in self.bench_checks:
            check(parsed.bench, "bench")
        record.check_live()
        data = _reconciled(parsed.bench, record)
        return self._append(lot, "correction", expected, author, parsed.reason,
                            data, lots=_bench_lots(parsed.bench))

    def verify(self, lot: str, verification: Verification | Mapping[str, Any],
               signer: Author, *, expected: int | None,
               allow_self_verification: bool = False,
               account_change_window_days: int = 90) -> Record:
        """A pharmacist's signature approving (``verified``) or rejecting (``rejected``) a
        compounded batch; not by whoever entered its bench results (by user id), nor by whoever
        created, reset or changed the roles of their account in the last
        ``account_change_window_days`` [days], unless the pharmacy allows it, and then the
        signature says so."""
        verification = _parse(Verification, verification)
        _require_expected(expected)
        record = self._live(lot)
        check_transition("verification", record.status)
        authors = record.bench_authors()
        managed = self._managed(authors, signer.user_id, account_change_window_days)
        check_verification(verification, authors, signer.user_id, allow_self_verification,
                           managed)
        if verification.decision == "approve":
            check_release_allowed(record.unacknowledged, record.flags)
        status = "verified" if verification.decision == "approve" else "rejected"
        meaning = "approved batch" if status == "verified" else "rejected batch"
        if signer.user_id in authors:
            meaning += " (self-verification, allowed by the pharmacy's profile)"
        elif managed:
            done = "; ".join(", ".join(words) for words in managed.values())
            meaning += (f" (by the manager of the bench author's account: {done}; allowed by "
                        "the pharmacy's profile)")
        return self._append(lot, "verification", expected, signer, verification.reason,
                            verification.model_dump(mode="json"), status, meaning=meaning)

    def _managed(self, authors: set[int], signer_id: int | None,
                 window_days: int) -> dict[int, list[str]]:
        """What the signer did to each bench author's account in the window, in words."""
        from .accounts import account_changes

        if signer_id is None or window_days <= 0:
            return {}
        since = clock.now() - timedelta(days=window_days)
        with self.engine.connect() as connection:
            done = {author: account_changes(connection, author, signer_id, since)
                    for author in authors if author != signer_id}
        return {author: words for author, words in done.items() if words}

    def acknowledge(self, lot: str, acknowledgement: FindingAcknowledgement | Mapping[str, Any],
                    signer: Author, *, expected: int | None) -> Record:
        """A pharmacist's signature acknowledging a critical finding (the label needs it)."""
        acknowledgement = _parse(FindingAcknowledgement, acknowledgement)
        _require_expected(expected)
        record = self._live(lot)
        review = Review()
        critical = [f for f in (*record.plan.findings, *record.flags) if f.severity.rank == 2]
        finding = match_acknowledgement(review, critical, Acknowledgement(
            finding=acknowledgement.finding, code=acknowledgement.code, pharmacist="-",
            reason=acknowledgement.reason), "acknowledgement")
        if finding is not None and finding.id not in {f.id for f in record.unacknowledged}:
            review.error("UNKNOWN_ACKNOWLEDGEMENT", "finding",
                         f"{finding.id} is acknowledged already")
        review.raise_errors()
        assert finding is not None
        return self._append(lot, "acknowledgement", expected, signer, acknowledgement.reason,
                            {"finding": finding.id, "code": finding.code,
                             "field": finding.field},
                            meaning=f"acknowledged {finding.id}")

    def scrap(self, lot: str, scrap: Scrap | Mapping[str, Any], signer: Author, *,
              expected: int | None) -> Record:
        """A signature taking a batch out of use, with why."""
        scrap = _parse(Scrap, scrap)
        _require_expected(expected)
        return self._append(lot, "scrap", expected, signer, scrap.reason, {},
                            meaning="scrapped batch")


def _reconciled(entry: BenchEntry | LiquidBenchEntry, record: Record) -> dict[str, Any]:
    """What a bench entry's revision keeps: the entry, its findings, and what the bench made
    (strength as an exact fraction, the day of the work, the BUD from the lots used), by the
    batch's dosage form (:meth:`compounding.forms.DosageForm.reconcile`)."""
    result = form_of(record.plan.form).reconcile(entry, record.plan, record.order,
                                                 record.profile.settings)
    return {"bench": entry.model_dump(mode="json", exclude_none=True),
            "flags": [f.model_dump(mode="json") for f in result.findings],
            "made": {"strength": str(result.strength_made),
                     "ratio": str(result.strength_ratio),
                     "compounded_on": result.compounded_on.isoformat(),
                     "beyond_use_date": result.beyond_use_date.isoformat(),
                     "beyond_use_rationale": result.beyond_use_rationale}}
