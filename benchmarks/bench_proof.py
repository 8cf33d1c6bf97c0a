"""What the proof costs: checkpoints written after every revision, and the accounts chain
checked at every sign-in, signature and token look-up.

On a fresh SQLite database (in a temporary folder on this machine's disk): creating a batch
with no checkpoints (the baseline, measured in the same run) and with a checkpoint appended and
flushed to disk after each; then the accounts chain of 200 users and 200 tokens checked whole,
against the baseline of one argon2id verification at the library's default cost (which every
sign-in and signature pays anyway). Targets: a checkpoint adds at most 10 ms to a create; the
accounts check costs at most half an argon2id verification.

Run: ``python benchmarks/bench_proof.py``. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEY = b"the chain key of this benchmark"


def _median_ms(run, times: int) -> float:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent) * 1000


def main() -> int:
    import time_machine
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from compounding.records import Accounts, Store
    from tests.test_records import ORDER, PROFILE, TECH

    figures: dict[str, float] = {}
    with time_machine.travel("2026-11-22T10:00:00-06:00", tick=True), \
            tempfile.TemporaryDirectory() as folder:
        for name, kept in (("create, no checkpoints (baseline)", None),
                           ("create, with a checkpoint", Path(folder) / "kept")):
            database = Path(folder) / f"{'kept' if kept else 'none'}.sqlite3"
            store = Store.open(f"sqlite:///{database}", KEY, folder=kept)
            figures[name] = _median_ms(lambda kept_in=store: kept_in.create(ORDER, PROFILE, TECH),
                                       100)
            store.engine.dispose()
        store = Store.open(f"sqlite:///{Path(folder) / 'people.sqlite3'}", KEY)
        cheap = PasswordHasher.from_parameters(CHEAPEST)  # the users are made, not timed
        people = Accounts(store.engine, cheap, key=KEY)
        for number in range(200):
            people.add(f"user{number}", f"User {number}", "a long benchmark passphrase",
                       ["technician"], own=True)
            people.create_token(f"token{number}", f"user{number}", ["records:read"])
        with store.engine.connect() as connection:
            figures["accounts chain, 400 states, checked whole"] = _median_ms(
                lambda: people._whole(connection, []), 20)
        store.engine.dispose()
    hasher = PasswordHasher()
    stored = hasher.hash("a long benchmark passphrase")
    figures["argon2id verify, default cost (baseline)"] = _median_ms(
        lambda: hasher.verify(stored, "a long benchmark passphrase"), 10)
    for name, value in figures.items():
        print(f"{name:48} {value:8.2f} ms (median)")
    added = figures["create, with a checkpoint"] - figures["create, no checkpoints (baseline)"]
    share = (figures["accounts chain, 400 states, checked whole"]
             / figures["argon2id verify, default cost (baseline)"])
    print(f"a checkpoint adds {added:.2f} ms to a create (target ≤ 10 ms); the accounts check "
          f"is {share:.2f} of an argon2id verification (target ≤ 0.5)")
    return 0 if added <= 10 and share <= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
