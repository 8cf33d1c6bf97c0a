"""Failed sign-ins held back by who tries and from where, with a wait that doubles.

A hard lock after five failures let anyone on the network lock any pharmacist out. Failures are
counted instead under three keys, each with its own allowance (security.md, "People and roles";
OWASP Authentication Cheat Sheet, "Account lockout"):

- one name from one address: :data:`NAME_AT_ADDRESS_FREE` failures, then held back;
- one address, whatever the names: :data:`ADDRESS_FREE` (a guesser moving from name to name);
- one name, from every address: :data:`NAME_FREE` (a guesser moving from address to address).

A key past its allowance is held back for :data:`FIRST_WAIT`, doubled with each further failure
up to :data:`LONGEST_WAIT`. A stranger's failures hold back that stranger's address and the name
from that address, not the pharmacist at her own bench, until they pass the much larger
allowance of the name from everywhere. A count starts again when its last failure is older
than :data:`FORGET_AFTER`; a right password clears the name's counts. Unknown names are counted
like known ones, so the answer says nothing about which names exist. Each count is one atomic
``INSERT … ON CONFLICT DO UPDATE … RETURNING``: parallel guesses cannot pass between a read and
a write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, case, select
from sqlalchemy.dialects import postgresql, sqlite

from compounding import clock

from .db import writer
from .schema import sign_in_failures

NAME_AT_ADDRESS_FREE = 5
ADDRESS_FREE = 20
NAME_FREE = 50
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Held:
    """A sign-in held back, and for how long [s]."""

    seconds: int
    started_now: bool = False


def wait_after(failures: int, allowance: int) -> timedelta | None:
    """How long a key with ``failures`` is held back: none within ``allowance``, then
    :data:`FIRST_WAIT` doubled for each failure past it, at most :data:`LONGEST_WAIT`.

    >>> wait_after(5, 5), wait_after(6, 5), wait_after(8, 5), wait_after(40, 5)
    (datetime.timedelta(seconds=60), datetime.timedelta(seconds=120), \
datetime.timedelta(seconds=480), datetime.timedelta(seconds=900))
    """
    if failures < allowance:
        return None
    return min(FIRST_WAIT * 2 ** min(failures - allowance, 16), LONGEST_WAIT)


def keys(name: str, address: str | None) -> list[tuple[str, int]]:
    """The counters a sign-in of ``name`` from ``address`` touches, with their allowances."""
    where = address or "local"
    return [(f"name:{name}@{where}", NAME_AT_ADDRESS_FREE), (f"address:{where}", ADDRESS_FREE),
            (f"name:{name}", NAME_FREE)]


class Throttle:
    """The failure counts of one records database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writes = writer(engine)

    def held(self, name: str, address: str | None) -> Held | None:
        """Whether a sign-in of ``name`` from ``address`` is held back now, and for how long."""
        now = clock.now()
        with self.engine.connect() as connection:
            until = connection.execute(select(sign_in_failures.c.held_until).where(
                sign_in_failures.c.key.in_([k for k, _ in keys(name, address)]))).scalars()
            latest = max((_aware(u) for u in until if u is not None), default=None)
        if latest is None or latest <= now:
            return None
        return Held(seconds=max(1, int((latest - now).total_seconds() + 0.999)))

    def failed(self, name: str, address: str | None) -> Held | None:
        """Count one failure under every key, atomically; the hold it starts, if any."""
        now = clock.now()
        longest: timedelta | None = None
        with self._writes.begin() as connection:
            for key, allowance in keys(name, address):
                count = connection.execute(self._count(key, now)).scalar_one()
                wait = wait_after(count, allowance)
                if wait is not None:
                    connection.execute(sign_in_failures.update()
                                       .where(sign_in_failures.c.key == key)
                                       .values(held_until=now + wait))
                    longest = max(wait, longest or wait)
        return Held(int(longest.total_seconds()), started_now=True) if longest else None

    def succeeded(self, name: str, address: str | None) -> None:
        """A right password: the name's counts start again (the address's stays)."""
        mine = [k for k, _ in keys(name, address) if k.startswith("name:")]
        with self._writes.begin() as connection:  # reset, not deleted: the role deletes nothing
            connection.execute(sign_in_failures.update().where(sign_in_failures.c.key.in_(mine))
                               .values(failures=0, held_until=None))

    def _count(self, key: str, now: datetime) -> Any:
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        table = sign_in_failures
        statement = dialect.insert(table).values(key=key, failures=1, last_at=now,
                                                 held_until=None)
        stale = table.c.last_at < now - FORGET_AFTER
        return statement.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={"failures": case((stale, 1), else_=table.c.failures + 1), "last_at": now,
                  "held_until": case((stale, None), else_=table.c.held_until)},
        ).returning(table.c.failures)


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
