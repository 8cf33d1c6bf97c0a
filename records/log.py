"""The compounding log as CSV: one batch a line, for a spreadsheet or an inspector.

Every cell that a spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) is written with a leading ``'``, so that a patient named
``=HYPERLINK(...)`` stays text (OWASP, "CSV Injection").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from sqlalchemy import and_, select

from .schema import batches, revisions

LOG_LIMIT = 100_000  # lines in one export
COLUMNS = ("lot_number", "compounded_on", "status", "rx_number", "prescription_id",
           "patient_id", "patient", "strength_mg", "capsules", "tablets", "source_product",
           "source_ndc", "source_lot", "filler", "filler_lot", "capsule_size", "capsule_lot",
           "beyond_use_date", "made_by", "verified_by", "form", "concentration_mg_per_ml",
           "volume_ml")
"""The log's columns; an oral liquid leaves the capsule columns empty and gives its
concentration and the volume dispensed [mL] in the last three (capsules: only ``form``)."""
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def neutral(value: Any) -> str:
    """A cell's text, never a formula.

    >>> neutral("=HYPERLINK(\\"http://x\\")"), neutral("-1+2"), neutral("Jane"), neutral(None)
    ('\\'=HYPERLINK("http://x")', "'-1+2", 'Jane', '')
    """
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA) else text


def _mg(mass: Any) -> Any:
    """A plan's quantity ({"value": 4.5, "unit": "mg"}) as its number in its unit (mg, mL,
    mg/mL)."""
    return mass.get("value") if isinstance(mass, dict) else mass


def _line(row: Any, verified_by: str | None) -> list[str]:
    order, plan = json.loads(row.order_json), json.loads(row.plan_json)
    source, filler = order.get("source") or {}, order.get("filler") or {}
    capsule = order.get("capsule") or {}
    form = plan.get("form") or "capsules"
    liquid = form == "oral_liquid"
    return [neutral(v) for v in (
        row.lot_number, row.lot_date.isoformat(), row.status, row.rx_number,
        row.prescription_id, row.patient_id, row.patient_name, _mg(plan.get("strength")),
        plan.get("capsules_to_fill"), plan.get("tablets"), source.get("product"),
        source.get("ndc"), source.get("lot"), filler.get("name"), filler.get("lot"),
        capsule.get("size"), capsule.get("lot"), plan.get("beyond_use_date"), row.author,
        verified_by, form, _mg(plan.get("concentration")) if liquid else None,
        _mg(plan.get("volume")) if liquid else None)]


def lines(store: Any, start: date | None, end: date | None) -> Iterator[list[str]]:
    """The log's lines (header first) of batches made from ``start`` to ``end``, oldest first."""
    yield list(COLUMNS)
    conditions = []
    if start:
        conditions.append(batches.c.lot_date >= start)
    if end:
        conditions.append(batches.c.lot_date <= end)
    made = (select(batches.c.id, batches.c.lot_number, batches.c.lot_date, batches.c.status,
                   batches.c.rx_number, batches.c.prescription_id, batches.c.patient_id,
                   batches.c.patient_name, batches.c.order_json, batches.c.plan_json,
                   revisions.c.author)
            .join(revisions, and_(revisions.c.batch_id == batches.c.id,
                                  revisions.c.number == 1))
            .where(*conditions).order_by(batches.c.id).limit(LOG_LIMIT))
    with store.engine.connect() as connection:
        rows = connection.execute(made).all()
        ids = [r.id for r in rows]
        verified = dict(connection.execute(
            select(revisions.c.batch_id, revisions.c.author)
            .where(revisions.c.action == "verification", revisions.c.status == "verified",
                   revisions.c.batch_id.in_(ids))).all()) if ids else {}
    for row in rows:
        yield _line(row, verified.get(row.id))


def log_csv(store: Any, start: date | None = None, end: date | None = None) -> str:
    """The compounding log as CSV text (RFC 4180, CRLF line ends)."""
    out = io.StringIO()
    csv.writer(out).writerows(lines(store, start, end))
    return out.getvalue()
