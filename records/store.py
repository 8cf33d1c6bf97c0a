"""The compounding records store: create, complete, verify, scrap, search, recall.

Every change is one transaction that appends a revision and moves the batch's head pointer,
guarded by the revision number it expects, so two people saving at once cannot overwrite each
other (``STALE_REVISION``). Lot numbers ``YYYYMMDD-NNN`` come from a per-day counter incremented
in the same transaction as the record, so a number is never given twice and never lost.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError

from compounding import clock
from compounding.bench.liquid_results import LiquidBenchEntry
from compounding.bench.results import (
    BenchEntry,
)
from compounding.clock import today
from compounding.errors import ErrorDetail, OrderError
from compounding.formulary import Formulary
from compounding.orders.liquid import LiquidOrder, LiquidPlan
from compounding.orders.lot_grammar import is_automatic
from compounding.orders.models import Order, Plan
from compounding.orders.reading import parse_any
from compounding.plan import plan_of, work_out
from compounding.profile import Pharmacy, Profile

from .chain import batch_digest, key_check, revision_digest, same
from .checkpoints import Checkpoints
from .db import make_engine, writer
from .feed import label_printed, read_events
from .formulary import FormularyStore
from .heads import append_events
from .imports import export_records, import_records
from .kit_store import KitStore
from .migrate import upgrade
from .models import Author, Event, Record
from .reading import load_record
from .rows import (
    Conflict,
    PreconditionRequired,
    RecordNotFound,
    RequestKey,
    WrongKey,
    _event,
    _find,
    _identifiers,
    _lots,
    patient_key,
)
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
from .search import BatchSearch
from .steps import BatchSteps

__all__ = ["Conflict", "PreconditionRequired", "RecordNotFound", "RequestKey", "Store",
           "WrongKey", "patient_key"]


class Store(BatchSteps, BatchSearch, KitStore):
    """Compounding records in one database (SQLite or PostgreSQL): batches, and titration
    kits of them (:mod:`.kit_store`)."""

    def __init__(self, engine: Engine, key: bytes,
                 checkpoints: Checkpoints | None = None) -> None:
        self.engine = engine
        self.key = key
        self.checkpoints = checkpoints
        """Where the chains' heads are written after each change (``None``: nowhere; a store
        opened on a data folder keeps them beside its chain key)."""
        self._writes = writer(engine)
        self.checks: list[Callable[[Order | LiquidOrder, Profile], None]] = []
        """Run on every order before it is kept; each raises to refuse it (the web app adds
        the documents' check that every character can be printed)."""
        self.bench_checks: list[Callable[[BenchEntry | LiquidBenchEntry, str], None]] = []
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
                store.formulary().seed()  # a new install's drafts, for a pharmacist to approve
        except WrongKey:
            store.engine.dispose()
            raise
        return store

    def formulary(self) -> FormularyStore:
        """The pharmacy's master formulation records, kept in this database."""
        kept = self.__dict__.get("_formulary")
        if kept is None:
            kept = self.__dict__["_formulary"] = FormularyStore(self.engine, self.key,
                                                                 self.checkpoints)
        return kept

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

    def create(self, order: Order | LiquidOrder | Mapping[str, Any], profile: Profile,
               author: Author, *, request: RequestKey | None = None) -> Record:
        """Plan the order (capsules, or an oral liquid: ``form``) and keep it as a new batch
        with its lot number (the worksheet's).

        The order's own ``lot_number`` is kept when given (``LOT_NUMBER_TAKEN`` if another
        batch has it; ``LOT_NUMBER_RESERVED`` if it has the counter's ``YYYYMMDD-NNN`` form);
        otherwise the next ``YYYYMMDD-NNN`` of the compounding date (the pharmacy's date) is
        assigned, skipping any number an older record already holds.

        ``request`` makes the create idempotent: a request key seen before with the same body
        digest returns the batch it made (nothing new is written); with another digest it is
        409 ``IDEMPOTENCY_KEY_REUSED``. The key is kept in the batch's own transaction.
        """
        parsed = parse_any(order)
        if not isinstance(parsed, Order | LiquidOrder):  # a capsule titration kit
            raise OrderError([ErrorDetail(
                "INVALID_VALUE", "schedule",
                "a titration kit (capsules with a schedule) is kept as a kit of one batch "
                "record per strength: create it with POST /api/v1/kits")])
        canonical, plan, profile = self._prepared(
            parsed, profile, parsed.compounded_on or today(profile.settings.time_zone))
        now = clock.now()
        if request is not None:
            made = self._made_by(request)
            if made is not None:
                return made
        try:
            return self._insert_new(canonical, plan, profile, now, author, request)
        except IntegrityError:
            made = self._made_by(request) if request is not None else None
            if made is None:
                raise
            return made  # the same request, made at the same moment by another worker

    def _prepared(self, order: Order | LiquidOrder, profile: Profile, on: date,
                  formulary: Formulary | None = None
                  ) -> tuple[Order | LiquidOrder, Plan | LiquidPlan, Profile]:
        """An order made ready to keep, as compounded on ``on``: the order as its JSON reads
        back, its plan under the pharmacy's ``formulary`` (an approved version, never a
        built-in draft; read now when not given), and the profile with the one version it was
        made under; every check run. Refused (``OrderError``) when the order types an
        acknowledgement, takes a lot number the counter gives out, or does not plan."""
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
        # what is kept is what is printed: the order as its JSON reads back, planned before
        # the transaction so that the write lock is held only for the writes
        canonical = type(order).model_validate_json(
            order.model_copy(update={"compounded_on": on}).model_dump_json())
        formulary = formulary or self.formulary().formulary()
        plan = plan_of(work_out(canonical, profile.with_formulary(
            tuple(formulary.entries())).settings))  # invalid orders stop here
        assert plan.mfr is not None
        used = next(e for e in formulary.versions(plan.mfr.id)
                    if e.mfr.version == plan.mfr.version)
        profile = profile.with_formulary((used,))
        for check in self.checks:
            check(canonical, profile)
        return canonical, plan, profile

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

    def _insert_new(self, canonical: Order | LiquidOrder, plan: Plan | LiquidPlan,
                    profile: Profile, now: datetime, author: Author,
                    request: RequestKey | None) -> Record:
        with self._writes.begin() as connection:
            _, lot, event = self._insert_batch(connection, canonical, plan, profile, now, author)
            if request is not None:
                connection.execute(insert(idempotency_keys).values(
                    scope=request.scope, key=request.key, request_hash=request.digest,
                    lot_number=lot, created_at=now))
            append_events(connection, self.key, [event])
        self.checkpoint()
        return self.get(lot)

    def _insert_batch(self, connection: Any, canonical: Order | LiquidOrder,
                      plan: Plan | LiquidPlan, profile: Profile, now: datetime,
                      author: Author) -> tuple[int, str, dict[str, Any]]:
        """Write a new batch in ``connection``'s transaction: its row, with its lot number
        (the order's own, else the next of its compounding date), its first revision (the
        printed worksheet, linked to the batch's recorded content) and its lots in the recall
        index. Returns its id, its lot and its change-feed event, for the caller to append."""
        plan_json, profile_json = plan.model_dump_json(), profile.model_dump_json()
        name = canonical.patient.name if canonical.patient else None
        on = canonical.compounded_on
        assert on is not None
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
                    mfr_id=plan.mfr.id if plan.mfr else None,
                    mfr_version=plan.mfr.version if plan.mfr else None,
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
        return batch_id, lot, _event(batch_id, first, link)

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


    # -- moving between databases -----------------------------------------------------------

    def export(self) -> Iterator[dict[str, Any]]:
        """Every record with every revision, oldest first, as JSON-ready dictionaries, each
        with its chain and checkpoint (:func:`.imports.export_records`)."""
        return export_records(self)

    def import_records(self, records: Iterator[Mapping[str, Any]],
                       trusted: Sequence[bytes] = ()) -> int:
        """Insert exported records, each replayed first; those whose chain does not verify
        with this store's key or one of ``trusted`` are archived
        (:func:`.imports.import_records`). Returns how many were imported."""
        return len(import_records(self, records, trusted))
