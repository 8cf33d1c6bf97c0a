"""What the bench made, checked against the plan (domain.md §12).

Errors (:class:`OrderError`) for what cannot be: fewer capsules than the prescription, more
powder than the tablets hold, too few capsules weighed, an expired component. Findings for what
the pharmacist must weigh: each capsule outside the QC range, tablets used other than T, the
strength made, and a beyond-use date that the lots actually used bring forward. The BUD is
worked out again from the day of the bench work and those lots; the label carries it.

A batch from naltrexone HCl powder (API, ``plan.source_kind == "api_powder"``) counts no
tablets: ``tablets_used`` is 0 (anything else, or tablet weights, is an error: the entry is not
of this batch), ``tablet_powder_actual`` is the powder weighed, and the drug it carries is that
mass × the certificate's assay as is (:func:`powder_strength`); there is no tablet weight to
bound it by.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from compounding.bench.results import BenchEntry
from compounding.bench.runs import runs_missing, unknown_balances
from compounding.clock import day_of, today
from compounding.display import show
from compounding.errors import ErrorDetail, OrderError
from compounding.formulation.dating import USP_795, Component, beyond_use
from compounding.formulation.fill import MG_PER_G
from compounding.orders.liquid import LiquidPlan
from compounding.orders.models import Order, Plan
from compounding.screening.findings import Finding
from compounding.screening.review import Review
from compounding.settings import DEFAULT_SETTINGS, Settings

POWDER_MARGIN = Fraction(102, 100)
"""Powder weighed may exceed the tablets' weight by at most 2 % (balance and crushing)."""
STRENGTH_WARN = (Fraction(95, 100), Fraction(105, 100))
STRENGTH_LIMIT = (Fraction(90, 100), Fraction(110, 100))


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """A bench entry against its plan: ``strength_made`` [mg per capsule] and its ratio to d,
    the day of the bench work, the BUD from the lots used and its rationale, the findings."""

    findings: list[Finding]
    strength_made: Fraction
    strength_ratio: Fraction
    compounded_on: date
    beyond_use_date: date
    beyond_use_rationale: str


def made_from_powder(plan: Plan | LiquidPlan) -> bool:
    """Whether the batch (capsules, or an oral liquid) weighs naltrexone HCl powder (API)
    rather than crushing tablets."""
    return getattr(plan, "source_kind", "tablets") == "api_powder"


def powder_strength(entry: BenchEntry, plan: Plan, order: Order | None = None) -> Fraction:
    """Naltrexone in a mg of tablet powder [mg/mg]: S/W with W as measured at the bench, or,
    when the bench measured none, d/p (= S/W with the order's W). For naltrexone HCl powder
    (API), the order's assay as is, exactly (d/p is that assay, rounded in a kept plan).

    >>> from types import SimpleNamespace as S
    >>> plan = S(strength=Fraction(9, 2), tablet_powder_per_capsule=Fraction(45, 2))
    >>> entry = S(measured_tablet_weight=lambda: Fraction(260))
    >>> powder_strength(entry, plan, S(source=S(strength=50))), powder_strength(entry, plan)
    (Fraction(5, 26), Fraction(1, 5))
    """
    if made_from_powder(plan) and order is not None and order.source.assay_as_is is not None:
        return order.source.assay_as_is
    measured = None if made_from_powder(plan) else entry.measured_tablet_weight()
    if measured is not None and order is not None:
        return order.source.strength / measured
    return plan.strength / plan.tablet_powder_per_capsule


def concentrations(entry: BenchEntry, plan: Plan, order: Order | None = None) -> list[Fraction]:
    """Each trituration's concentration as made [mg/g]: c₁ = P × S/W ÷ (P + F₁), then
    c₂ = A₁ × c₁ ÷ (A₁ + F₂), from the masses entered (domain.md §9, §12)."""
    found: list[Fraction] = []
    drug = entry.tablet_powder_actual * powder_strength(entry, plan, order)
    taken = entry.tablet_powder_actual
    for index, stage in enumerate(entry.trituration):
        if index:
            taken = stage.taken or Fraction(0)
            drug = taken * found[-1] / MG_PER_G
        found.append(drug / (taken + (stage.filler or 0)) * MG_PER_G)
    return found


