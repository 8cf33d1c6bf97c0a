"""What a stored record looks like to its readers (API JSON and pages)."""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Tag

from compounding.bench.execution import Executed, Signature, Step
from compounding.bench.labeling import Dispensing
from compounding.bench.liquid_results import LiquidBenchEntry, LiquidCorrection
from compounding.bench.reconciliation import outside_range
from compounding.bench.results import (
    BenchEntry,
    Correction,
    Status,
    TransitionError,
    check_label_allowed,
)
from compounding.errors import ErrorDetail
from compounding.orders.liquid import LiquidOrder, LiquidPlan
from compounding.orders.models import Order, Plan
from compounding.profile import Profile
from compounding.screening.findings import Acknowledgement, Finding

STORED = {"stored": True}
"""Validation context of a kept record: values are read back as they were kept."""


def form_of_value(value: Any) -> str:
    """The dosage form of an order or a plan, as a model or its JSON: ``capsules`` unless it
    says ``oral_liquid`` (records kept before there were forms are capsules)."""
    form = value.get("form") if isinstance(value, dict) else getattr(value, "form", None)
    return form or "capsules"


AnyOrder = Annotated[Annotated[Order, Tag("capsules")] | Annotated[LiquidOrder, Tag("oral_liquid")],
                     Discriminator(form_of_value)]
"""A kept order of any dosage form: :class:`Order` (capsules) or :class:`LiquidOrder`."""
AnyPlan = Annotated[Annotated[Plan, Tag("capsules")] | Annotated[LiquidPlan, Tag("oral_liquid")],
                    Discriminator(form_of_value)]
"""A kept plan of any dosage form: :class:`Plan` (capsules) or :class:`LiquidPlan`."""
AnyBench = BenchEntry | LiquidBenchEntry


def bench_model(plan: Plan | LiquidPlan) -> type[BenchEntry] | type[LiquidBenchEntry]:
    """The bench entry of a batch of ``plan``'s dosage form."""
    return LiquidBenchEntry if plan.form == "oral_liquid" else BenchEntry


def correction_model(plan: Plan | LiquidPlan) -> type[Correction] | type[LiquidCorrection]:
    """The correction of a bench entry of a batch of ``plan``'s dosage form."""
    return LiquidCorrection if plan.form == "oral_liquid" else Correction


def kept_bench(plan: Plan | LiquidPlan, data: Any) -> AnyBench:
    """A bench entry as a revision kept it, read back as it was kept."""
    return bench_model(plan).model_validate(data, context=STORED)


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Author(_Frozen):
    """Who did a step: a signed-in user, by id, with the name and licence printed at it."""

    user_id: int
    name: str
    licence: str | None = None


class Revision(_Frozen):
    """One step in a batch's history; never changed once written. ``author`` is the printed
    name; ``author_id`` the signed-in user (``signed_in`` false: a name typed before sign-in
    existed, kept as unauthenticated history). ``at`` is the server's time. ``data`` is what the
    step entered (a signature included); a plain read leaves it out (``None``) for bench entries
    that a later correction replaced (``GET /api/v1/records/{lot}/revisions/{number}``)."""

    number: int
    action: str
    status: Status
    author: str | None
    author_id: int | None = None
    signed_in: bool = False
    at: datetime
    reason: str | None
    data: dict[str, Any] | None


class Summary(_Frozen):
    """A batch in a search result."""

    lot_number: str
    lot_date: date
    rx_number: str | None
    patient: str | None
    status: Status
    revision: int
    created_at: datetime
    patient_id: str | None = None
    prescription_id: str | None = None
    archived: bool = False
    """Imported with signatures this installation cannot verify (:attr:`Record.archived`)."""
    kit_id: int | None = None
    """The titration kit the batch is one strength of (``GET /api/v1/kits/{id}``), if any."""


