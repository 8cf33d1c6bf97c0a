"""Eight writers at once never duplicate a lot number nor lose a record; a process killed while
saving leaves the database whole. On SQLite and PostgreSQL."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from compounding.profile import DEFAULT_PROFILE
from compounding.records import Store
from compounding.records.schema import batch_lots, batches, lot_counters, revisions

from .helpers import make_order
from .people import TECH

pytestmark = pytest.mark.real_clock

ROOT = Path(__file__).resolve().parent.parent
WRITERS, EACH = 8, 25


def assert_whole(store: Store) -> None:
    """Every batch has its revisions 1..n and its head at n; the day counter covers every lot."""
    with store.engine.connect() as connection:
        heads = dict(connection.execute(select(batches.c.id, batches.c.revision)).all())
        numbers: dict[int, list[int]] = {}
        for batch_id, number in connection.execute(
                select(revisions.c.batch_id, revisions.c.number)
                .order_by(revisions.c.batch_id, revisions.c.number)):
            numbers.setdefault(batch_id, []).append(number)
        assert set(numbers) == set(heads)
        for batch_id, head in heads.items():
            assert numbers[batch_id] == list(range(1, head + 1)), batch_id
        orphans = connection.execute(select(func.count()).select_from(batch_lots).where(
            batch_lots.c.batch_id.not_in(select(batches.c.id)))).scalar_one()
        assert orphans == 0
        seqs = sorted(connection.execute(select(batches.c.lot_seq)).scalars())
        assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate
        last = connection.execute(select(lot_counters.c.last)).scalar()
        assert last == (seqs[-1] if seqs else None)
        if store.engine.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_eight_threads(store):
    order = make_order(patient={"name": "Thread Writer"})

    def write(_: int) -> list[str]:
        return [store.create(order, DEFAULT_PROFILE, TECH).lot_number for _ in range(EACH)]

    with ThreadPoolExecutor(WRITERS) as pool:
        lots = [lot for chunk in pool.map(write, range(WRITERS)) for lot in chunk]
    assert len(lots) == len(set(lots)) == WRITERS * EACH
    assert store.count() == WRITERS * EACH
    assert_whole(store)


def test_eight_processes(store, database_url):
    writers = [subprocess.Popen([sys.executable, "-m", "tests.records_writer", database_url,
                                 str(EACH)], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for _ in range(WRITERS)]
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0 and out.strip() == "done", err[-2000:]
    lots = [s.lot_number for s in store.search(limit=10_000)]
    assert len(lots) == len(set(lots)) == WRITERS * EACH
    assert_whole(store)


def test_killed_while_saving(store, database_url):
    rng = random.Random(795)
    for _ in range(6):
        writer = subprocess.Popen([sys.executable, "-m", "tests.records_writer", database_url,
                                   "0"], cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        start, before = time.monotonic(), store.count()
        while store.count() < before + 3 and time.monotonic() - start < 60:
            time.sleep(0.02)  # let it get going, then kill it at a random moment
        time.sleep(rng.uniform(0, 0.05))
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        assert_whole(store)
    assert store.count() >= 18
    lot = store.create(make_order(), DEFAULT_PROFILE, TECH).lot_number  # no lock left behind
    assert store.get(lot).revision == 1
    assert_whole(store)
