"""The records store under load, on SQLite and PostgreSQL, against baselines in the same run.

1. Records created per second by 8 writer processes (``Store.create``: plan, lot number,
   record, first revision, lots, all in one transaction), next to 8 processes inserting the same
   rows with plain SQL (no planning, no counter); target ≥ 200 records/s on SQLite.
2. 1 000 000 batches seeded with bulk SQL inserts of real order, plan and profile JSON (not
   through the API), then p95 latency of: search by patient name (prefix), by lot number, by
   Rx number, a recall by tablet lot, a page of a recall that matches 10 000 batches, and a read
   of a record with 100 revisions, next to a primary-key look-up; target p95 ≤ 50 ms each.
3. The server's peak memory while a client pages through that 10 000-batch recall over HTTP;
   target ≤ 200 MB.

Run: ``python benchmarks/bench_records.py [--records 1000000]``. PostgreSQL is
``COMPOUNDING_BENCH_POSTGRES_URL`` (default: the local server, database ``test``); a fresh
database is made and dropped. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import percentile, time_calls, verdict
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.engine import make_url

from compounding.profile import DEFAULT_PROFILE
from compounding.records import Accounts, Author, Store
from compounding.records.schema import batch_lots, batches, revisions
from compounding.records.store import patient_key

ROOT = Path(__file__).resolve().parent.parent
ORDER = json.loads((ROOT / "samples" / "usual-4.5mg.order.json").read_text(encoding="utf-8"))
ORDER.pop("lot_number")
POSTGRES = os.environ.get("COMPOUNDING_BENCH_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")
WRITERS, EACH = 8, 60
NAMES = ["Smith", "Jones", "Garcia", "Nguyễn", "Wójcik", "Петрова", "Okafor", "Brown", "Lee",
         "Martin", "Dubois", "Rossi", "Müller", "Kowalski", "Tanaka", "Silva"]


KEY = b"the chain key of this benchmark"
AUTHOR = Author(user_id=1, name="T. Tech")
LOTS_USED = {"source_lot": "N456", "source_expiry": "2028-01", "filler_lot": "M789",
             "filler_expiry": "2028-06-30", "capsule_lot": "C321", "capsule_expiry": "2029-01"}


def _create(url: str, ready) -> None:
    store = Store.open(url, KEY, migrate=False)
    store.get(store.search(limit=1)[0].lot_number)  # connected and warm
    ready.wait()
    for _ in range(EACH):
        store.create(ORDER, DEFAULT_PROFILE, AUTHOR)
    store.engine.dispose()


def _raw(url: str, ready) -> None:
    store = Store.open(url, KEY, migrate=False)
    sample = store.get(store.search(limit=1)[0].lot_number)
    ready.wait()
    for _ in range(EACH):
        with store.engine.begin() as connection:
            batch_id = connection.execute(insert(batches).values(
                lot_number=uuid.uuid4().hex[:20], lot_date=date(2020, 1, 1),
                created_at=datetime.now(UTC), patient_key="raw", rx_number="1",
                order_json=sample.order.model_dump_json(), plan_json=sample.plan.model_dump_json(),
                profile_json=sample.profile.model_dump_json(), status="printed", revision=1,
            ).returning(batches.c.id)).scalar_one()
            connection.execute(insert(revisions).values(
                batch_id=batch_id, number=1, action="printed", status="printed",
                at=datetime.now(UTC), data_json="{}"))
    store.engine.dispose()


def writers(url: str, target) -> float:
    """Records per second of 8 processes running ``target``, timed from when all are ready
    (process start-up and imports are not the store's cost)."""
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(WRITERS + 1)
    processes = [context.Process(target=target, args=(url, ready)) for _ in range(WRITERS)]
    for process in processes:
        process.start()
    ready.wait()
    start = time.perf_counter()
    for process in processes:
        process.join()
        assert process.exitcode == 0
    return WRITERS * EACH / (time.perf_counter() - start)


RECALLED = "RCL-10K"
"""A tablet lot used by one batch in a hundred: a recall that matches 10 000 of 1 000 000."""


def seed(store: Store, count: int) -> None:
    """``count`` records, inserted in bulk: real order, plan and profile JSON; varied names,
    lots, days and Rx numbers; a tablet, filler and capsule lot each."""
    template = store.get(store.search(limit=1)[0].lot_number)
    order_json, plan_json = template.order.model_dump_json(), template.plan.model_dump_json()
    profile_json = template.profile.model_dump_json()
    rng = random.Random(17)
    done = 0
    with store.engine.connect() as connection:
        first_id = connection.execute(select(batches.c.id).order_by(batches.c.id.desc())
                                      .limit(1)).scalar_one() + 1
    while done < count:
        chunk = min(10_000, count - done)
        rows, revs, lots = [], [], []
        for i in range(chunk):
            n = done + i
            day = date(2021, 1, 1) + timedelta(days=n // 900)
            name = f"{rng.choice(NAMES)} {rng.choice(NAMES)} {n}"
            rows.append({"id": first_id + n, "lot_number": f"{day:%Y%m%d}-{n % 900 + 100:03d}",
                         "lot_date": day, "lot_seq": None, "created_at": datetime.now(UTC),
                         "patient_key": patient_key(name), "patient_name": name,
                         "rx_number": str(500000 + n), "order_json": order_json,
                         "plan_json": plan_json, "profile_json": profile_json,
                         "status": "printed", "revision": 1})
            revs.append({"batch_id": first_id + n, "number": 1, "action": "printed",
                         "status": "printed", "at": datetime.now(UTC), "data_json": "{}"})
            tablet = RECALLED if n % 100 == 0 else f"N{n % 5000}"
            lots += [{"batch_id": first_id + n, "component": "source", "lot": tablet},
                     {"batch_id": first_id + n, "component": "filler", "lot": f"M{n % 700}"},
                     {"batch_id": first_id + n, "component": "capsule", "lot": f"C{n % 300}"}]
        with store.engine.begin() as connection:
            connection.execute(insert(batches), rows)
            connection.execute(insert(revisions), revs)
            connection.execute(insert(batch_lots), lots)
        done += chunk
    if store.engine.dialect.name == "postgresql":
        with store.engine.begin() as connection:  # ids were given: move the sequence past them
            connection.execute(text("SELECT setval(pg_get_serial_sequence('batches', 'id'), "
                                    "(SELECT max(id) FROM batches))"))
        with store.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("ANALYZE"))
    else:
        with store.engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def corrected_record(store: Store) -> str:
    """A batch with 100 revisions: printed, a bench entry and 98 corrections of 33 weights."""
    lot = store.create(ORDER, DEFAULT_PROFILE, AUTHOR).lot_number
    bench = {"tablets_used": 3, "tablet_powder_actual": "748 mg", "filler_actual": "3581 mg",
             "capsules_made": 33, "capsule_weights": [f"{125 + i % 10} mg" for i in range(33)],
             "compounded_at": "2026-11-22T10:00:00+00:00", **LOTS_USED}
    store.enter_bench(lot, bench, AUTHOR)
    for i in range(98):
        store.correct(lot, {"reason": f"re-weighed, pass {i}", "bench": bench}, AUTHOR)
    assert store.get(lot).revision == 100
    return lot


def latency(function, runs: int = 200) -> list[float]:
    return time_calls(function, runs=runs, warmup=10)


def searches(store: Store, count: int, lot: str) -> dict[str, list[float]]:
    rng = random.Random(3)

    def pick() -> int:
        return rng.randrange(count)

    def by_pk():
        with store.engine.connect() as connection:
            connection.execute(select(batches.c.lot_number).where(batches.c.id == pick() + 2)).all()

    def by_patient():
        store.search(patient=rng.choice(NAMES) + " " + rng.choice(NAMES), limit=50)

    def by_lot():
        n = pick()
        day = date(2021, 1, 1) + timedelta(days=n // 900)
        assert store.search(lot_number=f"{day:%Y%m%d}-{n % 900 + 100:03d}")

    def by_rx():
        assert store.search(rx_number=str(500000 + pick()))

    def recall():
        n = pick() | 1  # an odd batch: never one of the RECALLED lot's
        assert store.recall(source_lot=f"n{n % 5000}")[0]

    def recall_10k_page():
        page, total, _ = store.recall(source_lot=RECALLED.lower(), limit=100,
                                      after=rng.randrange(count) // 2)
        assert total >= count // 100 and page

    def read():
        assert store.get(lot).revision == 100

    return {"baseline: primary-key look-up": latency(by_pk),
            "search by patient (prefix, 50 newest)": latency(by_patient),
            "search by lot number": latency(by_lot),
            "search by Rx number": latency(by_rx),
            "recall by tablet lot (~200 batches)": latency(recall),
            "recall, 10 000 matches: one page of 100": latency(recall_10k_page),
            "read a record with 100 revisions": latency(read)}


def recall_memory(url: str) -> tuple[float, float, int]:
    """The server's peak memory [MB] before and after a client pages through the recall that
    matches 10 000 batches (``GET /api/v1/recall``, 500 a page), and how many it listed."""
    people = Accounts(create_engine(url), key=KEY)
    if people.find("recaller") is None:
        people.add("recaller", "Recall clerk", "a long benchmark passphrase", ["technician"],
                   own=True)
    _, token = people.create_token(f"recall-{uuid.uuid4().hex[:6]}", "recaller",
                                   ["records:read"])
    people.engine.dispose()
    port = _free_port()
    data = tempfile.mkdtemp()  # the server's checkpoints, not the user's data folder
    env = {**os.environ, "COMPOUNDING_DATABASE_URL": url,
           "COMPOUNDING_CHAIN_KEY": KEY.decode(), "COMPOUNDING_DATA_DIR": data}
    server = subprocess.Popen([sys.executable, "-m", "compounding.cli", "serve", "--port",
                               str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        before = _peak_mb(server.pid)
        listed, after = 0, None
        while True:
            path = f"/api/v1/recall?source_lot={RECALLED}&limit=500"
            status, body = _get(port, path + (f"&after={after}" if after is not None else ""),
                                token)
            assert status == 200, body[:200]
            page = json.loads(body)
            listed += len(page["records"])
            after = page["next"]
            if after is None:
                break
        return before, _peak_mb(server.pid), listed
    finally:
        server.terminate()
        server.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str, token: str | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"}
                           if token else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(name: str, url: str, count: int) -> bool:
    print(f"\n{name}")
    store = Store.open(url, KEY)
    store.create(ORDER, DEFAULT_PROFILE, AUTHOR)
    ours = writers(url, _create)
    raw = writers(url, _raw)
    print(f"  Store.create, 8 processes        {ours:8.0f} records/s")
    print(f"  baseline: plain SQL inserts       {raw:8.0f} records/s  ({ours / raw:.0%} of it)")
    ok = True
    if name == "SQLite":
        ok &= verdict("≥ 200 records/s on SQLite", ours >= 200, f"{ours:.0f} records/s")
    start = time.perf_counter()
    seed(store, count)
    print(f"  seeded {count} records in {time.perf_counter() - start:.1f} s "
          f"({store.count()} in all)")
    lot = corrected_record(store)
    for label, samples in searches(store, count, lot).items():
        p95 = percentile(samples, 95)
        print(f"  {label:<42} median {statistics.median(samples) * 1e3:7.2f} ms   "
              f"p95 {p95 * 1e3:7.2f} ms")
        if not label.startswith("baseline"):
            ok &= verdict(f"{label}: p95 ≤ 50 ms", p95 <= 0.050, f"{p95 * 1e3:.2f} ms")
    store.engine.dispose()
    before, after, listed = recall_memory(url)
    print(f"  server peak memory: {before:.0f} MB started, {after:.0f} MB after listing the "
          f"{listed} batches of a recall")
    ok &= verdict("server memory ≤ 200 MB during a 10 000-batch recall", after <= 200,
                  f"{after:.0f} MB")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        ok &= run("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite3'}", args.records)
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"compounding_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
        ok &= run("PostgreSQL", url, args.records)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
