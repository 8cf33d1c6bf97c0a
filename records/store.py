"""The compounding records store: create, complete, verify, scrap, search, recall.

Every change is one transaction that appends a revision and moves the batch's head pointer,
guarded by the revision number it expects, so two people saving at once cannot overwrite each
other (``STALE_REVISION``). Lot numbers ``YYYYMMDD-NNN`` come from a per-day counter incremented
in the same transaction as the record, so a number is never given twice and never lost.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError

from compounding import clock
from compounding.bench import (
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
from compounding.clock import today
from compounding.errors import ErrorDetail, OrderError
from compounding.findings import Acknowledgement
from compounding.lot_grammar import is_automatic, normal_lot
from compounding.models import Order, Plan
from compounding.orders import parse_order, validation_errors
from compounding.plan import match_acknowledgement, plan_of, work_out
from compounding.profile import Pharmacy, Profile
from compounding.reconciliation import reconcile
from compounding.review import Review

from .chain import batch_digest, key_check, revision_digest, same
from .checkpoints import Checkpoints
from .db import make_engine, writer
from .feed import label_printed, read_events
from .heads import append_events
from .history import chain_problems
from .migrate import upgrade
from .models import STORED, Author, Event, Record, Summary, archived_error
from .reading import aware, load_record
from .schema import (
    batch_lots,
    batches,
    chain_heads,
    idempotency_keys,
    lot_counters,
    pharmacy_settings,
    revisions,
    service_health,
)

M = TypeVar("M", bound=BaseModel)


class RequestKey(NamedTuple):
    """An idempotent request: ``scope`` (what it creates), the client's ``key``, and the
    SHA-256 ``digest`` of its body."""

    scope: str
    key: str
    digest: str


class WrongKey(RuntimeError):
    """The records were chained under another key than the one given: ``chain.key`` (or
    ``COMPOUNDING_CHAIN_KEY``) was lost or replaced."""

    refuses_start = True

    def __init__(self) -> None:
        super().__init__(
            "these records were chained under another chain key than the one found: the "
            "chain key (chain.key in the data folder, or COMPOUNDING_CHAIN_KEY) was lost or "
            "replaced. Restore the chain.key of the backup made with these records into the "
            "data folder, or set COMPOUNDING_CHAIN_KEY to it; nothing was started, and no "
            "record was read as tampered.")


class RecordNotFound(OrderError):
    """No batch has that lot number (HTTP 404)."""

    status = 404


class Conflict(OrderError):
    """The change conflicts with the record as stored (HTTP 409)."""

    status = 409


PATIENT_KEY_CHARS = 160
"""A patient's search key is at most this long [characters]: NFKC and case folding can make a
120-character name several times longer, and the key column holds 160."""


def patient_key(name: str | None) -> str:
    """A patient name as searched: case, composition and spacing folded, invisible characters
    dropped and a word that mixes Latin, Greek and Cyrillic letters written in its main script
    ("Jоhn" with a Cyrillic о is "john"; :func:`compounding.confusables.unconfused`); at most 160
    characters (a longer key is searched by its first 160, which still finds the name)."""
    from compounding.confusables import unconfused

    text = unconfused(unicodedata.normalize("NFKC", name or ""))
    return " ".join(text.casefold().split())[:PATIENT_KEY_CHARS]


def _lots(order: Order) -> list[tuple[str, str]]:
    pairs = [("source", order.source.lot), ("filler", order.filler.lot),
             ("capsule", order.capsule.lot)]
    return [(component, lot) for component, lot in pairs if lot]


def _bench_lots(entry: BenchEntry) -> list[tuple[str, str]]:
    pairs = [("source", entry.source_lot), ("filler", entry.filler_lot),
             ("capsule", entry.capsule_lot)]
    return [(component, lot) for component, lot in pairs if lot]


class Store:
    """Compounding records in one database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, key: bytes,
                 checkpoints: Checkpoints | None = None) -> None:
        self.engine = engine
        self.key = key
        self.checkpoints = checkpoints
        """Where the chains' heads are written after each change (``None``: nowhere; a store
        opened on a data folder keeps them beside its chain key)."""
        self._writes = writer(engine)
        self.checks: list[Callable[[Order, Profile], None]] = []
        """Run on every order before it is kept; each raises to refuse it (the web app adds
        the documents' check that every character can be printed)."""
        self.bench_checks: list[Callable[[BenchEntry, str], None]] = []
        """The same for a bench entry, with the path its fields are named under ("" for a
        bench entry, ``bench`` inside a correction)."""

    @classmethod
    def open(cls, url: str, key: bytes, *, migrate: bool = True,
             folder: str | os.PathLike[str] | None = None) -> Store:
        """The store of ``url``, its history chained under ``key`` (:mod:`.chain`), with its
        checkpoints in ``folder`` (the chain key's). :class:`WrongKey` when the records were
        chained under another key."""
        store = cls(make_engine(url), key,
                    Checkpoints(folder, key) if folder is not None else None)
        try:
            store.check_key()
            if migrate:
                upgrade(store.engine, key)
                store.check_key()
        except WrongKey:
            store.engine.dispose()
            raise
        return store

    def check_key(self) -> None:
        """:class:`WrongKey` unless the records were chained under this store's key: the key's
        check kept in the database, or (kept before there was one) the first revision's link."""
        with self.engine.connect() as connection:
            try:
                kept = connection.execute(select(chain_heads.c.hash)
                                          .where(chain_heads.c.name == "key")).scalar()
                first = None if kept is not None else connection.execute(
                    select(batches, revisions.c.number, revisions.c.action,
                           revisions.c.status.label("r_status"), revisions.c.author,
                           revisions.c.author_id, revisions.c.signed_in, revisions.c.at,
                           revisions.c.reason, revisions.c.data_json, revisions.c.hash)
                    .join(revisions, revisions.c.batch_id == batches.c.id)
                    .where(revisions.c.number == 1, revisions.c.hash.is_not(None))
                    .limit(1)).first()
            except DBAPIError:  # a new database, or one from before the chain: nothing to check
                return
        if kept is not None:
            if not same(kept, key_check(self.key)):
                raise WrongKey()
        elif first is not None:
            entry = SimpleNamespace(**{**first._mapping, "status": first.r_status})
            if not same(first.hash, revision_digest(self.key, batch_digest(self.key, first),
                                                    entry)):
                raise WrongKey()

    def _upsert_counter(self, day: date):
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(lot_counters).values(day=day, last=1)
        return statement.on_conflict_do_update(
            index_elements=[lot_counters.c.day], set_={"last": lot_counters.c.last + 1},
        ).returning(lot_counters.c.last)

    def _next_lot(self, connection: Any, on: date) -> tuple[str, int]:
        """The next free ``YYYYMMDD-NNN`` of day ``on``. The counter row is locked by the
        upsert until the transaction ends; a number an older record took by hand is skipped."""
        for _ in range(10_000):
            seq = connection.execute(self._upsert_counter(on)).scalar_one()
            lot = f"{on:%Y%m%d}-{seq:03d}"
            taken = connection.execute(select(batches.c.id)
                                       .where(batches.c.lot_number == lot)).first()
            if taken is None:
                return lot, seq
        raise Conflict([ErrorDetail("LOT_NUMBER_TAKEN", "lot_number",
                                    f"no free lot number is left for {on.isoformat()}")])

    # -- creating ---------------------------------------------------------------------------

    def create(self, order: Order | Mapping[str, Any], profile: Profile, author: Author, *,
               request: RequestKey | None = None) -> Record:
        """Plan the order and keep it as a new batch with its lot number (the worksheet's).

        The order's own ``lot_number`` is kept when given (``LOT_NUMBER_TAKEN`` if another
        batch has it; ``LOT_NUMBER_RESERVED`` if it has the counter's ``YYYYMMDD-NNN`` form);
        otherwise the next ``YYYYMMDD-NNN`` of the compounding date (the pharmacy's date) is
        assigned, skipping any number an older record already holds.

        ``request`` makes the create idempotent: a request key seen before with the same body
        digest returns the batch it made (nothing new is written); with another digest it is
        409 ``IDEMPOTENCY_KEY_REUSED``. The key is kept in the batch's own transaction.
        """
        order = parse_order(order)
        if order.acknowledgements:
            raise OrderError([ErrorDetail(
                "ACKNOWLEDGE_BY_SIGNATURE", "acknowledgements",
                "a batch record's critical findings are acknowledged on its page, each by a "
                "pharmacist's signature, not typed into the order")])
        if order.lot_number and is_automatic(order.lot_number):
            raise OrderError([ErrorDetail(
                "LOT_NUMBER_RESERVED", "lot_number",
                f"{order.lot_number} has the form YYYYMMDD-NNN that the records give out "
                f"themselves; leave the lot number empty, or use another form")])
        on = order.compounded_on or today(profile.settings.time_zone)
        # what is kept is what is printed: the order as its JSON reads back, planned before
        # the transaction so that the write lock is held only for the writes
        canonical = Order.model_validate_json(
            order.model_copy(update={"compounded_on": on}).model_dump_json())
        plan = plan_of(work_out(canonical, profile.settings))  # invalid orders stop here
        for check in self.checks:
            check(canonical, profile)
        name = canonical.patient.name if canonical.patient else None
        now = clock.now()
        if request is not None:
            made = self._made_by(request)
            if made is not None:
                return made
        try:
            return self._insert_new(canonical, plan, profile, name, now, author, request)
        except IntegrityError:
            made = self._made_by(request) if request is not None else None
            if made is None:
                raise
            return made  # the same request, made at the same moment by another worker

    def _made_by(self, request: RequestKey) -> Record | None:
        """The batch an earlier request with this key made, or ``None``."""
        with self.engine.connect() as connection:
            prior = connection.execute(
                select(idempotency_keys.c.request_hash, idempotency_keys.c.lot_number)
                .where(idempotency_keys.c.scope == request.scope,
                       idempotency_keys.c.key == request.key)).first()
        if prior is None:
            return None
        if prior.request_hash != request.digest:
            raise Conflict([ErrorDetail(
                "IDEMPOTENCY_KEY_REUSED", 'headers["Idempotency-Key"]',
                f"this key already made batch {prior.lot_number} from another request; use a "
                f"new key for a new batch")])
        return self.get(prior.lot_number)

    def _insert_new(self, canonical: Order, plan: Plan, profile: Profile, name: str | None,
                    now: datetime, author: Author, request: RequestKey | None) -> Record:
        plan_json, profile_json = plan.model_dump_json(), profile.model_dump_json()
        on = canonical.compounded_on
        assert on is not None
        with self._writes.begin() as connection:
            if canonical.lot_number:
                lot, seq = canonical.lot_number, None
            else:
                lot, seq = self._next_lot(connection, on)
            stored = canonical.model_copy(update={"lot_number": lot})
            try:
                with connection.begin_nested():  # a savepoint: the transaction outlives it
                    batch_id = connection.execute(insert(batches).values(
                        lot_number=lot, lot_date=on, lot_seq=seq, created_at=now,
                        patient_key=patient_key(name), patient_name=name,
                        rx_number=stored.rx_number, **_identifiers(stored),
                        order_json=stored.model_dump_json(), plan_json=plan_json,
                        profile_json=profile_json, status="printed", revision=1,
                    ).returning(batches.c.id)).scalar_one()
            except IntegrityError:
                taken = connection.execute(select(batches.c.id)
                                           .where(batches.c.lot_number == lot)).first()
                if taken is None:
                    raise
                raise Conflict([ErrorDetail("LOT_NUMBER_TAKEN", "lot_number",
                                            f"another batch already has lot {lot}")]) from None
            content = SimpleNamespace(lot_number=lot, lot_date=on, created_at=now,
                                      order_json=stored.model_dump_json(), plan_json=plan_json,
                                      profile_json=profile_json)
            first = SimpleNamespace(number=1, action="printed", status="printed",
                                    author=author.name, author_id=author.user_id, signed_in=1,
                                    at=now, reason=None, data_json="{}")
            prev = batch_digest(self.key, content)
            link = revision_digest(self.key, prev, first)
            connection.execute(insert(revisions).values(
                batch_id=batch_id, **vars(first), prev_hash=prev, hash=link))
            lots = _lots(stored)
            if lots:
                connection.execute(insert(batch_lots), [
                    {"batch_id": batch_id, "component": c, "lot": lot_} for c, lot_ in lots])
            if request is not None:
                connection.execute(insert(idempotency_keys).values(
                    scope=request.scope, key=request.key, request_hash=request.digest,
                    lot_number=lot, created_at=now))
            append_events(connection, self.key, [_event(batch_id, first, link)])
        self.checkpoint()
        return self.get(lot)

    # -- reading ----------------------------------------------------------------------------

    def get(self, lot: str, *, history: bool = False) -> Record:
        """The record of ``lot`` (``RecordNotFound`` otherwise), its whole chain checked
        against its head (:func:`.reading.load_record`): every revision's summary, and the data
        of those the record shows (the bench entry as it reads now, verifications,
        acknowledgements, scrap). ``history=True`` also parses every earlier bench entry
        (export, the revisions API)."""
        with self.engine.connect() as connection:
            return load_record(connection, self.key, _find(connection, lot, (batches,)),
                               history=history)

    def _live(self, lot: str) -> Record:
        """The record of ``lot``, which must not be archived (``RECORD_ARCHIVED``)."""
        record = self.get(lot)
        record.check_live()
        return record

    def label_printed(self, lot: str, user_id: int | None) -> None:
        """Note in the change feed that a dispensing label of ``lot`` was printed."""
        label_printed(self._writes, self.key, lot, user_id)
        self.checkpoint()

    def checkpoint(self) -> None:
        """A checkpoint of the chains' heads, when this store keeps them (:mod:`.checkpoints`)."""
        if self.checkpoints is not None:
            self.checkpoints.write(self.engine)

    def events(self, after: int = 0, limit: int = 100) -> tuple[list[Event], int]:
        """The change feed after ``after`` (:func:`compounding.records.feed.read_events`)."""
        return read_events(self.engine, self.key, after, limit)

    def search(self, *, patient: str | None = None, rx_number: str | None = None,
               lot_number: str | None = None, date_from: date | None = None,
               date_to: date | None = None, status: str | None = None,
               source_lot: str | None = None, filler_lot: str | None = None,
               patient_id: str | None = None, prescription_id: str | None = None,
               limit: int = 50, offset: int = 0) -> list[Summary]:
        """Batches matching every criterion given, newest first. ``patient`` matches the
        start of the name, any case; Rx numbers match exactly; lots match in their normal
        form (:func:`compounding.lot_grammar.normal_lot`), so any spelling finds them."""
        conditions = []
        if patient:
            key = patient_key(patient)
            conditions.append(and_(batches.c.patient_key >= key,
                                   batches.c.patient_key < key + "\U0010ffff"))
        if rx_number:
            conditions.append(batches.c.rx_number == rx_number)
        if patient_id:
            conditions.append(batches.c.patient_id == patient_id)
        if prescription_id:
            conditions.append(batches.c.prescription_id == prescription_id)
        if lot_number:
            conditions.append(batches.c.lot_number == normal_lot(lot_number))
        if date_from:
            conditions.append(batches.c.lot_date >= date_from)
        if date_to:
            conditions.append(batches.c.lot_date <= date_to)
        if status:
            conditions.append(batches.c.status == status)
        for component, lot in (("source", source_lot), ("filler", filler_lot)):
            if lot:
                used = select(batch_lots.c.batch_id).where(
                    batch_lots.c.component == component, batch_lots.c.lot == normal_lot(lot))
                conditions.append(batches.c.id.in_(used))
        # the page's ids first, from the indexes alone; then only those rows are read
        page = (select(batches.c.id).where(*conditions).order_by(batches.c.id.desc())
                .limit(limit).offset(offset))
        query = (select(*SUMMARY_COLUMNS).where(batches.c.id.in_(page))
                 .order_by(batches.c.id.desc()))
        with self.engine.connect() as connection:
            return [_summary(r) for r in connection.execute(query)]

    def recall(self, *, source_lot: str | None = None, filler_lot: str | None = None,
               capsule_lot: str | None = None, limit: int = 100,
               after: int | None = None) -> tuple[list[Summary], int, int | None]:
        """Batches that used any of the given component lots (any spelling), oldest first, a
        page at a time: ``(page, total, next)``; ``next`` is the ``after`` of the next page
        (``None`` on the last). Memory and time per page do not grow with the match count."""
        wanted = [(c, normal_lot(lot)) for c, lot in (("source", source_lot),
                                                       ("filler", filler_lot),
                                                       ("capsule", capsule_lot)) if lot]
        used = or_(*(and_(batch_lots.c.component == c, batch_lots.c.lot == lot)
                     for c, lot in wanted))
        ids = select(batch_lots.c.batch_id).where(used)
        if after is not None:
            ids = ids.where(batch_lots.c.batch_id > after)
        ids = ids.distinct().order_by(batch_lots.c.batch_id).limit(limit + 1)
        with self.engine.connect() as connection:
            total = connection.execute(select(func.count(batch_lots.c.batch_id.distinct()))
                                       .where(used)).scalar_one()
            chosen = connection.execute(ids).scalars().all()
            rows = connection.execute(select(batches.c.id, *SUMMARY_COLUMNS)
                                      .where(batches.c.id.in_(chosen[:limit]))
                                      .order_by(batches.c.id)).all() if chosen else []
        page = [_summary(r) for r in rows]
        return page, total, (chosen[limit - 1] if len(chosen) > limit else None)

    def ping(self) -> None:
        """Raise unless the database answers."""
        with self.engine.connect() as connection:
            connection.execute(select(1))

    def check_writable(self) -> None:
        """Raise unless a write reaches the database and commits (the health row's time)."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        moment = clock.now()
        statement = dialect.insert(service_health).values(id=1, checked_at=moment)
        with self._writes.begin() as connection:
            connection.execute(statement.on_conflict_do_update(
                index_elements=[service_health.c.id], set_={"checked_at": moment}))

    def count(self) -> int:
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(batches)).scalar_one()

    def pharmacy(self) -> Pharmacy | None:
        """The pharmacy's name, address, phone and time zone as set up, or ``None``."""
        with self.engine.connect() as connection:
            text = connection.execute(select(pharmacy_settings.c.pharmacy_json)
                                      .where(pharmacy_settings.c.id == 1)).scalar()
        return Pharmacy.model_validate_json(text) if text else None

    def save_pharmacy(self, pharmacy: Pharmacy) -> None:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        values = {"pharmacy_json": pharmacy.model_dump_json(), "updated_at": clock.now()}
        with self._writes.begin() as connection:
            connection.execute(dialect.insert(pharmacy_settings).values(id=1, **values)
                               .on_conflict_do_update(index_elements=[pharmacy_settings.c.id],
                                                      set_=values))

    # -- changing ---------------------------------------------------------------------------

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

    def enter_bench(self, lot: str, entry: BenchEntry | Mapping[str, Any], author: Author,
                    expected: int | None = None) -> Record:
        """Record what was done at the bench; capsules out of range are flagged."""
        entry = _parse(BenchEntry, entry)
        for check in self.bench_checks:
            check(entry, "")
        data = _reconciled(entry, self._live(lot))
        return self._append(lot, "bench", expected, author, None, data,
                            lots=_bench_lots(entry))

    def correct(self, lot: str, correction: Correction | Mapping[str, Any], author: Author,
                expected: int | None = None) -> Record:
        """A corrected bench entry, as a new revision saying who and why."""
        correction = _parse(Correction, correction)
        for check in self.bench_checks:
            check(correction.bench, "bench")
        data = _reconciled(correction.bench, self._live(lot))
        return self._append(lot, "correction", expected, author, correction.reason,
                            data, lots=_bench_lots(correction.bench))

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

    def chain_problems(self, lot: str | None = None) -> list[str]:
        """Every broken link of every batch's history (or of ``lot``'s), in words: the full
        check, with every revision's content (``compounding db verify``, a label print)."""
        return chain_problems(self.engine, self.key, lot)

    def lot_index_problems(self) -> list[str]:
        """Each batch whose recall index (``batch_lots``) is not the lots its order and bench
        entries name, in words: a row removed would hide the batch from a recall."""
        found = []
        with self.engine.connect() as connection:
            lots = connection.execute(select(batches.c.lot_number)
                                      .order_by(batches.c.id)).scalars().all()
            indexed: dict[str, list[tuple[str, str]]] = {}
            for row in connection.execute(
                    select(batches.c.lot_number, batch_lots.c.component, batch_lots.c.lot)
                    .join(batches, batches.c.id == batch_lots.c.batch_id)):
                indexed.setdefault(row.lot_number, []).append((row.component, row.lot))
        for lot in lots:
            try:
                record = self.get(lot, history=True)
            except OrderError:  # a broken history: named by the chain's own check
                continue
            expected = _lots(record.order) + [
                pair for r in record.revisions if r.action in ("bench", "correction")
                for pair in _bench_lots(BenchEntry.model_validate((r.data or {})["bench"],
                                                                  context=STORED))]
            if sorted(expected) != sorted(indexed.get(lot, [])):
                found.append(f"batch {lot}: its recall index does not list the lots its order "
                             f"and bench entries name")
        return found

    # -- moving between databases -----------------------------------------------------------

    def export(self) -> Iterator[dict[str, Any]]:
        """Every record with every revision, oldest first, as JSON-ready dictionaries, each
        with its chain and checkpoint (:func:`.imports.export_records`)."""
        from .imports import export_records

        return export_records(self)

    def import_records(self, records: Iterator[Mapping[str, Any]],
                       trusted: Sequence[bytes] = ()) -> int:
        """Insert exported records, each replayed first; those whose chain does not verify
        with this store's key or one of ``trusted`` are archived
        (:func:`.imports.import_records`). Returns how many were imported."""
        from .imports import import_records

        return len(import_records(self, records, trusted))