class Event(_Frozen):
    """One entry of the change feed: ``seq`` orders them all; ``action`` is what happened to
    batch ``lot_number`` (``printed`` when it was created, ``bench``, ``correction``,
    ``verification``, ``acknowledgement``, ``scrap``, or ``label`` when a dispensing label was
    printed), leaving it at ``revision`` and ``status``; ``user_id`` is who did it;
    ``rx_number`` and ``prescription_id`` (the pharmacy system's) are the batch's, read with
    the event (not part of its chained content)."""

    seq: int
    lot_number: str
    action: str
    revision: int
    status: Status
    at: datetime
    user_id: int | None
    rx_number: str | None = None
    prescription_id: str | None = None


class Made(_Frozen):
    """What the bench made (domain.md §12): ``strength`` [mg per capsule; for an oral liquid,
    the concentration made, mg/mL] and its ``ratio`` to d (to the planned concentration) as
    exact fractions (``"44925/10000"``), the day of the bench work, and the BUD worked out
    again from the lots used, with its rationale."""

    strength: str
    ratio: str
    compounded_on: date
    beyond_use_date: date
    beyond_use_rationale: str

    @property
    def strength_mg(self) -> Fraction:
        return Fraction(self.strength)

    @property
    def percent(self) -> Fraction:
        return Fraction(self.ratio) * 100


