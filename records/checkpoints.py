"""Checkpoints: the chains' heads written outside the database, so that history cut short
from its end is seen (security.md, tamper evidence; in the manner of a transparency log's
signed tree heads).

A chain sees a changed, inserted or removed row, but not its own end cut off with the head
moved back: the shorter chain is whole. A checkpoint is one line of ``checkpoints.log``, in the
folder of the chain key (never in the database): the length and last link of each chain
(``feed``, every batch's history; ``audit``; ``accounts``; ``formulary``; ``kits``), the
time, and an HMAC-SHA-256 of the line under a key derived from the chain key, which the
database never holds. One is
appended (and flushed to disk) after every revision of a record, every change to an account,
and at most every minute while the audit trail grows. ``compounding db verify`` checks every
checkpoint: its signature, and that each chain still reaches that length with that link.

What a checkpoint proves: whoever can write the database but not the checkpoint file (the
application's PostgreSQL role, a restored dump) cannot remove what was written before the
last checkpoint. What it does not: someone with the chain key and the files can rewrite both;
history written after the last checkpoint can be cut (at most a minute of audit events; no
signed step, since each one writes its checkpoint before it is answered).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from compounding import clock

from .schema import account_states, audit_events, chain_heads, events, kits, mfr_revisions

FILE = "checkpoints.log"
CHAINS = {"feed": events, "audit": audit_events, "accounts": account_states,
          "formulary": mfr_revisions, "kits": kits}
AUDIT_EVERY_S = 60.0
"""At most this long between checkpoints while only the audit trail grows [s]."""


def _signing_key(key: bytes) -> bytes:
    return hmac.new(key, b"compounding checkpoint", hashlib.sha256).digest()


def _signature(key: bytes, body: str) -> str:
    return hmac.new(_signing_key(key), body.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One line: when, and each chain's length and last link."""

    line: int
    at: str
    heads: dict[str, tuple[int, str]]


class Checkpoints:
    """The checkpoint file of one installation (``folder``: where ``chain.key`` is)."""

    def __init__(self, folder: str | os.PathLike[str], key: bytes) -> None:
        self.path = Path(folder) / FILE
        self._key = key
        self._last = 0.0
        self._database: str | None = None
        """The database's name, once read: one folder may keep checkpoints of several
        databases (``--database``), and each is checked against its own."""

    def database(self, engine: Engine) -> str | None:
        """The name of the database these checkpoints are of (its ``database`` head)."""
        if self._database is None:
            with engine.connect() as connection:
                self._database = connection.execute(
                    select(chain_heads.c.hash).where(chain_heads.c.name == "database")).scalar()
        return self._database

    def write(self, engine: Engine) -> None:
        """Append the chains' heads as they stand, flushed to disk."""
        database = self.database(engine)
        with engine.connect() as connection:
            rows = connection.execute(select(chain_heads.c.name, chain_heads.c.count,
                                             chain_heads.c.hash)
                                      .where(chain_heads.c.name.in_(list(CHAINS)))).all()
        heads = {r.name: [r.count, r.hash] for r in sorted(rows)}
        body = json.dumps({"at": clock.now().isoformat(timespec="seconds"), "heads": heads,
                           "database": database}, sort_keys=True, separators=(",", ":"))
        line = json.dumps({"checkpoint": body, "hmac": _signature(self._key, body)},
                          separators=(",", ":")) + "\n"
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            os.write(descriptor, line.encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        self._last = time.monotonic()

    def write_soon(self, engine: Engine) -> None:
        """A checkpoint if none was written by this process in :data:`AUDIT_EVERY_S`."""
        if time.monotonic() - self._last >= AUDIT_EVERY_S:
            self.write(engine)

    def read(self, engine: Engine | None = None) -> tuple[list[Checkpoint], list[str]]:
        """The checkpoints (of the database of ``engine``, when given), and what is wrong with
        the file, in words."""
        database = self.database(engine) if engine is not None else self._database
        if not self.path.exists():
            return [], []
        found, problems = [], []
        with open(self.path, encoding="utf-8") as lines:
            for number, text in enumerate(lines, start=1):
                try:
                    outer = json.loads(text)
                    body = outer["checkpoint"]
                    good = hmac.compare_digest(str(outer["hmac"]), _signature(self._key, body))
                    inner = json.loads(body)
                    heads = {name: (int(count), str(link))
                             for name, (count, link) in inner["heads"].items()}
                except (ValueError, KeyError, TypeError):
                    problems.append(f"checkpoint {number}: the line cannot be read")
                    continue
                if not good:
                    problems.append(f"checkpoint {number}: its signature does not match "
                                    f"(written without the chain key)")
                    continue
                if database is None or inner.get("database") == database:
                    found.append(Checkpoint(number, inner["at"], heads))
        return found, problems

    def reached(self, name: str, engine: Engine | None = None) -> dict[int, set[str]]:
        """For chain ``name``: each length a checkpoint names, with the links it names there."""
        wanted: dict[int, set[str]] = {}
        for checkpoint in self.read(engine)[0]:
            if name in checkpoint.heads:
                count, link = checkpoint.heads[name]
                wanted.setdefault(count, set()).add(link)
        return wanted


def unmet(checkpoints: Checkpoints, name: str, links: list[str] | Any,
          engine: Engine | None = None) -> list[str]:
    """The checkpoints of chain ``name`` (of the database of ``engine``) that its rows, in
    order (``links``: each row's hash), no longer reach, in words."""
    wanted = checkpoints.reached(name, engine)
    wanted.pop(0, None)  # a chain begun empty (the kits'): any length reaches that
    if not wanted:
        return []
    found, position = [], 0
    for position, link in enumerate(links, start=1):
        for expected in wanted.pop(position, set()):
            if not hmac.compare_digest(expected, link):
                found.append(f"the {name} chain's link {position} is not the one a checkpoint "
                             f"recorded: its history was rewritten")
    for count in sorted(wanted):
        found.append(f"a checkpoint recorded {count} links in the {name} chain, which now has "
                     f"{position}: its end was cut off")
    return found