def outside_range(entry: BenchEntry, plan: Plan) -> list[bool]:
    """For each capsule weighed, whether its net weight lies outside the QC range (the same
    limits on paper and in the check, domain.md §12)."""
    low, high = plan.fill_weight_min, plan.fill_weight_max
    return [not low <= w <= high for w in entry.capsule_weights]


UNIFORMITY_LIMIT = Fraction(1, 10)
"""More than this share of a weighed sample outside the QC range puts the whole batch in doubt
(domain.md §21, default)."""
RSD_LIMIT = Fraction(6)
"""Relative standard deviation of the capsule weights above which the fill is uneven [%]
(domain.md §21, default)."""


def set_aside(entry: BenchEntry, plan: Plan) -> int:
    """Capsules set aside: every capsule weighed outside the QC range (domain.md §21)."""
    return sum(outside_range(entry, plan))


def dispensable(entry: BenchEntry, plan: Plan) -> int:
    """Capsules that may be dispensed: made − set aside (domain.md §21).

    >>> from types import SimpleNamespace as S
    >>> plan = S(fill_weight_min=117, fill_weight_max=143)
    >>> dispensable(S(capsules_made=30, capsule_weights=[130] * 7 + [150, 110, 144]), plan)
    27
    """
    return entry.capsules_made - set_aside(entry, plan)


def weight_statistics(weights: list[Fraction]) -> tuple[float, float]:
    """Mean [mg] and relative standard deviation [%] (sample, n − 1) of the capsule weights;
    RSD 0 for a single weight (domain.md §21).

    >>> [round(x, 3) for x in weight_statistics([Fraction(w) for w in (129, 131, 130, 130)])]
    [130.0, 0.628]
    """
    mean = sum(weights, Fraction(0)) / len(weights)
    if len(weights) < 2:
        return float(mean), 0.0
    variance = sum(((w - mean) ** 2 for w in weights), Fraction(0)) / (len(weights) - 1)
    return float(mean), float(variance) ** 0.5 / float(mean) * 100


def _weight_check(review: Review, entry: BenchEntry, plan: Plan) -> None:
    """Uniformity of a weighed sample and the spread of the weights (domain.md §21)."""
    weighed, outside = len(entry.capsule_weights), set_aside(entry, plan)
    if weighed < entry.capsules_made and outside > weighed * UNIFORMITY_LIMIT:
        review.finding("BENCH_WEIGHT_UNIFORMITY", "capsule_weights",
                       f"{outside} of the {weighed} capsules weighed are outside the QC range "
                       f"(more than 1 in 10): the unweighed {entry.capsules_made - weighed} are "
                       f"in doubt. Weigh every capsule and set aside each outside the range "
                       f"(a correction), or reject the batch.")
    mean, rsd = weight_statistics(list(entry.capsule_weights))
    if rsd > RSD_LIMIT:
        review.finding("BENCH_WEIGHT_VARIATION", "capsule_weights",
                       f"The capsule weights vary by {rsd:.1f} % (relative standard deviation, "
                       f"mean {mean:.1f} mg), more than {RSD_LIMIT} %: check the fill.")


def drug_in_blend(entry: BenchEntry, plan: Plan, order: Order | None = None) -> Fraction:
    """Drug in the blend [mg]: powder weighed × S/W, which is powder × d/p (naltrexone HCl
    powder: × its assay as is); for a trituration, the aliquot weighed × the last stage's
    concentration as made (domain.md §12)."""
    if plan.method == "trituration":
        return (entry.aliquot_actual or 0) * concentrations(entry, plan, order)[-1] / MG_PER_G
    return entry.tablet_powder_actual * powder_strength(entry, plan, order)


def blend_mass(entry: BenchEntry, plan: Plan) -> Fraction:
    """The blend [mg]: powder (or aliquot) weighed + filler weighed."""
    start = entry.aliquot_actual if plan.method == "trituration" else entry.tablet_powder_actual
    return (start or 0) + entry.filler_actual


