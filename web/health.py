"""``/healthz``: can the service serve and keep what it is given?

200 when the records database answers, a write reaches it and commits, and (SQLite) its disk
has room; otherwise 503 ``UNAVAILABLE`` with ``Retry-After`` (security.md, "The input
boundary"). The write is a single row's time, made at most once every
:data:`WRITE_CHECK_S` seconds however often a load balancer asks; the answer of the last write
is reused in between.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from compounding.records import Store

WRITE_CHECK_S = 2.0
MIN_FREE_BYTES = 16 * 1024 * 1024
"""Below this much free disk beside a SQLite database, the service says it cannot keep records
[bytes]."""


class Health:
    """The health of one records store, with the last write check remembered."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._checked = float("-inf")
        self._problem: str | None = None
        database = store.engine.url.database
        self._folder = (Path(database).resolve().parent
                        if store.engine.dialect.name == "sqlite" and database
                        and database != ":memory:" else None)

    def problem(self) -> str | None:
        """``None`` when healthy, else what is wrong, in words (no data, no path)."""
        try:
            self.store.ping()
        except SQLAlchemyError:
            return "the records database does not answer"
        with self._lock:
            if time.monotonic() - self._checked >= WRITE_CHECK_S:
                self._problem = self._write_problem()
                self._checked = time.monotonic()
            return self._problem

    def _write_problem(self) -> str | None:
        if self._folder is not None:
            try:
                free = shutil.disk_usage(self._folder).free
            except OSError:
                return "the records folder cannot be read"
            if free < MIN_FREE_BYTES:
                return "the disk of the records database is full"
        try:
            self.store.check_writable()
        except SQLAlchemyError:
            return "the records database cannot be written"
        return None
