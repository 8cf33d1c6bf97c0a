"""The audit trail (security.md): who read or did what, when, and from where.

Every sign-in and its failures, every read of a patient's record or search result, every create,
change, signature, label print, export and import, every user and token change is one event,
kept with the server's time. Events are append-only (a database trigger refuses changes and
deletes) and chained like the records' history (:mod:`.chain`): the chain's last link is
kept in ``chain_heads`` and moved in the event's own transaction, so a removed or altered event
breaks the chain. Patient data may appear here (what was searched for) and nowhere else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from compounding import clock

from .chain import GENESIS, event_digest, same
from .checkpoints import Checkpoints, unmet
from .db import writer
from .schema import audit_events, chain_heads

CHAIN = "audit"


@dataclass(frozen=True, slots=True)
class Event:
    """One line of the audit trail."""

    id: int
    at: datetime
    user_id: int | None
    token_id: int | None
    action: str
    target: str | None
    detail: dict[str, Any]
    remote: str | None


class AuditLog:
    """The audit trail of one records database."""

    def __init__(self, engine: Engine, key: bytes,
                 checkpoints: Checkpoints | None = None) -> None:
        self.engine = engine
        self._writes = writer(engine)
        self._key = key
        self._checkpoints = checkpoints

    def record(self, action: str, *, user_id: int | None = None, token_id: int | None = None,
               target: str | None = None, detail: dict[str, Any] | None = None,
               remote: str | None = None) -> None:
        """Append one event, linked to the one before it."""
        row = _Row(at=clock.now(), user_id=user_id, token_id=token_id, action=action[:32],
                   target=(target or None) and target[:200],
                   detail_json=json.dumps(detail or {}, ensure_ascii=False, sort_keys=True,
                                          default=str),
                   remote=(remote or None) and remote[:64])
        with self._writes.begin() as connection:
            head = connection.execute(select(chain_heads.c.hash, chain_heads.c.count)
                                      .where(chain_heads.c.name == CHAIN)
                                      .with_for_update()).first()
            prev = head.hash if head else GENESIS
            link = event_digest(self._key, prev, row)
            connection.execute(insert(audit_events).values(**asdict(row), prev_hash=prev,
                                                           hash=link))
            if head is None:
                connection.execute(insert(chain_heads).values(name=CHAIN, hash=link, count=1))
            else:
                connection.execute(update(chain_heads).where(chain_heads.c.name == CHAIN)
                                   .values(hash=link, count=head[1] + 1))
        if self._checkpoints is not None:
            self._checkpoints.write_soon(self.engine)

    def events(self, *, after: int = 0, limit: int = 200) -> list[Event]:
        """Events oldest first, ``limit`` after the id ``after``."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(audit_events).where(audit_events.c.id > after)
                                      .order_by(audit_events.c.id).limit(limit)).all()
        return [_event(r) for r in rows]

    def query(self, *, user_id: int | None = None, action: str | None = None,
              first_day: date | None = None, last_day: date | None = None,
              time_zone: str = "UTC", before: int | None = None, after: int = 0,
              limit: int = 100) -> list[Event]:
        """Events newest first, at most ``limit``: by the user ``user_id``, of ``action``, on
        the days ``first_day`` to ``last_day`` (both included; days in ``time_zone``, the
        pharmacy's, from its midnight to the next), with an id below ``before`` (the next
        page: the last id of this one) and above ``after``. Each filter left ``None`` is not
        applied."""
        query = select(audit_events).where(audit_events.c.id > after)
        if before is not None:
            query = query.where(audit_events.c.id < before)
        if user_id is not None:
            query = query.where(audit_events.c.user_id == user_id)
        if action is not None:
            query = query.where(audit_events.c.action == action)
        if first_day is not None:
            query = query.where(audit_events.c.at >= self._midnight(first_day, time_zone))
        if last_day is not None:
            query = query.where(audit_events.c.at < self._midnight(
                last_day + timedelta(days=1), time_zone))
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(audit_events.c.id.desc())
                                      .limit(limit)).all()
        return [_event(r) for r in rows]

    def count(self, action: str, target: str) -> int:
        """How many events of ``action`` the trail holds about ``target`` (a lot number)."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(audit_events)
                .where(audit_events.c.action == action,
                       audit_events.c.target == target)).scalar_one()

    def _midnight(self, day: date, time_zone: str) -> datetime:
        """The moment ``day`` begins in ``time_zone``, in UTC as the column holds it (SQLite:
        without an offset, as written)."""
        moment = datetime.combine(day, time(0), tzinfo=clock.zone(time_zone)).astimezone(UTC)
        return moment.replace(tzinfo=None) if self.engine.dialect.name == "sqlite" else moment

    def all(self) -> Iterator[Event]:
        after = 0
        while page := self.events(after=after, limit=1000):
            yield from page
            after = page[-1].id

    def problems(self) -> list[str]:
        """Every broken link of the trail, in words (empty when whole)."""
        found, prev, count, links = [], GENESIS, 0, []
        with self.engine.connect() as connection:
            head = connection.execute(select(chain_heads)
                                      .where(chain_heads.c.name == CHAIN)).first()
            for row in connection.execute(select(audit_events).order_by(audit_events.c.id)):
                count += 1
                if not same(row.prev_hash, prev):
                    found.append(f"audit event {row.id}: it does not follow the event before it "
                                 f"(an event was removed or inserted)")
                if not same(row.hash, event_digest(self._key, row.prev_hash, row)):
                    found.append(f"audit event {row.id}: its content was changed")
                prev = row.hash
                links.append(row.hash)
        if self._checkpoints is not None:
            found += (self._checkpoints.read(self.engine)[1]
                      + unmet(self._checkpoints, CHAIN, links, self.engine))
        if count and (head is None or not same(head.hash, prev) or head.count != count):
            found.append("the audit trail's last link or count is not the one recorded: events "
                         "were removed from its end")
        return found


@dataclass(slots=True)
class _Row:
    at: datetime
    user_id: int | None
    token_id: int | None
    action: str
    target: str | None
    detail_json: str
    remote: str | None


def _event(row: Any) -> Event:
    return Event(id=row.id, at=row.at, user_id=row.user_id, token_id=row.token_id,
                 action=row.action, target=row.target, detail=json.loads(row.detail_json),
                 remote=row.remote)