def strength_made(entry: BenchEntry, plan: Plan, order: Order | None = None) -> Fraction:
    """The strength the bench made [mg per capsule] (domain.md §12): drug in the blend ÷ blend
    mass × mean capsule net weight, the drug being the powder weighed × S/W (= d/p).

    The domain's example batch: 748 mg of powder (p = 22.5 mg, d = 4.5 mg) holds 149.6 mg of
    drug in 748 + 3581 = 4329 mg of blend; capsules of 130 mg mean make 4.4925 mg (99.8 %).
    """
    mean = sum(entry.capsule_weights, Fraction(0)) / len(entry.capsule_weights)
    return drug_in_blend(entry, plan, order) / blend_mass(entry, plan) * mean


def _trituration_missing(entry: BenchEntry, plan: Plan) -> list[ErrorDetail]:
    """The stage masses a trituration batch must enter (domain.md §12)."""
    if plan.method != "trituration" or not plan.trituration:
        return []
    errors = []
    if len(entry.trituration) != len(plan.trituration):
        errors.append(ErrorDetail(
            "FIELD_REQUIRED", "trituration",
            f"enter each of the {len(plan.trituration)} trituration stages as made"))
    for index, (made, planned) in enumerate(zip(entry.trituration, plan.trituration,
                                                strict=False)):
        if index and made.taken is None:
            errors.append(ErrorDetail("FIELD_REQUIRED", f"trituration[{index}].taken",
                                      "the trituration 1 weighed for this stage is required"))
        if planned.filler_added and made.filler is None:
            errors.append(ErrorDetail("FIELD_REQUIRED", f"trituration[{index}].filler",
                                      "the filler added to this trituration is required"))
    if entry.aliquot_actual is None:
        errors.append(ErrorDetail("FIELD_REQUIRED", "aliquot_actual",
                                  "the aliquot of the trituration weighed for the batch is "
                                  "required"))
    return errors


def _powder_of_tablets(entry: BenchEntry, order: Order) -> list[ErrorDetail]:
    """No more tablet powder than the tablets used hold (W × tablets × 1.02)."""
    weight = entry.measured_tablet_weight() or order.source.average_tablet_weight
    most = entry.tablets_used * (weight or 0) * POWDER_MARGIN
    if entry.tablet_powder_actual <= most:
        return []
    return [ErrorDetail(
        "BENCH_POWDER_EXCEEDS_TABLETS", "tablet_powder_actual",
        f"{show(entry.tablet_powder_actual)} mg of powder is more than "
        f"{entry.tablets_used} tablets of {show(weight or 0)} mg hold "
        f"(at most {show(most)} mg with 2 % for the balance)")]


def _no_tablets(entry: BenchEntry) -> list[ErrorDetail]:
    """A batch from naltrexone HCl powder uses no tablets, and weighs none."""
    errors = []
    if entry.tablets_used:
        errors.append(ErrorDetail(
            "INVALID_VALUE", "tablets_used",
            f"{entry.tablets_used} tablets entered for a batch made from naltrexone HCl "
            f"powder, which uses none: enter 0"))
    if entry.tablet_weights or entry.average_tablet_weight is not None:
        field = "tablet_weights" if entry.tablet_weights else "average_tablet_weight"
        errors.append(ErrorDetail(
            "INVALID_VALUE", field,
            "naltrexone HCl powder is weighed, not counted in tablets: leave the tablet "
            "weights out"))
    return errors


