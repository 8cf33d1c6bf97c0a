"""The change feed: what happened to which batch, in order, for pharmacy systems that poll
(``GET /api/v1/events?after=SEQ``). One row is written with each revision (in the revision's
own transaction, :mod:`compounding.records.store`) and with each dispensing label printed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from compounding import clock

from .models import Event
from .schema import batches, events


def label_printed(writes: Any, lot_number: str, user_id: int | None) -> None:
    """Note in the feed that a dispensing label of ``lot_number`` was printed (``writes``: the
    store's writer, which serialises SQLite's writes)."""
    with writes.begin() as connection:
        row = connection.execute(select(batches.c.id, batches.c.revision, batches.c.status)
                                 .where(batches.c.lot_number == lot_number)).one()
        connection.execute(insert(events).values(
            batch_id=row.id, action="label", revision=row.revision, status=row.status,
            at=clock.now(), user_id=user_id))


def read_events(engine: Engine, after: int = 0, limit: int = 100) -> tuple[list[Event], int]:
    """The events after ``after``, oldest first, at most ``limit``; and the ``after`` of the
    next call (the last seq read, or ``after`` itself when there is nothing new)."""
    query = (select(events.c.id, batches.c.lot_number, events.c.action, events.c.revision,
                    events.c.status, events.c.at, events.c.user_id)
             .join(batches, batches.c.id == events.c.batch_id)
             .where(events.c.id > after).order_by(events.c.id).limit(limit))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    found = [Event(seq=r.id, lot_number=r.lot_number, action=r.action, revision=r.revision,
                   status=r.status, at=_aware(r.at), user_id=r.user_id) for r in rows]
    return found, found[-1].seq if found else after


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
