"""What happens to a batch after its worksheet is printed: bench results, verification, scrap.

Pure rules, no storage: what the bench enters (every component's lot and expiry required), the
approval gate, and the pharmacy's rule on who may verify. The states a batch passes through are
data (:data:`TRANSITIONS`). The bench entry is checked against the plan in
:mod:`compounding.bench.reconciliation`.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from compounding.errors import ErrorDetail, OrderError
from compounding.orders.types import (
    BenchCount,
    ComponentLot,
    Expiry,
    LongText,
    Mass,
    Name,
    ShortText,
    stored,
)
from compounding.screening.findings import Finding, require_a_finding

Status = Literal["printed", "compounded", "verified", "rejected", "scrapped"]
Action = Literal["printed", "bench", "correction", "verification", "scrap", "acknowledgement"]

# action -> (states it may start from, state it leads to; None: decided by the action)
TRANSITIONS: dict[Action, tuple[frozenset[str], Status | None]] = {
    "bench": (frozenset({"printed"}), "compounded"),
    "correction": (frozenset({"compounded", "rejected"}), "compounded"),
    "verification": (frozenset({"compounded"}), None),
    "scrap": (frozenset({"printed", "compounded", "rejected"}), "scrapped"),
    # a critical finding acknowledged after printing: the state stays as it was
    "acknowledgement": (frozenset({"printed", "compounded", "rejected", "verified"}), None),
}



COMPONENT_FIELDS = ("source_lot", "source_expiry", "filler_lot", "filler_expiry",
                    "capsule_lot", "capsule_expiry")
_USED = Field(default=None, validate_default=True)


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageEntry(_Entry):
    """One trituration stage as made [mg]: ``taken`` is the trituration 1 weighed into stage 2
    (stage 1 takes all the tablet powder, ``tablet_powder_actual``); ``filler`` the filler
    added, none when the plan adds none."""

    taken: Mass | None = None
    filler: Mass | None = None


class RunEntry(_Entry):
    """One run of a capsule machine as made: its ``capsules_made`` and the net
    ``capsule_weights`` [mg] of the capsules its quality control weighed."""

    capsules_made: BenchCount
    capsule_weights: list[Mass] = Field(default_factory=list, max_length=2000)


class BalanceUsed(_Entry):
    """Which balance weighed what: the weighing's name as the plan gives it (``filler``,
    ``tablet powder``) and the ``balance``'s name."""

    weighing: ShortText
    balance: ShortText