def _reconciled(entry: BenchEntry, record: Record) -> dict[str, Any]:
    """What a bench entry's revision keeps: the entry, its findings, and what the bench made
    (strength as an exact fraction, the day of the work, the BUD from the lots used)."""
    result = reconcile(entry, record.plan, record.order, record.profile.settings)
    return {"bench": entry.model_dump(mode="json", exclude_none=True),
            "flags": [f.model_dump(mode="json") for f in result.findings],
            "made": {"strength": str(result.strength_made),
                     "ratio": str(result.strength_ratio),
                     "compounded_on": result.compounded_on.isoformat(),
                     "beyond_use_date": result.beyond_use_date.isoformat(),
                     "beyond_use_rationale": result.beyond_use_rationale}}


SUMMARY_COLUMNS = (batches.c.lot_number, batches.c.lot_date, batches.c.rx_number,
                   batches.c.patient_name, batches.c.status, batches.c.revision,
                   batches.c.created_at, batches.c.patient_id, batches.c.prescription_id,
                   batches.c.archived)


def _require_expected(expected: int | None) -> None:
    """A signature names the revision it signs (``If-Match``; 428 otherwise)."""
    if expected is None:
        raise PreconditionRequired([ErrorDetail(
            "PRECONDITION_REQUIRED", 'headers["If-Match"]',
            "a signature applies to the record as read: send If-Match with its ETag")])


