"""Signed-in sessions kept by the server, so that ending one ends it everywhere.

The browser's cookie carries only a random secret (256 bits); the server keeps its SHA-256 with
the user, when the session began and when it was last used. A session is over when it was
signed out, when its user's password changed or the user was disabled, after
:data:`IDLE` without a request, and :data:`LIFETIME` *(default)* after it began however busy it
is (security.md, "People and roles"; NIST SP 800-63B §7.1-7.2: reauthentication at most every
12 hours, and after 15-30 minutes of inactivity for AAL2-3). A copied cookie is worth nothing
once its session has ended.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select, update

from compounding import clock

from .db import writer
from .schema import sessions

IDLE = timedelta(minutes=15)
LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(seconds=30)
"""How stale ``seen_at`` may be before a request writes it again [s]: one write per half
minute of use, not one per request."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Sessions:
    """The sessions of one records database."""

    def __init__(self, engine: Engine, lifetime: timedelta = LIFETIME,
                 idle: timedelta = IDLE) -> None:
        self.engine = engine
        self.lifetime = lifetime
        self.idle = idle
        self._writes = writer(engine)

    def begin(self, user_id: int, remote: str | None) -> str:
        """A new session of ``user_id``; its secret, for the cookie (never stored)."""
        secret = secrets.token_urlsafe(32)
        now = clock.now()
        with self._writes.begin() as connection:
            connection.execute(insert(sessions).values(
                id=_digest(secret), user_id=user_id, created_at=now, seen_at=now,
                remote=(remote or "")[:64] or None))
        return secret

    def check(self, secret: str | None, user_id: int) -> str | None:
        """``None`` when the session of ``secret`` is live for ``user_id`` (and marks it
        used); otherwise why not: ``"unknown"``, ``"ended"``, ``"idle"`` or ``"expired"``. An
        idle or expired session is ended here."""
        if not secret:
            return "unknown"
        now = clock.now()
        with self.engine.connect() as connection:
            row = connection.execute(select(sessions).where(
                sessions.c.id == _digest(secret))).first()
        if row is None or row.user_id != user_id:
            return "unknown"
        if row.ended_at is not None:
            return "ended"
        why = ("expired" if now - _aware(row.created_at) >= self.lifetime
               else "idle" if now - _aware(row.seen_at) > self.idle else None)
        if why is not None:
            self.end(secret, why)
            return why
        if now - _aware(row.seen_at) >= TOUCH_EVERY:
            with self._writes.begin() as connection:
                connection.execute(update(sessions).where(sessions.c.id == row.id)
                                   .values(seen_at=now))
        return None

    def end(self, secret: str | None, why: str) -> None:
        """End the session of ``secret`` (``"signed_out"``, ``"idle"``, ``"expired"``)."""
        if not secret:
            return
        with self._writes.begin() as connection:
            connection.execute(update(sessions).where(sessions.c.id == _digest(secret),
                                                      sessions.c.ended_at.is_(None))
                               .values(ended_at=clock.now(), ended_why=why))

    def end_all(self, user_id: int, why: str) -> int:
        """End every live session of ``user_id`` (``"password"``, ``"disabled"``,
        ``"roles"``); how many ended."""
        with self._writes.begin() as connection:
            done = connection.execute(update(sessions).where(
                sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))
                .values(ended_at=clock.now(), ended_why=why))
        return done.rowcount or 0

    def live(self, user_id: int) -> int:
        """How many sessions of ``user_id`` have not ended (some may be past their time)."""
        with self.engine.connect() as connection:
            return len(connection.execute(select(sessions.c.id).where(
                sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))).all())
