"""The change feed: what happened to which batch, in order, for pharmacy systems that poll
(``GET /api/v1/events?after=SEQ``). One row is written with each revision (in the revision's
own transaction, :mod:`compounding.records.store`) and with each dispensing label printed.

The feed's order (its ``seq``, the row's id) is the order events commit in, so a poller's
cursor never passes an event still to commit: every event is appended with the feed's chain
head row locked until its transaction ends (:func:`compounding.records.heads.append_events`),
so on PostgreSQL, where ids come from a sequence, the next writer draws its id only after the
one before it has committed (SQLite serialises all writes). Each event carries its batch's Rx
number and prescription id, read with it from the batch, outside the event's chained content."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.engine import Engine

from compounding import clock

from .chain import feed_digest, same
from .heads import append_events
from .models import Event
from .schema import batches, events, revisions

log = logging.getLogger(__name__)


def label_printed(writes: Any, key: bytes, lot_number: str, user_id: int | None) -> None:
    """Note in the feed that a dispensing label of ``lot_number`` was printed (``writes``: the
    store's writer, which serialises SQLite's writes), naming the revision it was printed at."""
    with writes.begin() as connection:
        row = connection.execute(
            select(batches.c.id, batches.c.revision, batches.c.status, revisions.c.hash)
            .join(revisions, and_(revisions.c.batch_id == batches.c.id,
                                  revisions.c.number == batches.c.revision))
            .where(batches.c.lot_number == lot_number)).one()
        append_events(connection, key, [{
            "batch_id": row.id, "action": "label", "revision": row.revision,
            "status": row.status, "at": clock.now(), "user_id": user_id,
            "revision_hash": row.hash}])


def read_events(engine: Engine, key: bytes, after: int = 0,
                limit: int = 100) -> tuple[list[Event], int]:
    """The events after ``after``, oldest first, at most ``limit``; and the ``after`` of the
    next call (the last seq read, or ``after`` itself when there is nothing new). The feed
    stops before an event whose digest is not its content's (written without the chain key):
    no forged event reaches a pharmacy system, and none after it is skipped."""
    query = (select(events, batches.c.lot_number, batches.c.rx_number,
                    batches.c.prescription_id)
             .join(batches, batches.c.id == events.c.batch_id)
             .where(events.c.id > after).order_by(events.c.id).limit(limit))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    found = []
    for r in rows:
        if not same(r.hash, feed_digest(key, r.prev_hash, r)):
            log.error("change feed event %s was not written by the workbench: the feed stops "
                      "before it; run compounding db verify", r.id)
            break
        found.append(Event(seq=r.id, lot_number=r.lot_number, action=r.action,
                           revision=r.revision, status=r.status, at=_aware(r.at),
                           user_id=r.user_id, rx_number=r.rx_number,
                           prescription_id=r.prescription_id))
    return found, found[-1].seq if found else after


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
