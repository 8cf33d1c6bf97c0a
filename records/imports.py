"""Moving records between installations: ``compounding export`` and ``compounding import``
(security.md, "The audit trail": import and tamper evidence; issue 22, item 11).

An imported record cannot bring a signature that this installation cannot verify. Export writes
every record with every revision and, when the record's chain holds together, its ``chain``: the
digest of each revision under the exporting installation's chain key (:mod:`.chain`) and a
checkpoint, a keyed digest of the record's lot, length and last link, which says that the record
ends there (a record cut short in the file keeps a chain that verifies, but misses its
checkpoint).

Import replays each record first (:mod:`.replay`) and refuses it whole when it does not add up
(``IMPORT_REFUSED``) or its lot is here already (``LOT_NUMBER_TAKEN``). Its chain is then worked
out again from its content with each key the importer trusts: its own (a backup restored, a move
from SQLite to PostgreSQL) and each ``--trusted-key`` (the exporting installation's). A record
whose every link and checkpoint verify with one of them stays live. Any other record (no chain,
another key, its content or links changed, archived where it came from) is kept **archived**:
readable and recallable, never labelled, taking no further step (``RECORD_ARCHIVED``). Either way
it is chained anew under this installation's key, the flag with it
(:func:`.chain.batch_digest`), and the import is in the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from compounding.errors import ErrorDetail, OrderError

from .chain import batch_digest, digest, revision_digest, same
from .heads import append_events
from .models import STORED, Record, kept_bench
from .reading import load_record
from .replay import replay_problems
from .rows import Conflict, _bench_lots, _event, _identifiers, _lots, patient_key
from .schema import batch_lots, batches, lot_counters, revisions

if TYPE_CHECKING:
    from datetime import date


class Store(Protocol):
    """The records store as import and export use it (:class:`.store.Store`)."""

    engine: Engine
    key: bytes
    _writes: Engine

    def checkpoint(self) -> None: ...


class Imported(NamedTuple):
    """One record imported: its lot, and whether it was kept archived."""

    lot_number: str
    archived: bool


def export_checkpoint(key: bytes, lot: str, count: int, head: str) -> str:
    """The exporting installation's word that record ``lot`` ends at its ``count``-th revision,
    whose digest is ``head``."""
    return digest(key, "export checkpoint", lot, count, head)


def export_records(store: Store) -> Iterator[dict[str, Any]]:
    """Every record with every revision, oldest first, as JSON-ready dictionaries; each whose
    chain holds together with its ``chain`` (``revisions``: each revision's digest,
    ``checkpoint``: :func:`export_checkpoint`)."""
    with store.engine.connect() as connection:
        ids = connection.execute(select(batches.c.id).order_by(batches.c.id)).scalars().all()
    for batch_id in ids:
        with store.engine.connect() as connection:
            row = connection.execute(select(batches).where(batches.c.id == batch_id)).one()
            record = load_record(connection, store.key, row, history=True)
            links = connection.execute(
                select(revisions.c.hash).where(revisions.c.batch_id == batch_id,
                                               revisions.c.number <= record.revision)
                .order_by(revisions.c.number)).scalars().all()
        line = record.model_dump(mode="json")
        if record.chain_problem is None and links:
            line["chain"] = {"revisions": list(links), "checkpoint": export_checkpoint(
                store.key, record.lot_number, len(links), links[-1])}
        yield line


def import_records(store: Store, records: Iterator[Mapping[str, Any]],
                   trusted: Sequence[bytes] = ()) -> list[Imported]:
    """Insert exported records as they were (lots, times, revisions, authors), each after
    replaying it; live when its chain verifies with this store's key or one of ``trusted``,
    archived otherwise. A record that does not add up (``IMPORT_REFUSED``) or whose lot is
    already here is an error, and nothing of it is written."""
    keys = [store.key, *trusted]
    done = []
    for data in records:
        chain = data.get("chain") if isinstance(data, Mapping) else None
        fields = ({k: v for k, v in data.items() if k != "chain"}
                  if isinstance(data, Mapping) else data)
        record = Record.model_validate(fields, context=STORED)
        problems = replay_problems(record)
        if problems:
            raise OrderError([ErrorDetail("IMPORT_REFUSED", "record",
                                          f"batch {record.lot_number}: {p}")
                              for p in problems])
        live = not record.archived and any(_holds(key, record, chain) for key in keys)
        _insert(store, record, archived=not live)
        done.append(Imported(record.lot_number, not live))
    return done


def _content(record: Record, archived: bool) -> SimpleNamespace:
    """The batch's recorded content, as :func:`.chain.batch_digest` reads it."""
    order = record.order
    return SimpleNamespace(
        lot_number=record.lot_number, lot_date=order.compounded_on or record.created_at.date(),
        created_at=record.created_at, order_json=order.model_dump_json(),
        plan_json=record.plan.model_dump_json(), profile_json=record.profile.model_dump_json(),
        archived=int(archived))


