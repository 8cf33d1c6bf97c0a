"""The pharmacy profile as changed on the settings page: every version kept (issue 23).

Each save is one new row of ``profile_settings`` (migration 0011): the version number (1, 2,
...), the JSON of the sections that version changed (``{"balance": {"readability": "0.1 mg",
...}}``: each section whole, its values as text the profile model reads back exactly), who
changed them and when. Rows are never changed or deleted (the migration's triggers; the
application's PostgreSQL role has no UPDATE on the table). The profile in force is the profile
file with each section as its newest version left it (:meth:`ProfileSettings.sections`).

A save names the version it was made from: when another save came first, it is refused
(:class:`SettingsChanged`, HTTP 409), so that no one overwrites a change they never saw.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from compounding import clock
from compounding.errors import ErrorDetail, OrderError

from .db import writer

metadata = MetaData()

profile_settings = Table(
    "profile_settings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version", Integer, nullable=False),
    Column("sections_json", Text, nullable=False),
    Column("changed_by", Integer, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("version", name="uq_profile_settings_version"),
)


class SettingsChanged(OrderError):
    """The settings were saved by someone else since the page was read (HTTP 409)."""

    status = 409


@dataclass(frozen=True, slots=True)
class SettingsVersion:
    """One saved version: the sections it changed, by whom (a user id), when (UTC)."""

    version: int
    sections: dict[str, Any]
    changed_by: int
    changed_at: datetime


class ProfileSettings:
    """The saved versions of the profile's sections in one records database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writes = writer(engine)

    def latest(self) -> int:
        """The newest version's number (0: none saved yet)."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(func.coalesce(func.max(profile_settings.c.version), 0))).scalar_one()

    def versions(self, limit: int | None = None) -> list[SettingsVersion]:
        """Saved versions, newest first (``limit`` of them at most)."""
        query = select(profile_settings).order_by(profile_settings.c.version.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            return [_version(row) for row in connection.execute(query)]

    def sections(self) -> tuple[int, dict[str, Any]]:
        """The newest version's number, and each section as the newest version that changed
        it left it (empty: nothing saved)."""
        merged: dict[str, Any] = {}
        latest = 0
        with self.engine.connect() as connection:
            for row in connection.execute(select(profile_settings.c.version,
                                                 profile_settings.c.sections_json)
                                          .order_by(profile_settings.c.version)):
                merged.update(json.loads(row.sections_json))
                latest = row.version
        return latest, merged

    def save(self, sections: dict[str, Any], *, by: int, expected: int) -> SettingsVersion:
        """Keep ``sections`` (each changed section whole) as the version after ``expected``,
        the version the change was made from; :class:`SettingsChanged` when another version
        was saved since."""
        if not sections:
            raise ValueError("a version changes at least one section")
        text = json.dumps(sections, ensure_ascii=False, sort_keys=True)
        now = clock.now()
        try:
            with self._writes.begin() as connection:
                latest = connection.execute(select(func.coalesce(
                    func.max(profile_settings.c.version), 0))).scalar_one()
                if latest != expected:
                    raise _changed(latest)
                connection.execute(insert(profile_settings).values(
                    version=expected + 1, sections_json=text, changed_by=by, changed_at=now))
        except IntegrityError:  # another save took the number between the read and the insert
            raise _changed(self.latest()) from None
        return SettingsVersion(expected + 1, json.loads(text), by, now)


def _changed(latest: int) -> SettingsChanged:
    return SettingsChanged([ErrorDetail(
        "STALE_REVISION", "version",
        f"someone saved the settings (now version {latest}) since this page was opened, so "
        "nothing was saved: your values are still in the form; check them against the newest "
        "version and save again")])


def _version(row: Any) -> SettingsVersion:
    at = row.changed_at if row.changed_at.tzinfo else row.changed_at.replace(tzinfo=UTC)
    return SettingsVersion(row.version, json.loads(row.sections_json), row.changed_by, at)
