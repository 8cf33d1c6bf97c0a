"""Component inventory (issue 23): tablet, API, filler and capsule-shell lots as received.

A lot is received once, with its product, NDC, manufacturer, lot, expiry, (tablets) the
measured average weight of one whole tablet and (API powder) its certificate's assay, basis and
water (:mod:`.receipts`), by the signed-in person who received it; what was
received is never changed or deleted (migration 0010's triggers). A lot's code is kept in the
normal form of an order's component lot (:data:`compounding.orders.types.ComponentLot`: NFKC, dashes
folded, upper case, look-alike letters refused), so that a lot picked from the list, a lot typed
on an order and a recall all name the same lot. A lot is **usable** on a day when it expires
after that day (a component expiring on or before the compounding date is refused,
``COMPONENT_EXPIRED``) and is not quarantined.

A pharmacist may quarantine a lot, once, with a reason: it is never offered again, a typed one
is refused (``LOT_QUARANTINED``), and each batch that used it (the records' recall,
:meth:`compounding.records.Store.recall`) and is not yet labelled is flagged.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import Engine, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from compounding import clock
from compounding.display import show
from compounding.errors import ErrorDetail, OrderError
from compounding.orders.lot_grammar import normal_lot

from .db import writer
from .models import Summary
from .people import NotFound
from .reading import aware
from .receipts import assay_as_is, certificate, check, given, weight
from .schema import batch_lots, batches, events, inventory_lots
from .store import Conflict, Store

KINDS = ("tablet", "api", "filler", "shell")
"""What a lot may be: 50 mg tablets, naltrexone HCl powder (API), filler, capsule shells."""
KIND_NAMES = {"tablet": "tablets", "api": "API powder", "filler": "filler",
              "shell": "capsule shells"}
COMPONENT = {"tablet": "source", "api": "source", "filler": "filler", "shell": "capsule"}
"""The component of a batch (``batch_lots.component``) a lot of each kind is used as."""
FIELDS = ("kind", "product", "ndc", "manufacturer", "lot", "expiry", "average_weight_mg",
          "assay", "assay_basis", "water", "received_on")


@dataclass(frozen=True, slots=True)
class InventoryLot:
    """One lot as received; ``average_weight_mg`` is exact decimal text (tablets only);
    ``assay`` [%], ``assay_basis`` and ``water`` [%] its certificate's (API powder only)."""

    id: int
    kind: str
    product: str
    ndc: str | None
    manufacturer: str
    lot: str
    expiry: date
    average_weight_mg: str | None
    assay: str | None
    assay_basis: str | None
    water: str | None
    received_on: date
    received_at: datetime
    received_by: int
    quarantined_at: datetime | None
    quarantined_by: int | None
    quarantine_reason: str | None

    @property
    def quarantined(self) -> bool:
        return self.quarantined_at is not None

    def expired_on(self, day: date) -> bool:
        """Whether the lot may no longer be used on ``day`` (it expires on or before it)."""
        return self.expiry <= day

    def usable_on(self, day: date) -> bool:
        return not self.quarantined and not self.expired_on(day)

    @property
    def component(self) -> str:
        return COMPONENT[self.kind]

    @property
    def assay_as_is(self) -> Fraction | None:
        """An API lot's naltrexone HCl per mg as weighed [mg/mg]; ``None`` without an assay."""
        return (assay_as_is(self.assay, self.assay_basis, self.water)
                if self.assay is not None else None)

    @property
    def certificate(self) -> str | None:
        """An API lot's assay as its certificate gives it: ``99.2 % as is``, ``99.6 % on the
        dried basis, water 0.4 % (99.2016 % as is)``; ``None`` without an assay."""
        if self.assay is None:
            return None
        if self.assay_basis != "dried":
            return f"{self.assay} % as is"
        as_is = show(assay_as_is(self.assay, self.assay_basis, self.water) * 100)
        return f"{self.assay} % on the dried basis, water {self.water} % ({as_is} % as is)"

    @property
    def label(self) -> str:
        """How a picker offers it: ``Naltrexone HCl 50 mg tablet (Accord), expires 2027-06-30``,
        with the tablets' W or the powder's assay."""
        measured = f", W {self.average_weight_mg} mg" if self.average_weight_mg else ""
        assay = f", assay {self.certificate}" if self.certificate else ""
        return (f"{self.product} ({self.manufacturer}){measured}{assay}, expires "
                f"{self.expiry.isoformat()}")

    def to_json(self) -> dict[str, Any]:
        moment = self.quarantined_at
        return {"id": self.id, "kind": self.kind, "product": self.product, "ndc": self.ndc,
                "manufacturer": self.manufacturer, "lot": self.lot,
                "expiry": self.expiry.isoformat(), "average_weight_mg": self.average_weight_mg,
                "assay": self.assay, "assay_basis": self.assay_basis, "water": self.water,
                "received_on": self.received_on.isoformat(),
                "received_at": self.received_at.isoformat(), "received_by": self.received_by,
                "quarantined": self.quarantined,
                "quarantined_at": moment.isoformat() if moment else None,
                "quarantined_by": self.quarantined_by,
                "quarantine_reason": self.quarantine_reason}