class Record(_Frozen):
    """A batch: what was ordered and planned, and every revision since."""

    lot_number: str
    created_at: datetime
    status: Status
    revision: int
    order: AnyOrder
    plan: AnyPlan
    profile: Profile
    revisions: list[Revision]
    chain_problem: str | None = None
    """Why the record's history does not hold together (tampered with), or ``None``."""
    archived: bool = False
    """Imported without a chain and checkpoint that verify with a key this installation trusts
    (security.md, "The audit trail": import): its signatures are another installation's word.
    It can be read and recalled; it takes no further step, and no label or MedicationDispense
    is made from it (``RECORD_ARCHIVED``)."""

    def _bench_data(self) -> dict[str, Any] | None:
        """What the latest bench entry or correction kept."""
        for revision in reversed(self.revisions):
            if revision.action in ("bench", "correction") and revision.data is not None:
                return revision.data
        return None

    @property
    def bench(self) -> AnyBench | None:
        """The bench entry as it reads now (the latest entry or correction): a
        :class:`BenchEntry`, or a :class:`LiquidBenchEntry` for an oral liquid."""
        data = self._bench_data()
        return None if data is None else kept_bench(self.plan, data["bench"])

    @property
    def made(self) -> Made | None:
        """What the bench made, as of the current bench entry (``None`` before one, or for a
        record kept before bench results were reconciled)."""
        data = self._bench_data()
        return None if data is None or "made" not in data else Made.model_validate(data["made"])

    @property
    def capsules_outside(self) -> list[bool]:
        """For each capsule weighed at the bench, whether it lies outside the QC range."""
        bench, plan = self.bench, self.plan
        if not isinstance(bench, BenchEntry) or not isinstance(plan, Plan):
            return []  # an oral liquid weighs no capsules
        return outside_range(bench, plan)

    @property
    def beyond_use_date(self) -> date:
        """The BUD the label carries: worked out again at the bench from the lots used, or the
        planned one before the bench (domain.md §12)."""
        made = self.made
        return made.beyond_use_date if made else self.plan.beyond_use_date

    @property
    def acknowledgements(self) -> list[Acknowledgement]:
        """The signed acknowledgements given on the batch, one per code, with the signer's
        printed name (names typed in an order before sign-in existed do not count)."""
        given: dict[str, Acknowledgement] = {}
        for revision in self.revisions:
            if (revision.action == "acknowledgement" and revision.signed_in
                    and revision.data is not None):
                data = revision.data
                finding = data.get("finding") or f"{data['code']}:{data.get('field')}"
                given.setdefault(finding, Acknowledgement(
                    finding=finding, pharmacist=revision.author or "",
                    reason=revision.reason or ""))
        return list(given.values())

    @property
    def unacknowledged(self) -> list[Finding]:
        """Critical findings of the plan and of the bench that no pharmacist has signed for
        yet, by id (domain.md §12)."""
        done = {a.finding for a in self.acknowledgements}
        return [f for f in (*self.plan.findings, *self.flags)
                if f.severity.value == "critical" and f.id not in done]

    def labelled_order(self) -> Order | LiquidOrder:
        """The order with the signed acknowledgements, as the label is printed from."""
        return self.order.model_copy(update={"acknowledgements": self.acknowledgements})

    def order_for_label(self) -> Order | LiquidOrder:
        """:meth:`labelled_order`, for a verified batch whose history holds together and that
        is not archived (``CHAIN_BROKEN``, ``RECORD_ARCHIVED``, ``BATCH_NOT_VERIFIED``: 409)."""
        self.check_dispensable("no label is printed from it")
        check_label_allowed(self.status, self.lot_number)
        return self.labelled_order()

    def check_dispensable(self, what: str) -> None:
        """What dispenses from a record (a label, a MedicationDispense) needs its history to
        hold together (``CHAIN_BROKEN``) and the record not to be archived
        (``RECORD_ARCHIVED``), both 409; ``what`` ends the message ("no label is printed from
        it")."""
        if self.chain_problem:
            raise TransitionError([ErrorDetail(
                "CHAIN_BROKEN", "lot_number",
                f"batch {self.lot_number}'s record has been altered outside the workbench "
                f"({self.chain_problem}); {what}")])
        if self.archived:
            raise TransitionError([archived_error(self.lot_number, what)])

    def check_live(self) -> None:
        """An archived record takes no further step (``RECORD_ARCHIVED``, 409)."""
        if self.archived:
            raise TransitionError([archived_error(self.lot_number, "it takes no further step")])

    def dispensing(self) -> Dispensing:
        """The batch as its dispensing label prints it: its lot, the day of the bench work and
        the BUD worked out from the lots used (the planned ones for a record kept before)."""
        made = self.made
        return Dispensing(self.lot_number,
                          made.compounded_on if made else self.plan.compounded_on,
                          self.beyond_use_date)

    def executed(self) -> Executed:
        """The executed compounding record of a batch with bench results (domain.md §13);
        ``BATCH_NOT_COMPOUNDED`` (409) before any."""
        bench = self.bench
        if bench is None:
            raise TransitionError([ErrorDetail(
                "BATCH_NOT_COMPOUNDED", "status",
                f"batch {self.lot_number} is {self.status} and has no bench results: print its "
                f"worksheet instead")])
        made = self.made
        signatures = tuple(
            Signature(s["name"], s.get("licence"), s["meaning"], r.at)
            for r in self.revisions if r.data and (s := r.data.get("signature")))
        history = tuple(Step(r.number, r.action, r.status, r.author or "", r.at, r.reason or "")
                        for r in self.revisions)
        return Executed(
            lot=self.lot_number, status=self.status, bench=bench, findings=tuple(self.flags),
            strength_made=made.strength_mg if made else None,
            compounded_on=made.compounded_on if made else self.plan.compounded_on,
            beyond_use_date=self.beyond_use_date,
            beyond_use_rationale=(made.beyond_use_rationale if made
                                  else self.plan.beyond_use_rationale),
            acknowledgements=tuple(self.acknowledgements), signatures=signatures,
            history=history)

    def bench_authors(self) -> set[int]:
        """Users who entered or corrected the bench results (the two-person rule)."""
        return {r.author_id for r in self.revisions
                if r.action in ("bench", "correction") and r.author_id is not None}

    @property
    def flags(self) -> list[Finding]:
        """The bench's findings (capsules out of range, tablets, strength made, BUD), as of
        the current bench entry."""
        data = self._bench_data()
        return [Finding.model_validate(f) for f in data.get("flags", [])] if data else []


def archived_error(lot: str, what: str) -> ErrorDetail:
    """``RECORD_ARCHIVED``: batch ``lot`` was imported with signatures nobody here can verify."""
    return ErrorDetail(
        "RECORD_ARCHIVED", "lot_number",
        f"batch {lot} was imported from another installation without a chain this one can "
        f"verify, so its signatures cannot be checked here: it is kept as an archived record, "
        f"to read and recall; {what}")
