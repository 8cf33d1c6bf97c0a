"""Keeping titration kits (:mod:`.kits`): a kit made whole in one transaction, read back with
its batches, and its chain checked.

:meth:`KitStore.create_kit` plans the kit (:func:`compounding.forms.kit.plan_kit`) and each
strength's capsule order (:func:`compounding.forms.kit.batch_orders`), and keeps each as
:meth:`.store.Store.create` keeps a capsule order (the same lot numbering, the same master
formulation record rule, the same checks), with the kit that ties them, all in one
transaction: a kit any of whose strengths is refused is refused whole, and nothing of it is
written. Each kit is linked in the ``kits`` chain (:func:`.kits.kit_digest`), whose head is in
``chain_heads`` and in every checkpoint (:mod:`.checkpoints`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from compounding import clock
from compounding.clock import today
from compounding.display import show
from compounding.errors import ErrorDetail, OrderError
from compounding.forms.kit import batch_orders, plan_kit
from compounding.orders.kit import KitOrder, KitPlan
from compounding.orders.liquid import LiquidOrder
from compounding.orders.reading import parse_any, parse_order
from compounding.profile import Profile

from .chain import GENESIS, same
from .checkpoints import Checkpoints, unmet
from .heads import _locked_head, _move, append_events
from .kits import Kit, kit_digest, kit_of
from .models import Author, Record
from .rows import Conflict, RecordNotFound, RequestKey
from .schema import batches, chain_heads, idempotency_keys, kit_batches, kits

if TYPE_CHECKING:
    from compounding.formulary import Formulary
    from compounding.orders.liquid import LiquidPlan
    from compounding.orders.models import Order, Plan

    from .formulary import FormularyStore

KITS = "kits"
"""The kits' chain in ``chain_heads`` and in the checkpoints."""
LARGEST_ID = 2**31 - 1
"""The highest kit number a database column holds: a larger one names no kit."""


def kit_order(order: KitOrder | Mapping[str, Any]) -> KitOrder:
    """``order`` as a titration kit's order (``OrderError`` naming why it is not one)."""
    parsed = order if isinstance(order, KitOrder) else parse_any(order)
    if isinstance(parsed, LiquidOrder):
        raise OrderError([ErrorDetail(
            "INVALID_VALUE", "form", "an oral liquid's titration is made as one bottle, one "
                                     "batch record: create it with POST /api/v1/records")])
    if not isinstance(parsed, KitOrder):
        raise OrderError([ErrorDetail(
            "FIELD_REQUIRED", "schedule", "a titration kit needs its schedule (or directions "
                                          "that write the titration out) instead of one "
                                          "strength and quantity")])
    return parsed


