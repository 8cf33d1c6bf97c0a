"""What happens to a batch after its worksheet is printed: bench results, verification, scrap.

Pure rules, no storage: a bench entry is checked against the batch plan (a capsule count larger
than the batch, more weights than capsules, a component expired on the day), each capsule
outside 90-110 % of the theoretical fill is flagged, and the verification follows the
pharmacy's rule on who may verify. The states a batch passes through are data
(:data:`TRANSITIONS`).
"""

from __future__ import annotations

from datetime import datetime
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
from .errors import ErrorDetail, OrderError
from .findings import Finding, Severity
from .models import Plan
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
        if self.finding is None and self.code is None:
            raise PydanticCustomError("FIELD_REQUIRED", "name the finding (its id) or its code")
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


def check_bench(entry: BenchEntry, plan: Plan, time_zone: str = "UTC") -> list[Finding]:
    """Errors (:class:`OrderError`) for an impossible entry; a flag for each capsule out of range.

    The acceptance range is the plan's 90-110 % of the theoretical fill weight (old USP <795>
    capsule rule; UNC pharmaceutics lab notes). Expiries are judged on the pharmacy's date of
    the bench work (``time_zone``, IANA).
    """
    errors = []
    if entry.capsules_made > plan.capsules_to_fill:
        errors.append(ErrorDetail(
            "CAPSULES_EXCEED_BATCH", "capsules_made",
            f"{entry.capsules_made} capsules cannot come from a batch that fills "
            f"{plan.capsules_to_fill}"))
    if len(entry.capsule_weights) > entry.capsules_made:
        errors.append(ErrorDetail(
            "WEIGHTS_EXCEED_CAPSULES", "capsule_weights",
            f"{len(entry.capsule_weights)} weights for {entry.capsules_made} capsules made"))
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
    return [
        Finding(code="CAPSULE_OUT_OF_RANGE", severity=Severity.warning,
                field=f"capsule_weights[{i}]",
                message=f"Capsule {i + 1} weighs {float(w):g} mg, outside "
                        f"{float(low):g}-{float(high):g} mg (90-110 % of the fill weight): set it "
                        f"aside.")
        for i, w in enumerate(entry.capsule_weights) if not low <= w <= high
    ]


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
