"""Finding stored batches: search by patient, Rx, lot, dates and status; recall by
component lot, a page at a time; and the checks that every batch's history and recall index
hold together."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Engine, and_, func, or_, select

from compounding.errors import OrderError
from compounding.orders.lot_grammar import normal_lot

from .history import chain_problems
from .models import Record, Summary, kept_bench
from .rows import (
    SUMMARY_COLUMNS,
    _bench_lots,
    _lots,
    _summary,
    patient_key,
)
from .schema import (
    batch_lots,
    batches,
)


class BatchSearch:
    """The reads of :class:`.store.Store` over many batches."""

    engine: Engine
    key: bytes

    if TYPE_CHECKING:
        def get(self, lot: str, *, history: bool = False) -> Record: ...

    def search(self, *, patient: str | None = None, rx_number: str | None = None,
               lot_number: str | None = None, date_from: date | None = None,
               date_to: date | None = None, status: str | None = None,
               source_lot: str | None = None, filler_lot: str | None = None,
               patient_id: str | None = None, prescription_id: str | None = None,
               limit: int = 50, offset: int = 0) -> list[Summary]:
        """Batches matching every criterion given, newest first. ``patient`` matches the
        start of the name, any case; Rx numbers match exactly; lots match in their normal
        form (:func:`compounding.orders.lot_grammar.normal_lot`), so any spelling finds them."""
        conditions = []
        if patient:
            key = patient_key(patient)
            conditions.append(and_(batches.c.patient_key >= key,
                                   batches.c.patient_key < key + "\U0010ffff"))
        if rx_number:
            conditions.append(batches.c.rx_number == rx_number)
        if patient_id:
            conditions.append(batches.c.patient_id == patient_id)
        if prescription_id:
            conditions.append(batches.c.prescription_id == prescription_id)
        if lot_number:
            conditions.append(batches.c.lot_number == normal_lot(lot_number))
        if date_from:
            conditions.append(batches.c.lot_date >= date_from)
        if date_to:
            conditions.append(batches.c.lot_date <= date_to)
        if status:
            conditions.append(batches.c.status == status)
        for component, lot in (("source", source_lot), ("filler", filler_lot)):
            if lot:
                used = select(batch_lots.c.batch_id).where(
                    batch_lots.c.component == component, batch_lots.c.lot == normal_lot(lot))
                conditions.append(batches.c.id.in_(used))
        # the page's ids first, from the indexes alone; then only those rows are read
        page = (select(batches.c.id).where(*conditions).order_by(batches.c.id.desc())
                .limit(limit).offset(offset))
        query = (select(*SUMMARY_COLUMNS).where(batches.c.id.in_(page))
                 .order_by(batches.c.id.desc()))
        with self.engine.connect() as connection:
            return [_summary(r) for r in connection.execute(query)]

    def recall(self, *, source_lot: str | None = None, filler_lot: str | None = None,
               capsule_lot: str | None = None, ingredient_lot: str | None = None,
               limit: int = 100,
               after: int | None = None) -> tuple[list[Summary], int, int | None]:
        """Batches that used any of the given component lots (any spelling), oldest first, a
        page at a time: ``(page, total, next)``; ``next`` is the ``after`` of the next page
        (``None`` on the last). ``ingredient_lot``: a lot of an oral liquid's other
        ingredients (ascorbic acid, glycerin...). Memory and time per page do not grow with
        the match count."""
        wanted = [(c, normal_lot(lot)) for c, lot in (("source", source_lot),
                                                       ("filler", filler_lot),
                                                       ("capsule", capsule_lot),
                                                       ("ingredient", ingredient_lot)) if lot]
        used = or_(*(and_(batch_lots.c.component == c, batch_lots.c.lot == lot)
                     for c, lot in wanted))
        ids = select(batch_lots.c.batch_id).where(used)
        if after is not None:
            ids = ids.where(batch_lots.c.batch_id > after)
        ids = ids.distinct().order_by(batch_lots.c.batch_id).limit(limit + 1)
        with self.engine.connect() as connection:
            total = connection.execute(select(func.count(batch_lots.c.batch_id.distinct()))
                                       .where(used)).scalar_one()
            chosen = connection.execute(ids).scalars().all()
            rows = connection.execute(select(batches.c.id, *SUMMARY_COLUMNS)
                                      .where(batches.c.id.in_(chosen[:limit]))
                                      .order_by(batches.c.id)).all() if chosen else []
        page = [_summary(r) for r in rows]
        return page, total, (chosen[limit - 1] if len(chosen) > limit else None)

    def chain_problems(self, lot: str | None = None) -> list[str]:
        """Every broken link of every batch's history (or of ``lot``'s), in words: the full
        check, with every revision's content (``compounding db verify``, a label print)."""
        return chain_problems(self.engine, self.key, lot)

    def lot_index_problems(self) -> list[str]:
        """Each batch whose recall index (``batch_lots``) is not the lots its order and bench
        entries name, in words: a row removed would hide the batch from a recall."""
        found = []
        with self.engine.connect() as connection:
            lots = connection.execute(select(batches.c.lot_number)
                                      .order_by(batches.c.id)).scalars().all()
            indexed: dict[str, list[tuple[str, str]]] = {}
            for row in connection.execute(
                    select(batches.c.lot_number, batch_lots.c.component, batch_lots.c.lot)
                    .join(batches, batches.c.id == batch_lots.c.batch_id)):
                indexed.setdefault(row.lot_number, []).append((row.component, row.lot))
        for lot in lots:
            try:
                record = self.get(lot, history=True)
            except OrderError:  # a broken history: named by the chain's own check
                continue
            expected = _lots(record.order) + [
                pair for r in record.revisions if r.action in ("bench", "correction")
                for pair in _bench_lots(kept_bench(record.plan, (r.data or {})["bench"]))]
            if sorted(expected) != sorted(indexed.get(lot, [])):
                found.append(f"batch {lot}: its recall index does not list the lots its order "
                             f"and bench entries name")
        return found