class KitStore:
    """The kits of :class:`.store.Store`."""

    engine: Engine
    key: bytes
    _writes: Engine
    checkpoints: Checkpoints | None

    if TYPE_CHECKING:
        def get(self, lot: str, *, history: bool = False) -> Record: ...

        def checkpoint(self) -> None: ...

        def formulary(self) -> FormularyStore: ...

        def _prepared(self, order: Order | LiquidOrder, profile: Profile, on: date,
                      formulary: Formulary | None = None
                      ) -> tuple[Order | LiquidOrder, Plan | LiquidPlan, Profile]: ...

        def _insert_batch(self, connection: Any, canonical: Order | LiquidOrder,
                          plan: Plan | LiquidPlan, profile: Profile, now: datetime,
                          author: Author) -> tuple[int, str, dict[str, Any]]: ...

    def create_kit(self, order: KitOrder | Mapping[str, Any], profile: Profile,
                   author: Author, *, request: RequestKey | None = None) -> Kit:
        """Plan a titration kit and keep it: one batch record per strength, lowest first, each
        with the next lot number of the compounding date, and the kit. Every error of every
        strength is raised together (``OrderError``, each message naming its strength) and
        nothing is kept. ``request`` makes it idempotent, as :meth:`.store.Store.create`."""
        parsed = kit_order(order)
        if parsed.acknowledgements:
            raise OrderError([ErrorDetail(
                "ACKNOWLEDGE_BY_SIGNATURE", "acknowledgements",
                "a batch record's critical findings are acknowledged on its page, each by a "
                "pharmacist's signature, not typed into the order")])
        on = parsed.compounded_on or today(profile.settings.time_zone)
        # what is kept is what is printed: the kit as its JSON reads back, its first day set
        kit = KitOrder.model_validate_json(parsed.model_copy(update={
            "compounded_on": on, "start_on": parsed.start_on or on}).model_dump_json())
        formulary = self.formulary().formulary()
        settings = profile.with_formulary(tuple(formulary.entries())).settings
        plan = plan_kit(kit, settings)  # an invalid kit stops here, whole
        prepared, errors = [], []
        for batch, planned in zip(batch_orders(kit, settings), plan.kit, strict=True):
            try:
                prepared.append(self._prepared(parse_order(batch), profile, on, formulary))
            except OrderError as exc:
                errors += [ErrorDetail(e.code, e.field,
                                       f"{show(planned.strength)} mg capsules: {e.message}")
                           for e in exc.errors]
        if errors:
            raise OrderError(list(dict.fromkeys(errors)))
        now = clock.now()
        if request is not None and (made := self._kit_made_by(request)) is not None:
            return made
        try:
            number = self._insert_kit(kit, plan, prepared, now, author, request)
        except IntegrityError:
            made = self._kit_made_by(request) if request is not None else None
            if made is None:
                raise
            return made  # the same request, made at the same moment by another worker
        self.checkpoint()
        return self.kit(number)

    def _insert_kit(self, kit: KitOrder, plan: KitPlan, prepared: list[Any], now: datetime,
                    author: Author, request: RequestKey | None) -> int:
        with self._writes.begin() as connection:
            prev, count, existed = _locked_head(connection, KITS)
            made = [self._insert_batch(connection, canonical, batch_plan, batch_profile, now,
                                       author)
                    for canonical, batch_plan, batch_profile in prepared]
            lots = [lot for _, lot, _ in made]
            row = SimpleNamespace(id=count + 1, created_at=now, author=author.name,
                                  author_id=author.user_id, order_json=kit.model_dump_json(),
                                  plan_json=plan.model_dump_json(), start_on=plan.start_on)
            link = kit_digest(self.key, prev, row, lots)
            connection.execute(insert(kits).values(**vars(row), prev_hash=prev, hash=link))
            connection.execute(insert(kit_batches), [
                {"kit_id": row.id, "position": position, "batch_id": batch_id}
                for position, (batch_id, _, _) in enumerate(made)])
            if request is not None:  # the kit is found again by its first batch
                connection.execute(insert(idempotency_keys).values(
                    scope=request.scope, key=request.key, request_hash=request.digest,
                    lot_number=lots[0], created_at=now))
            append_events(connection, self.key, [event for _, _, event in made])
            _move(connection, KITS, link, row.id, existed)
        return int(row.id)

    def _kit_made_by(self, request: RequestKey) -> Kit | None:
        """The kit an earlier request with this key made, or ``None``."""
        with self.engine.connect() as connection:
            prior = connection.execute(
                select(idempotency_keys.c.request_hash, kit_batches.c.kit_id)
                .join(batches, batches.c.lot_number == idempotency_keys.c.lot_number)
                .join(kit_batches, kit_batches.c.batch_id == batches.c.id)
                .where(idempotency_keys.c.scope == request.scope,
                       idempotency_keys.c.key == request.key)).first()
        if prior is None:
            return None
        if prior.request_hash != request.digest:
            raise Conflict([ErrorDetail(
                "IDEMPOTENCY_KEY_REUSED", 'headers["Idempotency-Key"]',
                f"this key already made kit {prior.kit_id} from another request; use a new "
                f"key for a new kit")])
        return self.kit(prior.kit_id)

    def kit(self, number: int) -> Kit:
        """Kit ``number`` with its batches as their records read now (``RecordNotFound``
        otherwise); its own link checked (``chain_problem``)."""
        with self.engine.connect() as connection:
            row = (connection.execute(select(kits).where(kits.c.id == number)).first()
                   if 0 < number <= LARGEST_ID else None)
            if row is None:
                raise RecordNotFound([ErrorDetail("NOT_FOUND", "kit",
                                                  f"no kit has the number {number}")])
            lots = list(connection.execute(
                select(batches.c.lot_number)
                .join(kit_batches, kit_batches.c.batch_id == batches.c.id)
                .where(kit_batches.c.kit_id == number)
                .order_by(kit_batches.c.position)).scalars())
        problem = (None if same(row.hash, kit_digest(self.key, row.prev_hash, row, lots))
                   else "its order, plan or batches were changed outside the workbench")
        return kit_of(row, KitPlan.model_validate_json(row.plan_json),
                      [self.get(lot) for lot in lots], problem)

    def kits_of(self, lots: list[str]) -> dict[str, int]:
        """The kit each of ``lots`` is in, by lot (a batch in no kit is left out)."""
        if not lots:
            return {}
        with self.engine.connect() as connection:
            return dict(connection.execute(
                select(batches.c.lot_number, kit_batches.c.kit_id)
                .join(kit_batches, kit_batches.c.batch_id == batches.c.id)
                .where(batches.c.lot_number.in_(lots))).all())

    def kit_problems(self) -> list[str]:
        """Every broken link of the kits chain, in words (``compounding db verify``): a kit
        changed, inserted or removed, a batch linked to it or unlinked from it, the chain's
        end cut off, or a checkpoint no longer met."""
        found: list[str] = []
        with self.engine.connect() as connection:
            rows = connection.execute(select(kits).order_by(kits.c.id)).all()
            linked: dict[int, list[str]] = {}
            for link in connection.execute(
                    select(kit_batches.c.kit_id, batches.c.lot_number)
                    .join(batches, batches.c.id == kit_batches.c.batch_id)
                    .order_by(kit_batches.c.kit_id, kit_batches.c.position)):
                linked.setdefault(link.kit_id, []).append(link.lot_number)
            head = connection.execute(select(chain_heads.c.count, chain_heads.c.hash)
                                      .where(chain_heads.c.name == KITS)).first()
        prev, count, links = GENESIS, 0, []
        for row in rows:
            count += 1
            if row.id != count or not same(row.prev_hash, prev):
                found.append(f"kit {row.id}: it does not follow the kit before it (a kit was "
                             f"removed or inserted)")
            if not same(row.hash, kit_digest(self.key, row.prev_hash, row,
                                             linked.get(row.id, []))):
                found.append(f"kit {row.id}: its order, plan or batches were changed, or it was "
                             f"written without the chain key")
            prev = row.hash
            links.append(row.hash)
        for number in sorted(set(linked) - {r.id for r in rows}):
            found.append(f"batches are linked to kit {number}, which does not exist")
        if (head is None and count) or (head is not None and (
                head.count != count or not same(head.hash, prev))):
            found.append("the kits chain's last link or length is not the one recorded: kits "
                         "were removed from its end or added outside the workbench")
        if self.checkpoints is not None:
            found += unmet(self.checkpoints, KITS, links, self.engine)
        return found