class PreconditionRequired(OrderError):
    """A signature without the revision it signs (HTTP 428)."""

    status = 428


def _find(connection: Any, lot: str, columns: tuple[Any, ...]) -> Any:
    """The batch row of ``lot`` in any spelling (``RecordNotFound`` otherwise)."""
    key = normal_lot(lot)
    row = connection.execute(select(*columns).where(batches.c.lot_number == key)).first()
    if row is None and key != lot:  # a lot kept before lot numbers were upper-cased
        row = connection.execute(select(*columns).where(batches.c.lot_number == lot)).first()
    if row is None:
        raise RecordNotFound([ErrorDetail("NOT_FOUND", "lot_number",
                                          f"no batch has lot {lot[:40]}")])
    return row


def _summary(row: Any) -> Summary:
    return Summary(lot_number=row.lot_number, lot_date=row.lot_date, rx_number=row.rx_number,
                   patient=row.patient_name, status=row.status, revision=row.revision,
                   created_at=aware(row.created_at), patient_id=row.patient_id,
                   prescription_id=row.prescription_id, archived=bool(row.archived))


def _identifiers(order: Order) -> dict[str, str | None]:
    """The pharmacy system's identifiers of a batch, as the batches table keeps them."""
    return {"patient_id": order.patient.id if order.patient else None,
            "prescription_id": order.prescription_id}


def _event(batch_id: int, revision: Any, link: str) -> dict[str, Any]:
    """The change-feed row of a revision just written, whose digest is ``link``."""
    return {"batch_id": batch_id, "action": revision.action, "revision": revision.number,
            "status": revision.status, "at": revision.at, "user_id": revision.author_id,
            "revision_hash": link}


def _parse(model: type[M], value: M | Mapping[str, Any]) -> M:
    """``value`` as ``model``: itself, or validated (``OrderError`` naming each field)."""
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise OrderError(validation_errors(exc)) from None

