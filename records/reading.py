"""Reading one batch record: every read checks the whole chain of the record against its head
(security.md, "The audit trail": tamper evidence, "the batch's current state is derived from, or
checked against, its chain"; issue 22, item 5).

A read once recomputed only the revisions whose content it loaded, so a revision appended by SQL
whose content a plain read leaves out (a ``printed`` step, a bench entry a correction replaced)
read as intact, and a forged approval read as ``verified`` in the API, the FHIR
MedicationDispense and the record page. Now every read loads the link columns and the content
of every revision and checks them all (:func:`.history.link_problem`): the batch's head (status,
revision) is its last revision's, the revisions are numbered without a gap, each follows the one
before it (revision 1 the batch's recorded content) and each one's digest is recomputed. Only the
content the record shows is parsed (the bench entry as it reads now, signatures, scrap); the rest
is hashed and dropped. The cost: about 1.1 ms of hashing for 20 revisions with bench entries
(docs/batch-records.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import select

from compounding.profile import Profile

from .history import HISTORY_COLUMNS, link_problem
from .models import STORED, AnyOrder, AnyPlan, Record, Revision
from .schema import revisions

ORDERS: TypeAdapter[AnyOrder] = TypeAdapter(AnyOrder)
"""A kept order read back by its ``form``: capsules (also every order kept before forms) or
an oral liquid."""
PLANS: TypeAdapter[AnyPlan] = TypeAdapter(AnyPlan)

HEAVY_ACTIONS = ("bench", "correction")
"""Steps whose content is large (a bench entry): a plain read parses only the latest."""


def revisions_shown(rows: Sequence[Any], history: bool) -> list[int]:
    """Revision numbers whose content a read parses: with ``history`` all of them (an export
    carries each revision's content exactly as chained); otherwise all but the printed
    worksheet's and the earlier bench entries, the latest bench entry or correction always."""
    if history:
        return [r.number for r in rows]
    heavy = [r.number for r in rows if r.action in HEAVY_ACTIONS]
    light = [r.number for r in rows if r.action not in HEAVY_ACTIONS and r.action != "printed"]
    return sorted(light + heavy[-1:])


def load_record(connection: Any, key: bytes, batch: Any, *, history: bool = False) -> Record:
    """The record of the batch row ``batch`` (all its columns), its whole chain checked:
    ``chain_problem`` says what does not hold together, or is ``None``. ``history`` parses
    every earlier bench entry too (export, the revisions API)."""
    rows = connection.execute(
        select(*HISTORY_COLUMNS, revisions.c.data_json)
        .where(revisions.c.batch_id == batch.id).order_by(revisions.c.number)).all()
    problem = link_problem(key, batch, rows, {r.number: r.data_json for r in rows})
    shown = set(revisions_shown(rows, history))
    return Record(
        lot_number=batch.lot_number, created_at=aware(batch.created_at), status=batch.status,
        revision=batch.revision, archived=bool(batch.archived),
        order=ORDERS.validate_json(batch.order_json, context=STORED),
        plan=PLANS.validate_json(batch.plan_json),
        profile=Profile.model_validate_json(batch.profile_json),
        revisions=[Revision(number=r.number, action=r.action, status=r.status,
                            author=r.author, author_id=r.author_id,
                            signed_in=bool(r.signed_in), at=aware(r.at), reason=r.reason,
                            data=json.loads(r.data_json) if r.number in shown else None)
                   for r in rows],
        chain_problem=problem)


def aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes; they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