def _entries(record: Record) -> list[SimpleNamespace]:
    """Each revision as :func:`.chain.revision_digest` reads it."""
    return [SimpleNamespace(number=r.number, action=r.action, status=r.status, author=r.author,
                            author_id=r.author_id, signed_in=int(r.signed_in), at=r.at,
                            reason=r.reason,
                            data_json=json.dumps(r.data, ensure_ascii=False, sort_keys=True))
            for r in record.revisions]


def _holds(key: bytes, record: Record, chain: Any) -> bool:
    """Whether ``chain`` (from the export) is ``record``'s, link by link, under ``key``, and its
    checkpoint says the record ends where it does."""
    if not isinstance(chain, Mapping):
        return False
    links, checkpoint = chain.get("revisions"), chain.get("checkpoint")
    if (not isinstance(links, list) or len(links) != len(record.revisions) or not links
            or not all(isinstance(v, str) and v.isascii() for v in [*links, checkpoint])):
        return False
    prev = batch_digest(key, _content(record, record.archived))
    for entry, given in zip(_entries(record), links, strict=True):
        prev = revision_digest(key, prev, entry)
        if not same(prev, given):
            return False
    return same(checkpoint, export_checkpoint(key, record.lot_number, len(links), prev))


def _insert(store: Store, record: Record, *, archived: bool) -> None:
    """Write ``record`` whole, chained anew under the store's key, in one transaction."""
    order = record.order
    content = _content(record, archived)
    seq = _sequence(record.lot_number, content.lot_date)
    with store._writes.begin() as connection:
        try:
            batch_id = connection.execute(insert(batches).values(
                lot_number=record.lot_number, lot_date=content.lot_date, lot_seq=seq,
                created_at=record.created_at,
                patient_key=patient_key(order.patient.name if order.patient else None),
                patient_name=order.patient.name if order.patient else None,
                rx_number=order.rx_number, **_identifiers(order),
                order_json=content.order_json, plan_json=content.plan_json,
                profile_json=content.profile_json, status=record.status,
                revision=record.revision, archived=content.archived,
                mfr_id=record.plan.mfr.id if record.plan.mfr else "LDN-CAPS-TAB-MCC",
                mfr_version=record.plan.mfr.version if record.plan.mfr else 1,
            ).returning(batches.c.id)).scalar_one()
        except IntegrityError:
            raise Conflict([ErrorDetail("LOT_NUMBER_TAKEN", "lot_number",
                                        f"lot {record.lot_number} is already in this "
                                        f"database")]) from None
        prev, rows = batch_digest(store.key, content), []
        for entry in _entries(record):
            link = revision_digest(store.key, prev, entry)
            rows.append({"batch_id": batch_id, **vars(entry), "prev_hash": prev, "hash": link})
            prev = link
        connection.execute(insert(revisions), rows)
        feed = [_event(batch_id, SimpleNamespace(
            action=r["action"], number=r["number"], status=r["status"], at=r["at"],
            author_id=r["author_id"]), r["hash"]) for r in rows]
        lots = _lots(order) + [
            pair for r in record.revisions if r.action in ("bench", "correction")
            for pair in _bench_lots(kept_bench(record.plan, (r.data or {})["bench"]))]
        if lots:
            connection.execute(insert(batch_lots), [
                {"batch_id": batch_id, "component": c, "lot": lot} for c, lot in lots])
        if seq is not None:
            day = content.lot_date
            current = connection.execute(select(lot_counters.c.last)
                                         .where(lot_counters.c.day == day)).scalar()
            if current is None:
                connection.execute(insert(lot_counters).values(day=day, last=seq))
            elif current < seq:
                connection.execute(update(lot_counters).where(lot_counters.c.day == day)
                                   .values(last=seq))
        append_events(connection, store.key, feed)
    store.checkpoint()


def _sequence(lot: str, day: date) -> int | None:
    """The counter's number of an automatic lot ``YYYYMMDD-NNN`` of ``day``, else ``None``."""
    prefix = f"{day:%Y%m%d}-"
    tail = lot.removeprefix(prefix)
    return int(tail) if lot.startswith(prefix) and tail.isascii() and tail.isdigit() else None