def _impossible(entry: BenchEntry, plan: Plan, order: Order, day: date,
                now: date) -> list[ErrorDetail]:
    errors = []
    if day > now:
        errors.append(ErrorDetail(
            "BENCH_DATE_IN_FUTURE", "compounded_at",
            f"the bench work is dated {day.isoformat()}, after today ({now.isoformat()}) at "
            f"the pharmacy: enter when it was done"))
    if entry.capsules_made > plan.capsules_to_fill:
        errors.append(ErrorDetail(
            "CAPSULES_EXCEED_BATCH", "capsules_made",
            f"{entry.capsules_made} capsules cannot come from a batch that fills "
            f"{plan.capsules_to_fill}"))
    aside = set_aside(entry, plan) if len(entry.capsule_weights) <= entry.capsules_made else 0
    if entry.capsules_made - aside < plan.capsules_dispensed:
        made = (f"{entry.capsules_made} capsules less the {aside} set aside outside the QC "
                f"range" if aside else f"{entry.capsules_made} capsules")
        errors.append(ErrorDetail(
            "BENCH_SHORT", "capsules_made",
            f"{made} cannot fill a prescription of {plan.capsules_dispensed}"))
    if len(entry.capsule_weights) > entry.capsules_made:
        errors.append(ErrorDetail(
            "WEIGHTS_EXCEED_CAPSULES", "capsule_weights",
            f"{len(entry.capsule_weights)} weights for {entry.capsules_made} capsules made"))
    needed = max(1, min(plan.capsules_to_weigh, entry.capsules_made))
    if len(entry.capsule_weights) < needed:
        errors.append(ErrorDetail(
            "BENCH_WEIGHTS_MISSING", "capsule_weights",
            f"{len(entry.capsule_weights)} capsule weights: weigh at least {needed}"))
    errors += runs_missing(entry, plan)
    errors += (_no_tablets(entry) if made_from_powder(plan)
               else _powder_of_tablets(entry, order))
    errors += _trituration_missing(entry, plan)
    for field in ("source_expiry", "filler_expiry", "capsule_expiry"):
        expiry = getattr(entry, field)
        if expiry is not None and expiry <= day:
            errors.append(ErrorDetail("COMPONENT_EXPIRED", field,
                                      f"expired on {expiry.isoformat()}, on or before the day "
                                      f"it was used ({day.isoformat()})"))
    return errors


def _strength_finding(entry: BenchEntry, plan: Plan, order: Order, made: Fraction,
                      ratio: Fraction) -> Finding | None:
    if not STRENGTH_LIMIT[0] <= ratio <= STRENGTH_LIMIT[1]:
        code = "BENCH_STRENGTH_OUT_OF_RANGE"
        advice = "outside 90-110 %: the batch cannot be released"
    elif not STRENGTH_WARN[0] <= ratio <= STRENGTH_WARN[1]:
        code, advice = "BENCH_STRENGTH_DEVIATION", "outside 95-105 %: check the weighings"
    else:
        return None
    review = Review()
    review.finding(code, "tablet_powder_actual",
                   f"Strength made {show(made)} mg per capsule is {show(ratio * 100, 1)} % of "
                   f"{show(plan.strength)} mg ({advice}): "
                   f"{show(drug_in_blend(entry, plan, order))} mg of drug in "
                   f"{show(blend_mass(entry, plan))} mg of blend.")
    return review.findings[0]


def _beyond_use(review: Review, entry: BenchEntry, plan: Plan, day: date,
                cap: int | None) -> tuple[date, str]:
    """The BUD from the day of the bench work and the lots used (domain.md §5, §12): the days
    of the plan's master formulation record (a plan kept before the formulary: 180, or the
    pharmacy's ``cap`` [days] then in force)."""
    dating = Review()  # its BUD_LIMITED_BY_COMPONENT is said again as BUD_SHORTENED_AT_BENCH
    if plan.mfr is not None:
        days, basis = plan.mfr.bud_days, plan.mfr.bud_basis
    else:
        days, basis = cap or 180, USP_795
    source = ("naltrexone HCl powder lot used" if plan.source_kind == "api_powder"
              else "source tablet lot used")
    components = [
        Component(source, "source_expiry", entry.source_expiry),
        Component("filler lot used", "filler_expiry", entry.filler_expiry),
        Component("capsule shell lot used", "capsule_expiry", entry.capsule_expiry)]
    return bench_beyond_use(review, dating, plan, day, days, components, basis,
                            f"{plan.capsules_dispensed} capsules last", "capsules", "fewer")