@dataclass(frozen=True, slots=True)
class UsedBy:
    """A batch that used a lot: ``labelled`` once a dispensing label of it was printed;
    ``flagged`` when the lot is quarantined and the batch is not labelled yet and still may be
    (not scrapped, not archived): it must not be labelled until a pharmacist has dealt with it."""

    batch: Summary
    labelled: bool
    flagged: bool

    def to_json(self) -> dict[str, Any]:
        return {"lot_number": self.batch.lot_number, "lot_date": self.batch.lot_date.isoformat(),
                "status": self.batch.status, "labelled": self.labelled, "flagged": self.flagged}


@dataclass(frozen=True, slots=True)
class QuarantineFlag:
    """A quarantined ``lot`` that batch ``batch`` used; ``flagged`` as in :class:`UsedBy`."""

    lot: InventoryLot
    batch: str
    status: str
    labelled: bool
    flagged: bool


def _pending(status: str, archived: bool, labelled: bool) -> bool:
    """Whether a batch may still be labelled: not labelled yet, not scrapped, not archived."""
    return not labelled and status != "scrapped" and not archived


def _lot(row: Any) -> InventoryLot:
    values = dict(row._mapping)
    values["received_at"] = aware(values["received_at"])
    values["quarantined_at"] = values["quarantined_at"] and aware(values["quarantined_at"])
    return InventoryLot(**values)


