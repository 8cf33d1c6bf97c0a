"""The change feed never skips an event (issue 28): on PostgreSQL, where an event's id comes
from a sequence, with writers committing at the same time as a poller follows
``GET /api/v1/events?after=SEQ``, the poller sees every event exactly once, in order (the
feed's head row, locked until each writer commits, keeps ids in commit order), and each event
carries its batch's Rx number and prescription id."""

from __future__ import annotations

import random
import threading
import time

from sqlalchemy import select

from compounding.records import Store, heads
from compounding.records.schema import events

from .people import KEY, TECH
from .test_records import ORDER, PROFILE

WRITERS = 4
EACH = 12


def _write(store: Store, number: int, failures: list[BaseException]) -> None:
    try:
        for i in range(EACH):
            # each its own lot number: no writer waits for another's on the day's counter
            store.create({**ORDER, "lot_number": f"FEED{number}-{i:02d}",
                          "rx_number": f"{number}{i:04d}",
                          "prescription_id": f"RX-{number}-{i}"}, PROFILE, TECH)
    except BaseException as exc:  # named by the test
        failures.append(exc)


def _held_open(monkeypatch) -> None:
    """Each writer's transaction held open a few milliseconds after its event is inserted
    (its id drawn from the sequence), before it commits: where ids could commit out of order,
    the poller would pass one still in flight."""
    move = heads._move

    def slowly(*args):
        time.sleep(random.uniform(0, 0.01))
        move(*args)

    monkeypatch.setattr(heads, "_move", slowly)


def test_a_poller_sees_every_event_once_in_order_while_four_writers_commit(
        owner_postgres, compounding_day, monkeypatch):
    store = Store.open(owner_postgres, KEY)
    _held_open(monkeypatch)
    try:
        # the feed's first event, alone: it makes the chain's head row the writers lock
        store.create({**ORDER, "lot_number": "FEED0-00"}, PROFILE, TECH)
        with store.engine.connect() as connection:
            start = connection.execute(select(events.c.id).order_by(events.c.id.desc())
                                       .limit(1)).scalar() or 0
        failures: list[BaseException] = []
        writers = [threading.Thread(target=_write, args=(store, n + 1, failures))
                   for n in range(WRITERS)]
        for writer in writers:
            writer.start()
        seen, cursor = [], start
        while any(w.is_alive() for w in writers):
            found, cursor = store.events(cursor, limit=5)
            seen.extend(found)
            if not found:
                time.sleep(0.001)
        for writer in writers:
            writer.join()
        assert not failures, failures[:1]
        while True:  # the last few, written after the poller's last read
            found, cursor = store.events(cursor, limit=1000)
            if not found:
                break
            seen.extend(found)
        with store.engine.connect() as connection:
            written = connection.execute(select(events.c.id).where(events.c.id > start)
                                         .order_by(events.c.id)).scalars().all()
        assert len(written) == WRITERS * EACH
        missed = sorted(set(written) - {e.seq for e in seen})
        assert not missed, f"the poller missed {len(missed)} of {len(written)} events: {missed}"
        assert [e.seq for e in seen] == written  # each once, in order
        carried = {(e.rx_number, e.prescription_id) for e in seen}
        assert carried == {(f"{n + 1}{i:04d}", f"RX-{n + 1}-{i}")
                           for n in range(WRITERS) for i in range(EACH)}
    finally:
        store.engine.dispose()
