"""Tamper evidence: every batch's history is a chain of keyed SHA-256 digests (security.md).

Revision 1 links to the digest of the batch's recorded content (lot, order, plan, profile,
creation time); every revision's digest covers its own content (number, action, status, author,
whether the author was signed in, server time, reason, data) and the digest before it. The audit
log is one chain of the same kind. The digests are HMAC-SHA-256 under the chain key, which lives
outside the database (``COMPOUNDING_CHAIN_KEY``, else the file ``chain.key`` beside the records,
made 0600 on first start): whoever can write the tables but not read the key cannot forge a
consistent history, and whoever changes, inserts or removes a row breaks the chain at that row.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

KEY_FILE = "chain.key"
GENESIS = "0" * 64


def load_key(folder: str | os.PathLike[str], given: str | None = None) -> bytes:
    """``given`` (``COMPOUNDING_CHAIN_KEY``), else the key file in ``folder`` (made 0600 when
    missing)."""
    if given:
        return given.encode()
    path = Path(folder) / KEY_FILE
    if not path.exists():
        Path(folder).mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:  # another process made it first
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _moment(value: datetime) -> str:
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def digest(key: bytes, *parts: Any) -> str:
    """HMAC-SHA-256 of the parts' canonical JSON (times in UTC, to the microsecond)."""
    canonical = json.dumps([_moment(p) if isinstance(p, datetime) else p for p in parts],
                           ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def batch_digest(key: bytes, row: Any) -> str:
    """The digest of a batch's recorded content (the link before revision 1). An archived
    record (imported with signatures this installation cannot verify: :mod:`.imports`) has
    that in its content, so the flag cannot be lifted without breaking its chain; the digest
    of a live one is what it always was."""
    parts = ["batch", row.lot_number, row.lot_date.isoformat(), row.created_at, row.order_json,
             row.plan_json, row.profile_json]
    if getattr(row, "archived", 0):
        parts.append("archived")
    return digest(key, *parts)


def revision_digest(key: bytes, prev: str, row: Any) -> str:
    """The digest of one revision, linked to ``prev``."""
    return digest(key, "revision", prev, row.number, row.action, row.status, row.author,
                  row.author_id, bool(row.signed_in), row.at, row.reason, row.data_json)


def event_digest(key: bytes, prev: str, row: Any) -> str:
    """The digest of one audit event, linked to ``prev``."""
    return digest(key, "event", prev, row.at, row.user_id, row.token_id, row.action, row.target,
                  row.detail_json, row.remote)


def feed_digest(key: bytes, prev: str, row: Any) -> str:
    """The digest of one change-feed event, linked to ``prev``: the feed is one chain over
    every revision written and every label printed, in order, so its head anchors all the
    batches' histories at once (a batch removed whole, or cut short, leaves the feed's chain
    or its checkpoints unmet)."""
    return digest(key, "feed", prev, row.batch_id, row.action, row.revision, row.status, row.at,
                  row.user_id, row.revision_hash)


def state_digest(key: bytes, prev: str, row: Any) -> str:
    """The digest of one account state (a user or an API token as it stood after a change),
    linked to ``prev``; ``seq`` is its place in the accounts chain."""
    return digest(key, "account", prev, row.seq, row.kind, row.subject_id, row.state_json,
                  row.at, row.author_id)


def key_check(key: bytes) -> str:
    """What the chain key writes into the database once, so that a different key (a lost
    ``chain.key`` replaced) is recognised before it reads every record as tampered."""
    return digest(key, "chain key")


def database_id(key: bytes, nonce: str | None = None) -> str:
    """A database's own name: 32 random hex digits and their HMAC's first 32, so that it
    cannot be set to another without the key (:func:`database_id_holds`). Checkpoints name
    the database they were taken of."""
    nonce = nonce or secrets.token_hex(16)
    return nonce + digest(key, "database", nonce)[:32]


def database_id_holds(key: bytes, value: str | None) -> bool:
    """Whether ``value`` is a database name made with ``key``."""
    return value is not None and len(value) == 64 and same(value, database_id(key, value[:32]))


def same(a: str | None, b: str | None) -> bool:
    """Digests compared in constant time."""
    return a is not None and b is not None and hmac.compare_digest(a, b)
