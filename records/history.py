"""Does a batch's history hold together? Its chain checked (:mod:`.chain`).

:func:`link_problem`: the batch's head (status, revision) is its last revision's, the revisions
are numbered without a gap, each links to the one before it and revision 1 to the batch's
recorded content, and each revision whose content is given is recomputed. Every read gives it
every revision's content (:mod:`.reading`: a read that recomputed only what it showed let a
forged step it did not show read as intact); :func:`chain_problems` runs it over every batch,
for ``compounding db verify`` and before a label is printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Engine, select

from .chain import batch_digest, revision_digest, same
from .schema import batches, revisions

HISTORY_COLUMNS = (revisions.c.number, revisions.c.action, revisions.c.status,
                   revisions.c.author, revisions.c.author_id, revisions.c.signed_in,
                   revisions.c.at, revisions.c.reason, revisions.c.prev_hash, revisions.c.hash)


def link_problem(key: bytes, batch: Any, history: Sequence[Any],
                 data: dict[int, str]) -> str | None:
    """The first thing wrong with ``batch``'s history, in words, or ``None``. ``data`` holds the
    content (``data_json``) of the revisions that were read whole, by number."""
    if not history:
        return "it has no history"
    last = history[-1]
    if batch.status != last.status or batch.revision != last.number:
        return (f"its status {batch.status} at revision {batch.revision} is not what its "
                f"history says ({last.status} at revision {last.number})")
    prev = batch_digest(key, batch)
    for expected, entry in enumerate(history, start=1):
        if entry.number != expected:
            return f"revision {expected} is missing or out of place"
        if not same(entry.prev_hash, prev):
            word = "the batch's recorded content" if expected == 1 else f"revision {expected - 1}"
            return f"revision {expected} does not follow {word}"
        if expected in data:
            whole = SimpleNamespace(**{**entry._mapping, "data_json": data[expected]})
            if not same(entry.hash, revision_digest(key, prev, whole)):
                return f"revision {expected} was changed"
        prev = entry.hash
    return None


def chain_problems(engine: Engine, key: bytes, lot: str | None = None) -> list[str]:
    """Every batch whose history does not hold together, with the first broken link, every
    revision's content recomputed; a batch at a time."""
    found, after = [], 0
    while True:
        query = select(batches).where(batches.c.id > after).order_by(batches.c.id).limit(500)
        if lot is not None:
            query = query.where(batches.c.lot_number == lot)
        with engine.connect() as connection:
            page = connection.execute(query).all()
            for batch in page:
                history = connection.execute(
                    select(*HISTORY_COLUMNS, revisions.c.data_json)
                    .where(revisions.c.batch_id == batch.id)
                    .order_by(revisions.c.number)).all()
                data = {r.number: r.data_json for r in history}
                problem = link_problem(key, batch, history, data)
                if problem:
                    found.append(f"batch {batch.lot_number}: {problem}")
        if not page or lot is not None:
            return found
        after = page[-1].id
