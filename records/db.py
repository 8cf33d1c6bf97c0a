"""The database connection: SQLite by default (a file, WAL mode), PostgreSQL by URL.

``COMPOUNDING_DATABASE_URL`` selects the database (``postgresql+psycopg://user@host/db``);
without it, a SQLite file in the data directory is created on first use
(:meth:`compounding.service_settings.ServiceSettings.records_url`). SQLite runs in WAL
mode with ``synchronous=FULL`` (a committed record survives a crash or power loss). A write
transaction (a connection with the execution option ``writes=True``, see :func:`writer`)
begins ``IMMEDIATE``, so concurrent writers queue for the lock instead of failing halfway, and a
busy timeout lets them wait; reads begin ``DEFERRED`` and, in WAL mode, never wait for a writer.

Statement parameters never appear in an error's text (``hide_parameters``): a fault logged by
the server names no patient. A SQLite file the workbench creates is 0600 in a 0700 folder
(security.md); a PostgreSQL server that does not answer within 5 s is reported, not waited on.
"""

from __future__ import annotations

import os

from sqlalchemy import Engine, create_engine, event

BUSY_TIMEOUT_S = 30
CONNECT_TIMEOUT_S = 5
POOL_SIZE = 16  # connections kept open: at least the server's threads, so none is reopened


def _private_file(url: str) -> None:
    """Create the SQLite file 0600 before SQLite does (its WAL and index files follow it)."""
    path = url.removeprefix("sqlite:///")
    if path and path != ":memory:" and not os.path.exists(path):
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def writer(engine: Engine) -> Engine:
    """The same engine, for transactions that write (``BEGIN IMMEDIATE`` on SQLite)."""
    return engine.execution_options(writes=True)


def make_engine(url: str) -> Engine:
    """An engine for ``url``, set up for this application's transactions."""
    if url.startswith("sqlite"):
        _private_file(url)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_S},
                               pool_size=POOL_SIZE, max_overflow=POOL_SIZE,
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # we say BEGIN ourselves
            cursor = dbapi_connection.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                           f"busy_timeout={BUSY_TIMEOUT_S * 1000}"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection) -> None:
            writes = connection.get_execution_options().get("writes", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN DEFERRED")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_SIZE,
                         pool_timeout=10, hide_parameters=True,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
