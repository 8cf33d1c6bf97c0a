"""What happens to a batch after its worksheet is printed: bench results, verification, scrap.

Pure rules, no storage: a bench entry is checked against the batch plan (a capsule count larger
than the batch, more weights than capsules, a component expired on the day), each capsule
outside 90-110 % of the theoretical fill is flagged, and the verification follows the
pharmacy's rule on who may verify. The states a batch passes through are data
(:data:`TRANSITIONS`).
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

from .clock import day_of
from .display import show
from .errors import ErrorDetail, OrderError
from .findings import Finding, Severity, require_a_finding
from .models import Order, Plan
from .types import ComponentLot, Expiry, LongText, Mass, Name, ShortText, count_type, stored

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

Count = count_type(0, 100_000)


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BenchEntry(_Entry):
    """Results entered at the bench. Masses [mg]; ``capsule_weights`` are net weights [mg], one
    per capsule weighed; lots and expiries as actually used."""

    tablets_used: Count
    tablet_powder_actual: Mass
    filler_actual: Mass
    capsules_made: Count
    capsule_weights: list[Mass] = Field(default_factory=list, max_length=10_000)
    source_lot: ComponentLot | None = None
    source_expiry: Expiry | None = None
    filler_lot: ComponentLot | None = None
    filler_expiry: Expiry | None = None
    capsule_lot: ComponentLot | None = None
    capsule_expiry: Expiry | None = None
    compounded_at: datetime
    compounded_by: Name | None = None
    """A name typed at the bench before sign-in existed: kept in old records, refused now (the
    signed-in user is the author of every step)."""

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


POWDER_MARGIN = Fraction(102, 100)
"""Powder weighed may exceed the tablets' weight by at most 2 % (balance and crushing)."""
STRENGTH_WARN = (Fraction(95, 100), Fraction(105, 100))
STRENGTH_LIMIT = (Fraction(90, 100), Fraction(110, 100))
NOT_RELEASABLE = frozenset({"BENCH_STRENGTH_OUT_OF_RANGE", "BENCH_TABLETS_MISMATCH"})
"""Bench findings after which a batch can only be rejected or corrected (domain.md §12)."""


def strength_made(entry: BenchEntry, plan: Plan) -> Fraction:
    """The strength the bench made [mg per capsule] (domain.md §12): drug in the blend ÷ blend
    mass × mean capsule net weight, the drug being the powder weighed × S/W (= d/p).

    The domain's example batch: 748 mg of powder (p = 22.5 mg, d = 4.5 mg) holds 149.6 mg of
    drug in 748 + 3581 = 4329 mg of blend; capsules of 130 mg mean make 4.4925 mg (99.8 %).
    """
    drug = entry.tablet_powder_actual * plan.strength / plan.tablet_powder_per_capsule
    blend = entry.tablet_powder_actual + entry.filler_actual
    mean = sum(entry.capsule_weights, Fraction(0)) / len(entry.capsule_weights)
    return drug / blend * mean


