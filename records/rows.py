"""What the records store's parts share: the errors a record's change can end in, the
patient's search key, the rows a batch adds to the recall index and the change feed, and
reading a request's body into its model."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select

from compounding.bench.liquid_results import LiquidBenchEntry
from compounding.bench.results import (
    BenchEntry,
)
from compounding.errors import ErrorDetail, OrderError
from compounding.orders.liquid import LiquidOrder
from compounding.orders.lot_grammar import normal_lot
from compounding.orders.models import Order
from compounding.orders.reading import validation_errors

from .models import Summary
from .reading import aware
from .schema import (
    batches,
    kit_batches,
)


class RequestKey(NamedTuple):
    """An idempotent request: ``scope`` (what it creates), the client's ``key``, and the
    SHA-256 ``digest`` of its body."""

    scope: str
    key: str
    digest: str


class WrongKey(RuntimeError):
    """The records were chained under another key than the one given: ``chain.key`` (or
    ``COMPOUNDING_CHAIN_KEY``) was lost or replaced."""

    refuses_start = True

    def __init__(self) -> None:
        super().__init__(
            "these records were chained under another chain key than the one found: the "
            "chain key (chain.key in the data folder, or COMPOUNDING_CHAIN_KEY) was lost or "
            "replaced. Restore the chain.key of the backup made with these records into the "
            "data folder, or set COMPOUNDING_CHAIN_KEY to it; nothing was started, and no "
            "record was read as tampered.")


class RecordNotFound(OrderError):
    """No batch has that lot number (HTTP 404)."""

    status = 404


class Conflict(OrderError):
    """The change conflicts with the record as stored (HTTP 409)."""

    status = 409


class PreconditionRequired(OrderError):
    """A signature without the revision it signs (HTTP 428)."""

    status = 428


PATIENT_KEY_CHARS = 160
"""A patient's search key is at most this long [characters]: NFKC and case folding can make a
120-character name several times longer, and the key column holds 160."""


def patient_key(name: str | None) -> str:
    """A patient name as searched: case, composition and spacing folded, invisible characters
    dropped and a word that mixes Latin, Greek and Cyrillic letters written in its main script
    ("Jоhn" with a Cyrillic о is "john"; :func:`compounding.orders.confusables.unconfused`);
    at most 160 characters (a longer key is searched by its first 160, which still finds
    the name)."""
    from compounding.orders.confusables import unconfused

    text = unconfused(unicodedata.normalize("NFKC", name or ""))
    return " ".join(text.casefold().split())[:PATIENT_KEY_CHARS]


def _lots(order: Order | LiquidOrder) -> list[tuple[str, str]]:
    """The component lots an order names, for the recall index: the source's, and the
    filler's and capsule shells' (capsules) or each other ingredient's (an oral liquid)."""
    if isinstance(order, LiquidOrder):
        pairs = [("source", order.source.lot)] + [
            ("ingredient", normal_lot(i.lot)) for i in order.ingredients if i.lot]
    else:
        pairs = [("source", order.source.lot), ("filler", order.filler.lot),
                 ("capsule", order.capsule.lot)]
    return [(component, lot) for component, lot in pairs if lot]


def _bench_lots(entry: BenchEntry | LiquidBenchEntry) -> list[tuple[str, str]]:
    """The component lots a bench entry used, for the recall index."""
    if isinstance(entry, LiquidBenchEntry):
        return entry.lots()
    pairs = [("source", entry.source_lot), ("filler", entry.filler_lot),
             ("capsule", entry.capsule_lot)]
    return [(component, lot) for component, lot in pairs if lot]


def _require_expected(expected: int | None) -> None:
    """A signature names the revision it signs (``If-Match``; 428 otherwise)."""
    if expected is None:
        raise PreconditionRequired([ErrorDetail(
            "PRECONDITION_REQUIRED", 'headers["If-Match"]',
            "a signature applies to the record as read: send If-Match with its ETag")])


KIT_OF_BATCH = (select(kit_batches.c.kit_id).where(kit_batches.c.batch_id == batches.c.id)
                .scalar_subquery().label("kit_id"))
"""The kit a batch is in (``NULL``: none), as a column of a query over ``batches``."""
SUMMARY_COLUMNS = (batches.c.lot_number, batches.c.lot_date, batches.c.rx_number,
                   batches.c.patient_name, batches.c.status, batches.c.revision,
                   batches.c.created_at, batches.c.patient_id, batches.c.prescription_id,
                   batches.c.archived, KIT_OF_BATCH)


def _find(connection: Any, lot: str, columns: tuple[Any, ...]) -> Any:
    """The batch row of ``lot`` in any spelling (``RecordNotFound`` otherwise)."""
    key = normal_lot(lot)
    row = connection.execute(select(*columns).where(batches.c.lot_number == key)).first()
    if row is None and key != lot:  # a lot kept before lot numbers were upper-cased
        row = connection.execute(select(*columns).where(batches.c.lot_number == lot)).first()
    if row is None:
        raise RecordNotFound([ErrorDetail("NOT_FOUND", "lot_number",
                                          f"no batch has lot {lot[:40]}")])
    return row


def _summary(row: Any) -> Summary:
    return Summary(lot_number=row.lot_number, lot_date=row.lot_date, rx_number=row.rx_number,
                   patient=row.patient_name, status=row.status, revision=row.revision,
                   created_at=aware(row.created_at), patient_id=row.patient_id,
                   prescription_id=row.prescription_id, archived=bool(row.archived),
                   kit_id=row.kit_id)


def _identifiers(order: Order | LiquidOrder) -> dict[str, str | None]:
    """The pharmacy system's identifiers of a batch, as the batches table keeps them."""
    return {"patient_id": order.patient.id if order.patient else None,
            "prescription_id": order.prescription_id}


def _event(batch_id: int, revision: Any, link: str) -> dict[str, Any]:
    """The change-feed row of a revision just written, whose digest is ``link``."""
    return {"batch_id": batch_id, "action": revision.action, "revision": revision.number,
            "status": revision.status, "at": revision.at, "user_id": revision.author_id,
            "revision_hash": link}


def _parse(model: type[M], value: M | Mapping[str, Any]) -> M:
    """``value`` as ``model``: itself, or validated (``OrderError`` naming each field)."""
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise OrderError(validation_errors(exc)) from None


M = TypeVar("M", bound=BaseModel)
