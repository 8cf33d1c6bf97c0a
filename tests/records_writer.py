"""A separate process that writes records: ``python -m tests.records_writer URL COUNT``.

COUNT 0 writes until it is killed (the crash test); each record is created, then completed at
the bench, so a kill can land in either kind of transaction.
"""

from __future__ import annotations

import itertools
import sys

from compounding.profile import DEFAULT_PROFILE
from compounding.records import Store

from .helpers import LOTS_USED, make_order
from .people import KEY, TECH

BENCH = {"tablets_used": 3, "tablet_powder_actual": "748 mg", "filler_actual": "3581 mg",
         "capsules_made": 33, "capsule_weights": ["130 mg"] * 10,
         "compounded_at": "2026-11-22T10:00:00+00:00", **LOTS_USED, "source_lot": "N-BENCH"}


def main(url: str, count: int) -> None:
    store = Store.open(url, KEY, migrate=False)
    order = make_order(patient={"name": "Process Writer"}, source={"lot": "N456"})
    numbers = range(count) if count else itertools.count()
    for _ in numbers:
        lot = store.create(order, DEFAULT_PROFILE, TECH).lot_number
        if not count:
            store.enter_bench(lot, BENCH, TECH)
    print("done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