def bench_beyond_use(review: Review, dating: Review, plan: Any, day: date, days: int,
                     components: list[Component], basis: str, lasting: str, doses: str,
                     less: str) -> tuple[date, str]:
    """The BUD of the lots used at the bench, for every dosage form: ``days`` [days] from the
    ``day`` of the bench work under the record's ``basis``, never later than a component's
    expiry; ``BUD_SHORTENED_AT_BENCH`` when earlier than planned, ``BUD_SHORTER_THAN_SUPPLY``
    (naming the day of the supply) when the supply outlasts it. ``lasting`` ("30 capsules
    last"), ``doses`` and ``less`` word the finding for the form."""
    bud, rationale = beyond_use(dating, day, days, components, basis=basis)
    review.errors += dating.errors
    if bud < plan.beyond_use_date:
        review.finding("BUD_SHORTENED_AT_BENCH", "beyond_use_date",
                       f"The beyond-use date is {bud.isoformat()}, earlier than the "
                       f"{plan.beyond_use_date.isoformat()} planned: {rationale}. The label "
                       f"carries {bud.isoformat()}.")
    if bud < day + timedelta(days=plan.days_supply):
        review.finding("BUD_SHORTER_THAN_SUPPLY", "beyond_use_date",
                       f"{lasting} {plan.days_supply} days from "
                       f"{day.isoformat()}, past the beyond-use date {bud.isoformat()} of the "
                       f"lots used (day {(bud - day).days + 1} of the supply): the patient "
                       f"would take {doses} after it. Dispense {less}, or tell the patient to "
                       f"discard the rest on that date.")
    return bud, rationale


def reconcile(entry: BenchEntry, plan: Plan, order: Order,
              settings: Settings = DEFAULT_SETTINGS) -> Reconciliation:
    """The bench entry checked against the plan (domain.md §12); :class:`OrderError` for what
    cannot be. Expiries and the BUD are judged on the pharmacy's date of the bench work
    (``settings.time_zone``, IANA); the BUD is that date + ``settings.beyond_use_days``, or the
    earliest expiry of the lots used when sooner.

    The domain's example batch compounded on 2026-11-22 with a filler lot expiring 2026-12-01:
    BUD 2026-12-01 instead of 2027-05-21 (``BUD_SHORTENED_AT_BENCH``).
    """
    day = day_of(entry.compounded_at, settings.time_zone)
    errors = _impossible(entry, plan, order, day, today(settings.time_zone))
    errors += unknown_balances(entry, settings)
    if errors:
        raise OrderError(errors)
    low, high = plan.fill_weight_min, plan.fill_weight_max
    review = Review()
    for i, (w, outside) in enumerate(zip(entry.capsule_weights, outside_range(entry, plan),
                                         strict=True)):
        if outside:
            review.finding("CAPSULE_OUT_OF_RANGE", f"capsule_weights[{i}]",
                           f"Capsule {i + 1} weighs {show(w)} mg, outside {show(low)}-"
                           f"{show(high)} mg (90-110 % of the fill weight): set it aside.")
    if entry.tablets_used != plan.tablets and not made_from_powder(plan):
        review.finding("BENCH_TABLETS_MISMATCH", "tablets_used",
                       f"{entry.tablets_used} tablets used where the plan crushes {plan.tablets}: "
                       f"the batch's strength is not the one planned. Correct the entry or "
                       f"reject the batch.")
    made = strength_made(entry, plan, order)
    ratio = made / plan.strength
    strength = _strength_finding(entry, plan, order, made, ratio)
    if strength is not None:
        review.findings.append(strength)
    _weight_check(review, entry, plan)
    bud, rationale = _beyond_use(review, entry, plan, day, settings.beyond_use_days)
    review.raise_errors()
    return Reconciliation(review.findings, made, ratio, day, bud, rationale)


def check_bench(entry: BenchEntry, plan: Plan, order: Order,
                settings: Settings = DEFAULT_SETTINGS) -> list[Finding]:
    """The findings of :func:`reconcile`."""
    return reconcile(entry, plan, order, settings).findings
