"""The compounding records store: create, complete, verify, scrap, search, recall.

Every change is one transaction that appends a revision and moves the batch's head pointer,
guarded by the revision number it expects, so two people saving at once cannot overwrite each
other (``STALE_REVISION``). Lot numbers ``YYYYMMDD-NNN`` come from a per-day counter incremented
in the same transaction as the record, so a number is never given twice and never lost.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from pydantic import ValidationError
from sqlalchemy import Engine, and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from compounding import clock
from compounding.bench import (
    TRANSITIONS,
    Action,
    BenchEntry,
    Correction,
    Scrap,
    Verification,
    check_bench,
    check_transition,
    check_verification,
)
from compounding.clock import today
from compounding.errors import ErrorDetail, OrderError
from compounding.findings import Acknowledgement
from compounding.lot_grammar import is_automatic, normal_lot
from compounding.models import Order, Plan
from compounding.orders import parse_order, validation_errors
from compounding.plan import plan_of, work_out
from compounding.profile import Profile

from .db import make_engine, writer
from .migrate import upgrade
from .models import STORED, Record, Revision, Summary
from .schema import (
    batch_lots,
    batches,
    idempotency_keys,
    lot_counters,
    revisions,
    service_health,
)


class RequestKey(NamedTuple):
    """An idempotent request: ``scope`` (what it creates), the client's ``key``, and the
    SHA-256 ``digest`` of its body."""

    scope: str
    key: str
    digest: str


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
    """A patient name as searched: case, composition and spacing folded; at most 160 characters
    (a longer key is searched by its first 160, which still finds the name)."""
    folded = " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())
    return folded[:PATIENT_KEY_CHARS]


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

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writes = writer(engine)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        store = cls(make_engine(url))
        if migrate:
            upgrade(store.engine)
        return store

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

    def create(self, order: Order | Mapping[str, Any], profile: Profile,
               author: str | None = None, *, request: RequestKey | None = None) -> Record:
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
                    now: datetime, author: str | None, request: RequestKey | None) -> Record:
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
                        rx_number=stored.rx_number,
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
            connection.execute(insert(revisions).values(
                batch_id=batch_id, number=1, action="printed", status="printed", author=author,
                at=now, reason=None, data_json="{}"))
            lots = _lots(stored)
            if lots:
                connection.execute(insert(batch_lots), [
                    {"batch_id": batch_id, "component": c, "lot": lot_} for c, lot_ in lots])
            if request is not None:
                connection.execute(insert(idempotency_keys).values(
                    scope=request.scope, key=request.key, request_hash=request.digest,
                    lot_number=lot, created_at=now))
        first = Revision(number=1, action="printed", status="printed", author=author, at=now,
                         reason=None, data={})
        return Record(lot_number=lot, created_at=now, status="printed", revision=1,
                      order=stored, plan=plan, profile=profile, revisions=[first])

    # -- reading ----------------------------------------------------------------------------

    def get(self, lot: str, *, history: bool = False) -> Record:
        """The record of ``lot`` (``RecordNotFound`` otherwise), read in a cost that does not
        grow with its corrections: every revision's summary, and the data of those the record
        shows (the bench entry as it reads now, verifications, acknowledgements, scrap).
        ``history=True`` also loads every earlier bench entry (export, the revisions API)."""
        with self.engine.connect() as connection:
            row = _find(connection, lot, (batches,))
            history_rows = connection.execute(
                select(revisions.c.number, revisions.c.action, revisions.c.status,
                       revisions.c.author, revisions.c.at, revisions.c.reason)
                .where(revisions.c.batch_id == row.id).order_by(revisions.c.number)).all()
            wanted = _revisions_shown(history_rows, history)
            data = dict(connection.execute(
                select(revisions.c.number, revisions.c.data_json)
                .where(revisions.c.batch_id == row.id, revisions.c.number.in_(wanted))).all()
            ) if wanted else {}
        return Record(
            lot_number=row.lot_number, created_at=_aware(row.created_at), status=row.status,
            revision=row.revision,
            order=Order.model_validate_json(row.order_json, context=STORED),
            plan=Plan.model_validate_json(row.plan_json),
            profile=Profile.model_validate_json(row.profile_json),
            revisions=[Revision(number=r.number, action=r.action, status=r.status,
                                author=r.author, at=_aware(r.at), reason=r.reason,
                                data=json.loads(data[r.number]) if r.number in data else None)
                       for r in history_rows])

    def search(self, *, patient: str | None = None, rx_number: str | None = None,
               lot_number: str | None = None, date_from: date | None = None,
               date_to: date | None = None, status: str | None = None,
               source_lot: str | None = None, filler_lot: str | None = None,
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
        query = (select(*SUMMARY_COLUMNS).where(*conditions)
                 .order_by(batches.c.id.desc()).limit(limit).offset(offset))
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
        used = select(batch_lots.c.batch_id).where(
            or_(*(and_(batch_lots.c.component == c, batch_lots.c.lot == lot)
                  for c, lot in wanted)))
        matching = batches.c.id.in_(used)
        query = select(batches.c.id, *SUMMARY_COLUMNS).where(matching)
        if after is not None:
            query = query.where(batches.c.id > after)
        with self.engine.connect() as connection:
            total = connection.execute(select(func.count()).select_from(batches)
                                       .where(matching)).scalar_one()
            rows = connection.execute(query.order_by(batches.c.id).limit(limit + 1)).all()
        page = [_summary(r) for r in rows[:limit]]
        return page, total, (rows[limit - 1].id if len(rows) > limit else None)

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

    # -- changing ---------------------------------------------------------------------------

    def _append(self, lot: str, action: Action, expected: int | None, author: str | None,
                reason: str | None, data: dict[str, Any], status: str | None = None,
                lots: list[tuple[str, str]] | None = None) -> Record:
        """Append a revision and move the head, in one transaction."""
        with self._writes.begin() as connection:
            row = _find(connection, lot, (batches.c.id, batches.c.status, batches.c.revision))
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
            connection.execute(insert(revisions).values(
                batch_id=row.id, number=number, action=action, status=new_status,
                author=author, at=clock.now(), reason=reason,
                data_json=json.dumps(data, ensure_ascii=False, sort_keys=True)))
            if lots:
                connection.execute(insert(batch_lots), [
                    {"batch_id": row.id, "component": c, "lot": lot_} for c, lot_ in lots])
        return self.get(lot)

    def enter_bench(self, lot: str, entry: BenchEntry | Mapping[str, Any],
                    expected: int | None = None) -> Record:
        """Record what was done at the bench; capsules out of range are flagged."""
        entry = _parse(BenchEntry, entry)
        record = self.get(lot)
        flags = check_bench(entry, record.plan, record.profile.settings.time_zone)
        data = {"bench": entry.model_dump(mode="json"),
                "flags": [f.model_dump(mode="json") for f in flags]}
        return self._append(lot, "bench", expected, entry.compounded_by, None, data,
                            lots=_bench_lots(entry))

    def correct(self, lot: str, correction: Correction | Mapping[str, Any],
                expected: int | None = None) -> Record:
        """A corrected bench entry, as a new revision saying who and why."""
        correction = _parse(Correction, correction)
        record = self.get(lot)
        flags = check_bench(correction.bench, record.plan, record.profile.settings.time_zone)
        data = {"bench": correction.bench.model_dump(mode="json"),
                "flags": [f.model_dump(mode="json") for f in flags]}
        return self._append(lot, "correction", expected, correction.by, correction.reason,
                            data, lots=_bench_lots(correction.bench))

    def verify(self, lot: str, verification: Verification | Mapping[str, Any], *,
               allow_self_verification: bool = False, expected: int | None = None) -> Record:
        """A pharmacist approves (``verified``) or rejects (``rejected``) a compounded batch."""
        verification = _parse(Verification, verification)
        record = self.get(lot)
        check_transition("verification", record.status)
        bench = record.bench
        check_verification(verification, bench.compounded_by if bench else None,
                           allow_self_verification)
        status = "verified" if verification.decision == "approve" else "rejected"
        return self._append(lot, "verification", expected, verification.pharmacist,
                            verification.reason, verification.model_dump(mode="json"), status)

    def acknowledge(self, lot: str, acknowledgement: Acknowledgement | Mapping[str, Any],
                    expected: int | None = None) -> Record:
        """A pharmacist acknowledges a critical finding of a kept batch (the label needs it)."""
        acknowledgement = _parse(Acknowledgement, acknowledgement)
        pending = {f.code for f in self.get(lot).unacknowledged}
        if acknowledgement.code not in pending:
            raise OrderError([ErrorDetail(
                "UNKNOWN_ACKNOWLEDGEMENT", "code",
                f"“{acknowledgement.code}” is not an unacknowledged critical finding of this "
                f"batch" + (f"; pending: {', '.join(sorted(pending))}" if pending else ""))])
        return self._append(lot, "acknowledgement", expected, acknowledgement.pharmacist,
                            acknowledgement.reason, acknowledgement.model_dump(mode="json"))

    def scrap(self, lot: str, scrap: Scrap | Mapping[str, Any],
              expected: int | None = None) -> Record:
        """Take a batch out of use, with who and why."""
        scrap = _parse(Scrap, scrap)
        return self._append(lot, "scrap", expected, scrap.by, scrap.reason,
                            scrap.model_dump(mode="json"))

    # -- moving between databases -----------------------------------------------------------

    def export(self) -> Iterator[dict[str, Any]]:
        """Every record with every revision, oldest first, as JSON-ready dictionaries."""
        with self.engine.connect() as connection:
            lots = connection.execute(select(batches.c.lot_number)
                                      .order_by(batches.c.id)).scalars().all()
        for lot in lots:
            yield self.get(lot, history=True).model_dump(mode="json")

    def import_records(self, records: Iterator[Mapping[str, Any]]) -> int:
        """Insert exported records exactly as they were (lots, times, revisions); returns how
        many. A lot number already present is an error and nothing of that record is written."""
        count = 0
        for data in records:
            record = Record.model_validate(data, context=STORED)
            self._insert_whole(record)
            count += 1
        return count

    def _insert_whole(self, record: Record) -> None:
        order = record.order
        day = order.compounded_on or record.created_at.date()
        seq = _sequence(record.lot_number, day)
        with self._writes.begin() as connection:
            try:
                batch_id = connection.execute(insert(batches).values(
                    lot_number=record.lot_number, lot_date=day, lot_seq=seq,
                    created_at=record.created_at,
                    patient_key=patient_key(order.patient.name if order.patient else None),
                    patient_name=order.patient.name if order.patient else None,
                    rx_number=order.rx_number, order_json=order.model_dump_json(),
                    plan_json=record.plan.model_dump_json(),
                    profile_json=record.profile.model_dump_json(), status=record.status,
                    revision=record.revision).returning(batches.c.id)).scalar_one()
            except IntegrityError:
                raise Conflict([ErrorDetail("LOT_NUMBER_TAKEN", "lot_number",
                                            f"lot {record.lot_number} is already in this "
                                            f"database")]) from None
            connection.execute(insert(revisions), [{
                "batch_id": batch_id, "number": r.number, "action": r.action,
                "status": r.status, "author": r.author, "at": r.at, "reason": r.reason,
                "data_json": json.dumps(r.data, ensure_ascii=False, sort_keys=True)}
                for r in record.revisions])
            lots = _lots(order) + [
                pair for r in record.revisions if r.action in ("bench", "correction")
                for pair in _bench_lots(BenchEntry.model_validate(r.data["bench"]))]
            if lots:
                connection.execute(insert(batch_lots), [
                    {"batch_id": batch_id, "component": c, "lot": lot} for c, lot in lots])
            if seq is not None:
                current = connection.execute(select(lot_counters.c.last)
                                             .where(lot_counters.c.day == day)).scalar()
                if current is None:
                    connection.execute(insert(lot_counters).values(day=day, last=seq))
                elif current < seq:
                    connection.execute(update(lot_counters).where(lot_counters.c.day == day)
                                       .values(last=seq))


def _sequence(lot: str, day: date) -> int | None:
    prefix = f"{day:%Y%m%d}-"
    tail = lot.removeprefix(prefix)
    return int(tail) if lot.startswith(prefix) and tail.isascii() and tail.isdigit() else None


SUMMARY_COLUMNS = (batches.c.lot_number, batches.c.lot_date, batches.c.rx_number,
                   batches.c.patient_name, batches.c.status, batches.c.revision,
                   batches.c.created_at)
HEAVY_ACTIONS = ("bench", "correction")


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
                   created_at=_aware(row.created_at))


def _revisions_shown(rows: list[Any], history: bool) -> list[int]:
    """Revision numbers whose data a read loads: all but earlier bench entries, unless
    ``history``; the latest bench entry or correction always."""
    heavy = [r.number for r in rows if r.action in HEAVY_ACTIONS]
    light = [r.number for r in rows if r.action not in HEAVY_ACTIONS and r.action != "printed"]
    return sorted(light + (heavy if history else heavy[-1:]))


def _parse(model: Any, value: Any) -> Any:
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise OrderError(validation_errors(exc)) from None


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
