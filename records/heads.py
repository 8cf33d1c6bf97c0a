"""Appending to the database-wide chains: the change feed and the accounts (security.md).

Each chain's last link and length are kept in ``chain_heads`` under its name and moved in the
appending transaction, with the head row locked first, so two writers append one after the
other and the rows' ids follow the chain's order. ``feed``: one event per revision written and
per dispensing label printed (:func:`compounding.records.chain.feed_digest`). ``accounts``:
every state a user or an API token has been in, written with each change
(:func:`compounding.records.chain.state_digest`); the row in ``users`` or ``api_tokens`` must
be its subject's last state. ``key``: :func:`compounding.records.chain.key_check`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select, update

from .chain import GENESIS, feed_digest, state_digest
from .schema import account_states, chain_heads, events

FEED = "feed"
ACCOUNTS = "accounts"
KEY = "key"
USER_FIELDS = ("id", "username", "name", "licence", "roles", "password_hash", "password_set_at",
               "disabled", "created_at")
"""What a user's state holds: all that decides who signs (not the sign-in failure counter)."""
TOKEN_FIELDS = ("id", "name", "owner_id", "scopes", "prefix", "secret_hash", "created_at",
                "revoked_at")


def _locked_head(connection: Any, name: str) -> tuple[str, int, bool]:
    head = connection.execute(select(chain_heads.c.hash, chain_heads.c.count)
                              .where(chain_heads.c.name == name).with_for_update()).first()
    return (head.hash, head.count, True) if head else (GENESIS, 0, False)


def _move(connection: Any, name: str, link: str, count: int, existed: bool) -> None:
    if existed:
        connection.execute(update(chain_heads).where(chain_heads.c.name == name)
                           .values(hash=link, count=count))
    else:
        connection.execute(insert(chain_heads).values(name=name, hash=link, count=count))


def append_events(connection: Any, key: bytes, rows: list[dict[str, Any]]) -> None:
    """Append change-feed events (``batch_id``, ``action``, ``revision``, ``status``, ``at``,
    ``user_id``, ``revision_hash``), in order, to the feed's chain."""
    prev, count, existed = _locked_head(connection, FEED)
    for row in rows:
        link = feed_digest(key, prev, SimpleNamespace(**row))
        connection.execute(insert(events).values(**row, prev_hash=prev, hash=link))
        prev, count = link, count + 1
    _move(connection, FEED, prev, count, existed)


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def _values(row: Any) -> Any:
    if isinstance(row, dict):
        return row
    return row._mapping if hasattr(row, "_mapping") else vars(row)


def state_of(kind: str, row: Any) -> str:
    """A user's or token's row as its state: canonical JSON of :data:`USER_FIELDS` or
    :data:`TOKEN_FIELDS` (times in UTC, to the microsecond)."""
    fields = USER_FIELDS if kind == "user" else TOKEN_FIELDS
    values = _values(row)
    return json.dumps({name: _text(values[name]) for name in fields}, ensure_ascii=False,
                      sort_keys=True, separators=(",", ":"))


def append_state(connection: Any, key: bytes, kind: str, row: Any, at: datetime,
                 author_id: int | None) -> None:
    """Append the state ``row`` (a ``users`` or ``api_tokens`` row just written) of a user or
    token to the accounts chain, by ``author_id`` (``None``: the command line or the setup)."""
    prev, count, existed = _locked_head(connection, ACCOUNTS)
    entry = SimpleNamespace(seq=count + 1, kind=kind, subject_id=_values(row)["id"],
                            state_json=state_of(kind, row), at=at, author_id=author_id)
    link = state_digest(key, prev, entry)
    connection.execute(insert(account_states).values(**vars(entry), prev_hash=prev, hash=link))
    _move(connection, ACCOUNTS, link, entry.seq, existed)