def check_bench(entry: BenchEntry, plan: Plan, order: Order,
                time_zone: str = "UTC") -> list[Finding]:
    """The bench entry checked against the plan (domain.md §12): errors (:class:`OrderError`)
    for what cannot be — fewer capsules than the prescription, more powder than the tablets
    hold, too few capsules weighed, an expired component — and findings for what the pharmacist
    must weigh: each capsule outside the QC range, tablets used other than T, the strength made.

    Expiries are judged on the pharmacy's date of the bench work (``time_zone``, IANA).
    """
    errors = []
    if entry.capsules_made > plan.capsules_to_fill:
        errors.append(ErrorDetail(
            "CAPSULES_EXCEED_BATCH", "capsules_made",
            f"{entry.capsules_made} capsules cannot come from a batch that fills "
            f"{plan.capsules_to_fill}"))
    if entry.capsules_made < plan.capsules_dispensed:
        errors.append(ErrorDetail(
            "BENCH_SHORT", "capsules_made",
            f"{entry.capsules_made} capsules cannot fill a prescription of "
            f"{plan.capsules_dispensed}"))
    if len(entry.capsule_weights) > entry.capsules_made:
        errors.append(ErrorDetail(
            "WEIGHTS_EXCEED_CAPSULES", "capsule_weights",
            f"{len(entry.capsule_weights)} weights for {entry.capsules_made} capsules made"))
    needed = min(plan.capsules_to_weigh, entry.capsules_made)
    if len(entry.capsule_weights) < needed:
        errors.append(ErrorDetail(
            "BENCH_WEIGHTS_MISSING", "capsule_weights",
            f"{len(entry.capsule_weights)} capsule weights: weigh at least {needed}"))
    most = entry.tablets_used * order.source.average_tablet_weight * POWDER_MARGIN
    if entry.tablet_powder_actual > most:
        errors.append(ErrorDetail(
            "BENCH_POWDER_EXCEEDS_TABLETS", "tablet_powder_actual",
            f"{show(entry.tablet_powder_actual)} mg of powder is more than "
            f"{entry.tablets_used} tablets of {show(order.source.average_tablet_weight)} mg hold "
            f"(at most {show(most)} mg with 2 % for the balance)"))
    day = day_of(entry.compounded_at, time_zone)
    for field in ("source_expiry", "filler_expiry", "capsule_expiry"):
        expiry = getattr(entry, field)
        if expiry is not None and expiry <= day:
            errors.append(ErrorDetail("COMPONENT_EXPIRED", field,
                                      f"expired on {expiry.isoformat()}, on or before the day "
                                      f"it was used ({day.isoformat()})"))
    if errors:
        raise OrderError(errors)
    low, high = plan.fill_weight_min, plan.fill_weight_max
    found = [
        Finding(code="CAPSULE_OUT_OF_RANGE", severity=Severity.warning,
                field=f"capsule_weights[{i}]",
                message=f"Capsule {i + 1} weighs {float(w):g} mg, outside "
                        f"{float(low):g}-{float(high):g} mg (90-110 % of the fill weight): set it "
                        f"aside.")
        for i, w in enumerate(entry.capsule_weights) if not low <= w <= high
    ]
    if entry.tablets_used != plan.tablets:
        found.append(Finding(
            code="BENCH_TABLETS_MISMATCH", severity=Severity.critical, field="tablets_used",
            message=f"{entry.tablets_used} tablets used where the plan crushes {plan.tablets}: "
                    f"the batch's strength is not the one planned. Correct the entry or reject "
                    f"the batch."))
    made = strength_made(entry, plan)
    ratio = made / plan.strength
    if not STRENGTH_LIMIT[0] <= ratio <= STRENGTH_LIMIT[1]:
        code, severity, advice = ("BENCH_STRENGTH_OUT_OF_RANGE", Severity.critical,
                                  "outside 90-110 %: the batch cannot be released")
    elif not STRENGTH_WARN[0] <= ratio <= STRENGTH_WARN[1]:
        code, severity, advice = ("BENCH_STRENGTH_DEVIATION", Severity.warning,
                                  "outside 95-105 %: check the weighings")
    else:
        return found
    drug = entry.tablet_powder_actual * plan.strength / plan.tablet_powder_per_capsule
    blend = entry.tablet_powder_actual + entry.filler_actual
    found.append(Finding(
        code=code, severity=severity, field="tablet_powder_actual",
        message=f"Strength made {show(made)} mg per capsule is {show(ratio * 100, 1)} % of "
                f"{show(plan.strength)} mg ({advice}): {show(drug)} mg of drug in "
                f"{show(blend)} mg of blend."))
    return found


def check_release_allowed(plan_unacknowledged: list[Finding], flags: list[Finding]) -> None:
    """An approval is refused while a critical finding of the plan is unacknowledged
    (``CRITICAL_UNACKNOWLEDGED``) or the bench made another strength than planned
    (``BATCH_NOT_RELEASABLE``): such a batch can only be rejected or corrected (§12)."""
    errors = [ErrorDetail("CRITICAL_UNACKNOWLEDGED", f.field,
                          f"{f.id} is not acknowledged: a pharmacist signs for it first")
              for f in plan_unacknowledged]
    errors += [ErrorDetail("BATCH_NOT_RELEASABLE", f.field, f"{f.message}")
               for f in flags if f.code in NOT_RELEASABLE]
    if errors:
        raise TransitionError(errors)


def check_verification(verification: Verification, bench_authors: set[int], signer_id: int,
                       allow_self_verification: bool) -> None:
    """The pharmacy's rules on a verification (:class:`OrderError` naming the field): a
    rejection needs a reason; whoever entered or corrected the bench results may not verify the
    batch (by user id), unless the pharmacy allows it (a one-pharmacist shop)."""
    errors = []
    if verification.decision == "reject" and not verification.reason:
        errors.append(ErrorDetail("REASON_REQUIRED", "reason", "a rejection needs a reason"))
    if not allow_self_verification and signer_id in bench_authors:
        errors.append(ErrorDetail(
            "SELF_VERIFICATION", "signature",
            "you entered or corrected this batch's bench results; this pharmacy requires "
            "another pharmacist to verify it"))
    if errors:
        raise OrderError(errors)