class Inventory:
    """The component lots of one records database. ``store`` is the records' store whose
    recall finds the batches that used a lot; ``time_zone`` (the pharmacy's) sets "today"."""

    def __init__(self, engine: Engine, store: Store | None = None, *,
                 time_zone: str = "UTC") -> None:
        self.engine = engine
        self._writes = writer(engine)
        # the recall reads batches and their lots only, never the chain: no key is needed
        self._store = store or Store(engine, b"")
        self.time_zone = time_zone

    def today(self) -> date:  # the pharmacy's
        return clock.today(self.time_zone)

    # -- receiving ---------------------------------------------------------------------------

    def receive(self, receipt: Mapping[str, Any], by: int) -> InventoryLot:
        """Keep a lot received by user ``by``: ``kind``, ``product``, ``manufacturer``, ``lot``
        and ``expiry`` (``YYYY-MM`` is the month's last day) required, ``ndc`` optional,
        ``average_weight_mg`` required for tablets and only for them, ``assay`` (with
        ``assay_basis`` and ``water``, :func:`.receipts.certificate`) for API powder and only
        for it, ``received_on`` (default today, never later). :class:`OrderError` naming each
        field that is wrong; ``Conflict`` (409, ``LOT_ALREADY_RECEIVED``) when the lot of that
        kind is already in."""
        errors = [ErrorDetail("FIELD_UNKNOWN", str(name)[:40], "is not a field of a receipt")
                  for name in receipt if name not in FIELDS]
        typed = {name: receipt.get(name) for name in FIELDS if given(receipt.get(name))}
        for name in ("kind", "product", "manufacturer", "lot", "expiry"):
            if name not in typed:
                errors.append(ErrorDetail("FIELD_REQUIRED", name, "is required"))
        kind = typed.get("kind")
        if kind is not None and kind not in KINDS:
            errors.append(ErrorDetail("INVALID_VALUE", "kind",
                                      f"must be one of {', '.join(KINDS)}"))
        values: dict[str, Any] = {"kind": kind, "ndc": None, "average_weight_mg": None,
                                  **certificate(errors, kind, typed)}
        for name in ("product", "manufacturer", "lot", "expiry", "ndc", "received_on"):
            if name in typed:
                values[name] = check(errors, name, typed[name])
        today = self.today()
        if "average_weight_mg" in typed:
            if kind in KINDS and kind != "tablet":
                errors.append(ErrorDetail("INVALID_VALUE", "average_weight_mg",
                                          "only a tablet lot has an average tablet weight"))
            else:
                values["average_weight_mg"] = weight(errors, typed["average_weight_mg"])
        elif kind == "tablet":
            errors.append(ErrorDetail("FIELD_REQUIRED", "average_weight_mg",
                                      "a tablet lot needs the measured average weight of one "
                                      "whole tablet (weigh 10 and divide by 10)"))
        received_on = values.get("received_on") or today
        if received_on > today:
            errors.append(ErrorDetail("INVALID_DATE", "received_on",
                                      f"is after today ({today.isoformat()})"))
        expiry = values.get("expiry")
        if expiry is not None and expiry <= today:
            errors.append(ErrorDetail("LOT_EXPIRED", "expiry",
                                      f"the lot expired on {expiry.isoformat()}, on or before "
                                      f"today ({today.isoformat()}): it cannot be received"))
        if errors:
            raise OrderError(errors)
        if (found := self.find(str(kind), values["lot"])) is not None:
            raise Conflict([_taken(found)])
        row = {**values, "received_on": received_on, "received_at": clock.now(),
               "received_by": by}
        try:
            with self._writes.begin() as connection:
                new_id = connection.execute(insert(inventory_lots).values(**row)
                                            .returning(inventory_lots.c.id)).scalar_one()
        except IntegrityError:  # received at the same moment by someone else
            raise Conflict([_taken(self.find(str(kind), values["lot"]))]) from None
        return self.get(new_id)

    def quarantine(self, lot_id: int, reason: str, by: int) -> InventoryLot:
        """Quarantine a lot (a pharmacist ``by``, with a ``reason``): never again offered or
        accepted; ``Conflict`` (``LOT_QUARANTINED``) when it already is."""
        errors: list[ErrorDetail] = []
        text = check(errors, "reason", reason) if given(reason) else None
        if not given(reason):
            errors.append(ErrorDetail("FIELD_REQUIRED", "reason", "say why it is quarantined"))
        if errors:
            raise OrderError(errors)
        lot = self.get(lot_id)  # NotFound (404) when there is none
        with self._writes.begin() as connection:
            done = connection.execute(
                update(inventory_lots)
                .where(inventory_lots.c.id == lot_id, inventory_lots.c.quarantined_at.is_(None))
                .values(quarantined_at=clock.now(), quarantined_by=by,
                        quarantine_reason=text)).rowcount
        if not done:
            raise Conflict([ErrorDetail("LOT_QUARANTINED", "lot",
                                        f"{KIND_NAMES[lot.kind]} lot {lot.lot} is already "
                                        f"quarantined")])
        return self.get(lot_id)

    # -- reading -----------------------------------------------------------------------------

    def get(self, lot_id: int) -> InventoryLot:
        """The lot of that id; :class:`NotFound` (404) when there is none."""
        with self.engine.connect() as connection:
            row = connection.execute(select(inventory_lots)
                                     .where(inventory_lots.c.id == lot_id)).first()
        if row is None:
            raise NotFound([ErrorDetail("NOT_FOUND", "lot", "no inventory lot has that id")])
        return _lot(row)

    def find(self, kind: str, lot: str) -> InventoryLot | None:
        """The received lot of ``kind`` with the code ``lot`` (any spelling), or ``None``."""
        code = normal_lot(lot or "")
        if kind not in KINDS or not code:
            return None
        with self.engine.connect() as connection:
            row = connection.execute(select(inventory_lots).where(
                inventory_lots.c.kind == kind, inventory_lots.c.lot == code)).first()
        return _lot(row) if row is not None else None

    def list(self, kind: str | None = None, usable_on: date | None = None,
             limit: int = 1000) -> builtins.list[InventoryLot]:
        """Lots received, by kind then soonest expiry; of one ``kind``; only those usable on
        ``usable_on`` (not expired on that day, not quarantined)."""
        if kind is not None and kind not in KINDS:
            raise OrderError([ErrorDetail("INVALID_VALUE", "kind",
                                          f"must be one of {', '.join(KINDS)}")])
        query = select(inventory_lots)
        if kind is not None:
            query = query.where(inventory_lots.c.kind == kind)
        if usable_on is not None:
            query = query.where(inventory_lots.c.expiry > usable_on,
                                inventory_lots.c.quarantined_at.is_(None))
        query = query.order_by(inventory_lots.c.kind, inventory_lots.c.expiry,
                               inventory_lots.c.lot).limit(limit)
        with self.engine.connect() as connection:
            return [_lot(row) for row in connection.execute(query)]

    def quarantined_lots(self) -> builtins.list[InventoryLot]:
        """Every quarantined lot, the latest quarantine first."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(inventory_lots)
                                      .where(inventory_lots.c.quarantined_at.is_not(None))
                                      .order_by(inventory_lots.c.quarantined_at.desc(),
                                                inventory_lots.c.id.desc()))
            return [_lot(row) for row in rows]

    def refusal(self, kind: str, lot: str, field: str,
                on: date | None = None) -> ErrorDetail | None:
        """Why a lot typed or picked for ``field`` may not be used on ``on`` (default today):
        a received lot of ``kind`` that is quarantined (``LOT_QUARANTINED``) or expired
        (``LOT_EXPIRED``); ``None`` for a usable lot or one never received here."""
        found, day = self.find(kind, lot), on or self.today()
        if found is None:
            return None
        if found.quarantined:
            return ErrorDetail("LOT_QUARANTINED", field,
                               f"{KIND_NAMES[kind]} lot {found.lot} is quarantined "
                               f"({found.quarantine_reason}): use another lot")
        if found.expired_on(day):
            return ErrorDetail("LOT_EXPIRED", field,
                               f"{KIND_NAMES[kind]} lot {found.lot} expired on "
                               f"{found.expiry.isoformat()}, on or before "
                               f"{day.isoformat()}: use another lot")
        return None

    # -- recall and flags --------------------------------------------------------------------

    def batches(self, lot: InventoryLot | int, limit: int = 100,
                after: int | None = None) -> tuple[builtins.list[UsedBy], int, int | None]:
        """The batches that used ``lot`` (the records' recall by its component), oldest first,
        a page at a time as :meth:`Store.recall` gives them: ``(page, total, next)``."""
        found = lot if isinstance(lot, InventoryLot) else self.get(lot)
        field = {"source": "source_lot", "filler": "filler_lot",
                 "capsule": "capsule_lot"}[found.component]
        page, total, following = self._store.recall(**{field: found.lot}, limit=limit,
                                                    after=after)
        labelled = self._labelled([s.lot_number for s in page])
        used = [UsedBy(s, s.lot_number in labelled,
                       found.quarantined and _pending(s.status, s.archived,
                                                      s.lot_number in labelled))
                for s in page]
        return used, total, following

    def quarantine_flags(self, lot_number: str) -> builtins.list[QuarantineFlag]:
        """The quarantined lots batch ``lot_number`` used (on its order or at the bench), each
        ``flagged`` while the batch is not labelled and still may be: what its page must show."""
        with self.engine.connect() as connection:
            batch = connection.execute(select(batches.c.id, batches.c.status,
                                              batches.c.archived)
                                       .where(batches.c.lot_number == lot_number)).first()
            if batch is None:
                return []
            used = connection.execute(select(batch_lots.c.component, batch_lots.c.lot)
                                      .where(batch_lots.c.batch_id == batch.id)).all()
            wanted = [and_(inventory_lots.c.kind == kind, inventory_lots.c.lot == row.lot)
                      for row in used for kind, component in COMPONENT.items()
                      if component == row.component]
            rows = connection.execute(select(inventory_lots).where(
                inventory_lots.c.quarantined_at.is_not(None), or_(*wanted))
                .order_by(inventory_lots.c.id)).all() if wanted else []
        labelled = bool(self._labelled([lot_number]))
        flagged = _pending(batch.status, bool(batch.archived), labelled)
        return [QuarantineFlag(_lot(row), lot_number, batch.status, labelled, flagged)
                for row in rows]

    def _labelled(self, lot_numbers: builtins.list[str]) -> set[str]:
        """Which of these batches had a dispensing label printed (the change feed's ``label``
        events)."""
        if not lot_numbers:
            return set()
        with self.engine.connect() as connection:
            return set(connection.execute(
                select(batches.c.lot_number).distinct()
                .join(events, events.c.batch_id == batches.c.id)
                .where(events.c.action == "label", batches.c.lot_number.in_(lot_numbers)))
                .scalars())


def _taken(found: InventoryLot | None) -> ErrorDetail:
    what = (f"{KIND_NAMES[found.kind]} lot {found.lot} was received on "
            f"{found.received_on.isoformat()}" if found else "that lot was received already")
    return ErrorDetail("LOT_ALREADY_RECEIVED", "lot",
                       f"{what}: a lot is received once (open it from the inventory)")
