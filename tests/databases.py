"""Databases for the records tests: a SQLite file, and a fresh PostgreSQL database per test.

PostgreSQL is ``COMPOUNDING_TEST_POSTGRES_URL`` (default: the local server, trust
authentication, database ``test``). Where none answers, its tests are skipped, except in CI
(``CI`` set), where that is a failure: CI installs and starts one (``tests/install-deps``).

A test that starts from a migrated database (the ``store`` fixture) gets a copy of one this
process migrated once (:class:`Migrated`): a copied SQLite file, a PostgreSQL database made from
a template. Migrating a new database costs some 0.1 s on SQLite and 0.2 s on PostgreSQL, and
more on a busy machine; copying one, some 0.03 s.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

POSTGRES = os.environ.get("COMPOUNDING_TEST_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class _Admin:
    """This process's connection to the server as its administrator, which makes the tests'
    databases and drops them in the background: a ``DROP DATABASE`` waits for a checkpoint
    (PostgreSQL 15), some 0.1 s, and over 1 s on a busy machine, which no test needs to wait for.
    :meth:`finish` waits for the drops, and names those that failed."""

    def __init__(self) -> None:
        self._engine: Engine | None = None
        self._dropping: queue.Queue[str] = queue.Queue()
        self._dropper: threading.Thread | None = None
        self._failed: list[str] = []
        self._later: list[subprocess.Popen[bytes]] = []

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(POSTGRES, isolation_level="AUTOCOMMIT",
                                         pool_pre_ping=True)
        return self._engine

    def drop(self, name: str) -> None:
        if self._dropper is None:
            self._dropper = threading.Thread(target=self._drop_each, daemon=True,
                                             name="drops the tests' databases")
            self._dropper.start()
        self._dropping.put(name)

    def _drop_each(self) -> None:
        while True:
            name = self._dropping.get()
            try:
                with self.engine().connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            except Exception as exc:  # named by finish()
                self._failed.append(f"{name}: {exc}"[:300])
            finally:
                self._dropping.task_done()

    def finish(self) -> list[str]:
        """Hand the drops still queued to a process of their own, which outlives this one (the
        suite does not wait for PostgreSQL's checkpoints: on a busy machine, a minute at the
        end of every worker); wait for the one under way; those that failed."""
        pending = []
        while True:
            try:
                pending.append(self._dropping.get_nowait())
            except queue.Empty:
                break
            self._dropping.task_done()
        if pending:  # kept, so that it is never collected (and warned about) while it runs
            self._later.append(subprocess.Popen(
                [sys.executable, "-c", DROP_LATER, POSTGRES, *pending],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True))
        self._dropping.join()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        failed, self._failed = self._failed, []
        return failed


DROP_LATER = """
import sys
from sqlalchemy import create_engine, text
engine = create_engine(sys.argv[1], isolation_level="AUTOCOMMIT")
for name in sys.argv[2:]:
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except Exception:
        pass
"""
"""What the process that outlives a worker runs: drop each database named after the URL."""
ADMIN = _Admin()


@contextmanager
def fresh_postgres(template: str | None = None) -> Iterator[str]:
    """A new, empty PostgreSQL database (or a copy of the database ``template``, which no one
    may be connected to); dropped afterwards (in the background: :class:`_Admin`)."""
    name = f"compounding_{uuid.uuid4().hex[:12]}"
    copied = f' TEMPLATE "{template}"' if template else ""
    try:
        with ADMIN.engine().connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copied}'))
    except Exception as exc:  # no server, or no right to create databases
        message = f"PostgreSQL at {POSTGRES} is not available: {exc}"[:300]
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    finally:
        ADMIN.drop(name)


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'records.sqlite3'}"
    else:
        with fresh_postgres() as url:
            yield url


class Migrated:
    """Databases migrated once by this process, by ``make`` (a function of a new database's
    URL, which must leave no connection open), copied for each test that starts from one."""

    def __init__(self, folder: Path, make: Callable[[str], None]) -> None:
        self._folder = folder
        self._make = make
        self._sqlite: Path | None = None
        self._postgres: str | None = None  # the template's name
        self._dropped = ExitStack()

    def sqlite(self, path: Path) -> str:
        """The URL of a copy of the migrated SQLite file at ``path`` (0600, as the workbench
        makes its own)."""
        if self._sqlite is None:
            template = self._folder / "migrated.sqlite3"
            self._make(f"sqlite:///{template}")  # its last connection closed: no WAL left
            self._sqlite = template
        with self._sqlite.open("rb") as source, \
                open(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600), "wb") as copy:
            shutil.copyfileobj(source, copy)
        return f"sqlite:///{path}"

    @contextmanager
    def postgres(self) -> Iterator[str]:
        """A copy of the migrated PostgreSQL database (``CREATE DATABASE ... TEMPLATE``);
        dropped afterwards."""
        if self._postgres is None:
            url = self._dropped.enter_context(fresh_postgres())
            self._make(url)
            self._postgres = make_url(url).database
        with fresh_postgres(template=self._postgres) as url:
            yield url

    def close(self) -> None:
        """Drop the PostgreSQL template."""
        self._dropped.close()


@contextmanager
def migrated(kind: str, folder: Path, databases: Migrated) -> Iterator[str]:
    """:func:`database`, migrated: a copy of the one ``databases`` keeps."""
    if kind == "sqlite":
        yield databases.sqlite(folder / "records.sqlite3")
    else:
        with databases.postgres() as url:
            yield url
