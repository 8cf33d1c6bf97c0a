"""Orders being typed, kept by the server for the person typing them.

Signed out after 15 minutes without activity, a half-typed order was lost. The order form's
fields are kept here, one draft per person (the latest), when the form is previewed and when a
form posted after the session ended is sent to the sign-in page instead of being planned; the
form offers the draft again after sign-in. Patient data in a draft stays in the records
database, which holds it already, never in the browser's storage (security.md, "The input
boundary"). A draft is emptied when its batch is created or the person discards it. Drafts are
rows appended, never changed: the newest row of a person is their draft.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from compounding import clock

from .db import writer
from .schema import drafts

MAX_FIELDS = 200
MAX_VALUE = 2000
"""A draft keeps at most this many fields, each at most this many characters (a form's own
limits are lower; a draft must not become a store for anything else)."""


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Drafts:
    """The order drafts of one records database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writes = writer(engine)

    def keep(self, user_id: int, fields: dict[str, Any]) -> None:
        """Keep ``fields`` (name -> text, or list of texts) as the person's draft."""
        kept: dict[str, Any] = {}
        for name, value in list(fields.items())[:MAX_FIELDS]:
            if isinstance(value, list):
                kept[name[:80]] = [str(v)[:MAX_VALUE] for v in value[:20]]
            else:
                kept[name[:80]] = str(value)[:MAX_VALUE]
        with self._writes.begin() as connection:
            connection.execute(insert(drafts).values(
                user_id=user_id, fields_json=json.dumps(kept, ensure_ascii=False),
                saved_at=clock.now()))

    def discard(self, user_id: int) -> None:
        """No draft for the person (an empty one is appended)."""
        if self.latest(user_id) is not None:
            with self._writes.begin() as connection:
                connection.execute(insert(drafts).values(user_id=user_id, fields_json="{}",
                                                         saved_at=clock.now()))

    def latest(self, user_id: int) -> tuple[dict[str, Any], datetime] | None:
        """The person's draft and when it was kept, or ``None``."""
        with self.engine.connect() as connection:
            row = connection.execute(select(drafts.c.fields_json, drafts.c.saved_at)
                                     .where(drafts.c.user_id == user_id)
                                     .order_by(drafts.c.id.desc()).limit(1)).first()
        if row is None:
            return None
        fields = json.loads(row.fields_json)
        return (fields, _aware(row.saved_at)) if fields else None