class BenchEntry(_Entry):
    """Results entered at the bench. Masses [mg]; ``capsule_weights`` are net weights [mg], one
    per capsule weighed; lots and expiries as actually used. A trituration batch also gives each
    stage (:class:`StageEntry`) and the ``aliquot_actual`` of the last stage weighed into the
    batch, whose filler is ``filler_actual``. A batch from naltrexone HCl powder (API) enters
    ``tablets_used`` 0 and no tablet weights; its ``tablet_powder_actual`` is the powder
    weighed, and its source lot and expiry are the powder's."""

    tablets_used: BenchCount
    runs: list[RunEntry] = Field(default_factory=list, max_length=100)
    """A batch filled on a capsule machine: each run's capsules and weights; the batch's
    ``capsules_made`` and ``capsule_weights`` are their sum and their concatenation (given
    too, they must agree)."""
    balances_used: list[BalanceUsed] = Field(default_factory=list, max_length=20)
    """The balance each weighing was made on, when the pharmacy lists its balances."""
    tablet_weights: list[Mass] = Field(default_factory=list, max_length=100)
    """Whole tablets of the lot weighed one by one at the bench [mg] (10 by custom)."""
    average_tablet_weight: Mass | None = None
    """The measured average weight of a tablet of the lot [mg], when only the mean is kept."""
    tablet_powder_actual: Mass
    filler_actual: Mass
    capsules_made: BenchCount
    capsule_weights: list[Mass] = Field(default_factory=list, max_length=10_000)
    trituration: list[StageEntry] = Field(default_factory=list, max_length=2)
    aliquot_actual: Mass | None = None
    source_lot: ComponentLot | None = _USED
    source_expiry: Expiry | None = _USED
    filler_lot: ComponentLot | None = _USED
    filler_expiry: Expiry | None = _USED
    capsule_lot: ComponentLot | None = _USED
    capsule_expiry: Expiry | None = _USED
    compounded_at: datetime
    compounded_by: Name | None = None
    """A name typed at the bench before sign-in existed: kept in old records, refused now (the
    signed-in user is the author of every step)."""

    @model_validator(mode="before")
    @classmethod
    def _from_runs(cls, data: object) -> object:
        """``capsules_made`` and ``capsule_weights`` from the runs, when only they are given."""
        if not isinstance(data, dict) or not data.get("runs"):
            return data
        runs = data["runs"]
        if not all(isinstance(r, dict | RunEntry) for r in runs):
            return data
        made = [r.capsules_made if isinstance(r, RunEntry) else r.get("capsules_made")
                for r in runs]
        weights = [w for r in runs for w in (r.capsule_weights if isinstance(r, RunEntry)
                                             else r.get("capsule_weights") or [])]
        if all(isinstance(m, int) and not isinstance(m, bool) for m in made):
            data = {"capsules_made": sum(made), **data}
        return {"capsule_weights": weights, **data}

    @model_validator(mode="after")
    def _runs_agree(self) -> BenchEntry:
        if self.runs and sum(r.capsules_made for r in self.runs) != self.capsules_made:
            raise PydanticCustomError(
                "INVALID_VALUE", "capsules_made is the sum of the runs' capsules made",
                {"leaf": "capsules_made"})
        if self.runs and [w for r in self.runs for w in r.capsule_weights] != list(
                self.capsule_weights):
            raise PydanticCustomError(
                "INVALID_VALUE", "capsule_weights are the runs' weights, run by run",
                {"leaf": "capsule_weights"})
        return self

    def measured_tablet_weight(self) -> Fraction | None:
        """W measured at the bench [mg]: the mean of the tablet weights, else the average
        entered; ``None`` when the bench measured none (the order's W stands)."""
        if self.tablet_weights:
            return sum(self.tablet_weights, Fraction(0)) / len(self.tablet_weights)
        return self.average_tablet_weight

    @field_validator(*COMPONENT_FIELDS)
    @classmethod
    def _component_known(cls, value: object, info: ValidationInfo) -> object:
        """The lot and expiry of every component used are required (domain.md §12); records
        kept before they were are read as they are."""
        if value is None and not stored(info):
            raise PydanticCustomError(
                "FIELD_REQUIRED", "the lot and expiry of every component used are required")
        return value

    @field_validator("compounded_by")
    @classmethod
    def _no_typed_author(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and not stored(info):
            raise PydanticCustomError(
                "TYPED_AUTHOR", "the author is whoever is signed in; names are not typed")
        return value


class Correction(_Entry):
    """A corrected bench entry: why, and the whole entry as it should read (the author is the
    signed-in user)."""

    reason: LongText
    bench: BenchEntry


class Verification(_Entry):
    """A pharmacist's decision on a compounded batch, signed; a rejection needs a reason."""

    decision: Literal["approve", "reject"]
    reason: LongText | None = None


class Scrap(_Entry):
    """A batch taken out of use, and why; signed."""

    reason: LongText


class FindingAcknowledgement(_Entry):
    """A pharmacist's signed acknowledgement of one critical finding of a kept batch: by its id,
    or by a code exactly one critical finding has (domain.md §11)."""

    finding: LongText | None = None
    code: ShortText | None = None
    reason: LongText

    @model_validator(mode="after")
    def _names_a_finding(self) -> FindingAcknowledgement:
        require_a_finding(self.finding, self.code)
        return self


def check_transition(action: Action, status: str) -> None:
    """``INVALID_TRANSITION`` (HTTP 409) when ``action`` cannot follow ``status``."""
    allowed, _ = TRANSITIONS[action]
    if status not in allowed:
        raise TransitionError([ErrorDetail(
            "INVALID_TRANSITION", "status",
            f"a batch that is {status} cannot take a {action}; it must be "
            f"{' or '.join(sorted(allowed))}")])


class TransitionError(OrderError):
    """The batch is not in a state that allows this step (HTTP 409)."""

    status = 409


def check_label_allowed(status: str, lot: str) -> None:
    """A patient label is printed only for a verified batch (``BATCH_NOT_VERIFIED``, 409)."""
    if status != "verified":
        raise TransitionError([ErrorDetail(
            "BATCH_NOT_VERIFIED", "status",
            f"batch {lot} is {status}: a label is printed only once a pharmacist has "
            f"verified it")])


NOT_RELEASABLE = frozenset({"BENCH_STRENGTH_OUT_OF_RANGE", "BENCH_TABLETS_MISMATCH",
                            "BENCH_WEIGHT_UNIFORMITY"})
"""Bench findings after which a batch can only be rejected or corrected (domain.md §12)."""


def check_release_allowed(unacknowledged: list[Finding], flags: list[Finding]) -> None:
    """An approval is refused while a critical finding of the plan or the bench is
    unacknowledged (``CRITICAL_UNACKNOWLEDGED``), or the bench made another strength than
    planned (``BATCH_NOT_RELEASABLE``, whether acknowledged or not): such a batch can only be
    rejected or corrected (domain.md §12)."""
    errors = [ErrorDetail("CRITICAL_UNACKNOWLEDGED", f.field,
                          f"{f.id} is not acknowledged: a pharmacist signs for it first")
              for f in unacknowledged if f.code not in NOT_RELEASABLE]
    errors += [ErrorDetail("BATCH_NOT_RELEASABLE", f.field, f"{f.message}")
               for f in flags if f.code in NOT_RELEASABLE]
    if errors:
        raise TransitionError(errors)


def check_verification(verification: Verification, bench_authors: set[int], signer_id: int,
                       allow_self_verification: bool,
                       managed: dict[int, list[str]] | None = None) -> None:
    """The pharmacy's rules on a verification (:class:`OrderError` naming the field): a
    rejection needs a reason; whoever entered or corrected the bench results may not verify the
    batch (by user id), nor may whoever created, reset or changed the roles of their account
    lately (``managed``: what the signer did to each bench author's account, in words), unless
    the pharmacy allows it (a one-pharmacist shop)."""
    errors = []
    if not allow_self_verification and managed:
        done = "; ".join(f"{', '.join(words)}" for words in managed.values())
        errors.append(ErrorDetail(
            "ACCOUNT_MANAGER_VERIFICATION", "signature",
            f"you manage the account of the person who entered these bench results ({done}); "
            "this pharmacy requires another pharmacist to verify it"))
    if verification.decision == "reject" and not verification.reason:
        errors.append(ErrorDetail("REASON_REQUIRED", "reason", "a rejection needs a reason"))
    if not allow_self_verification and signer_id in bench_authors:
        errors.append(ErrorDetail(
            "SELF_VERIFICATION", "signature",
            "you entered or corrected this batch's bench results; this pharmacy requires "
            "another pharmacist to verify it"))
    if errors:
        raise OrderError(errors)
