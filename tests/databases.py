"""Databases for the records tests: a SQLite file, and a fresh PostgreSQL database per test.

PostgreSQL is ``COMPOUNDING_TEST_POSTGRES_URL`` (default: the local server, trust
authentication, database ``test``). Where none answers, its tests are skipped, except in CI
(``CI`` set), where that is a failure: CI installs and starts one (``tests/install-deps``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES = os.environ.get("COMPOUNDING_TEST_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database; dropped afterwards."""
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name = f"compounding_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server, or no right to create databases
        admin.dispose()
        message = f"PostgreSQL at {POSTGRES} is not available: {exc}"[:300]
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'records.sqlite3'}"
    else:
        with fresh_postgres() as url:
            yield url
