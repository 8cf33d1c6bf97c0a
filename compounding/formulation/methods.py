"""The method of a batch, and why (domain.md §9).

Every quantity the bench is told to weigh lies between the balance's minimum weighable quantity
and its capacity. With ``method`` ``"auto"`` (the default) the plan takes the first of
whole_tablets, exact_portion and trituration whose weighings all lie in that range and whose
surplus stays within the limit, and says why in ``method_reason``. A method asked for is honoured;
when it breaks the weighing range the order is an error naming ``method`` and the method that
would work. A weighing out of range is never printed as an instruction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

from compounding.display import count, weighing
from compounding.formulation.balances import MAX_PORTIONS, weigh
from compounding.formulation.batch import (
    Batch,
    Method,
    PerCapsule,
    compute_batch,
    filler_per_capsule,
    per_capsule_of,
    powder_per_capsule,
)
from compounding.formulation.exact import ceil
from compounding.formulation.plausibility import surplus_limit
from compounding.formulation.trituration import Limits, plan_trituration
from compounding.screening.review import Review
from compounding.settings import Settings

METHODS: tuple[Method, ...] = ("whole_tablets", "exact_portion", "trituration")
POWDER_METHODS: tuple[Method, ...] = ("exact_portion", "trituration")
"""Naltrexone HCl powder is weighed: no whole tablets to use."""
LIQUID_ADVICE = "prepare it as an oral liquid instead"
"""How ``TRITURATION_INFEASIBLE`` ends here; capsule planning puts the oral liquid that works
in its place (:func:`compounding.forms.capsules.work_out`)."""
NAMES = {"whole_tablets": "whole tablets", "exact_portion": "an exact portion",
         "trituration": "a trituration"}


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a batch is made from: d, S, W, F [mg], DF, n and e [capsules]. For naltrexone HCl
    powder (``powder``), S and W are those of a *unit* of powder (:func:`powder_inputs`)."""

    strength: Fraction
    quantity: int
    overage: int
    tablet_strength: Fraction
    tablet_weight: Fraction
    pack_stat: Fraction
    density_factor: Fraction
    powder: bool = False
    portions: bool = False
    """Whether the master formulation record allows a mass above every balance's capacity to
    be weighed in equal portions."""


def powder_inputs(*, strength: Fraction, quantity: int, overage: int, assay: Fraction,
                  pack_stat: Fraction, density_factor: Fraction, settings: Settings) -> Inputs:
    """The inputs of a batch from naltrexone HCl powder of ``assay`` as is [mg HCl per mg].

    The powder is weighed, not counted: a unit of it is the least weighable mass u (the MWQ,
    rounded up to the balance's readability) holding S = assay × u of drug, so p = d·u/S =
    d ÷ assay, the exact portion weighs N·d ÷ assay, and a trituration's first stage weighs a
    whole number of units, each at least the MWQ.

    >>> from compounding.settings import DEFAULT_SETTINGS
    >>> x = powder_inputs(strength=Fraction(9, 2), quantity=30, overage=2,
    ...                   assay=Fraction(992, 1000), pack_stat=Fraction(130),
    ...                   density_factor=Fraction(1), settings=DEFAULT_SETTINGS)
    >>> x.tablet_weight, x.tablet_strength, x.strength * x.tablet_weight / x.tablet_strength
    (Fraction(120, 1), Fraction(2976, 25), Fraction(1125, 248))
    """
    step = settings.balance_readability
    unit = ceil(settings.minimum_weighable_quantity / step) * step
    return Inputs(strength=strength, quantity=quantity, overage=overage,
                  tablet_strength=assay * unit, tablet_weight=unit, pack_stat=pack_stat,
                  density_factor=density_factor, powder=True)


def limits_of(settings: Settings) -> Limits:
    return Limits(settings.minimum_weighable_quantity, settings.balance_capacity,
                  settings.balance_readability)


def build(method: Method, x: Inputs, settings: Settings,
          shared: PerCapsule | None = None) -> Batch | None:
    """The batch by ``method``; ``None`` for a trituration no one or two stages can make.
    ``shared``: p, f, w and the QC range, when already worked out for another method."""
    shared = shared or per_capsule_of(
        strength=x.strength, tablet_weight=x.tablet_weight, tablet_strength=x.tablet_strength,
        pack_stat=x.pack_stat, density_factor=x.density_factor,
        readability=settings.balance_readability)
    if method != "trituration":
        made = compute_batch(strength=x.strength, quantity=x.quantity, overage=x.overage,
                             tablet_strength=x.tablet_strength, tablet_weight=x.tablet_weight,
                             pack_stat=x.pack_stat, density_factor=x.density_factor,
                             method=method, readability=settings.balance_readability,
                             crushing_loss=(Fraction(0) if x.powder
                                            else settings.crushing_loss_percent / 100),
                             per_capsule=shared)
        return replace(made, tablets=0, source="api_powder") if x.powder else made
    required = x.quantity + x.overage
    p, f, w, low, high = shared
    blend, drug = required * w, required * x.strength
    found = plan_trituration(drug_needed=drug, blend=blend, S=x.tablet_strength,
                             W=x.tablet_weight, limits=limits_of(settings))
    if found is None:
        return None
    return Batch(method="trituration", capsules_dispensed=x.quantity,
                 overage_capsules=x.overage, capsules_required=required,
                 tablets=0 if x.powder else found.tablets,
                 capsule_equivalents=Fraction(required),
                 capsules_to_fill=required, naltrexone_total=drug,
                 tablet_powder=found.stages[0].taken, tablet_powder_per_capsule=p,
                 filler_per_capsule=f, filler_total=blend - found.aliquot, fill_weight=w,
                 fill_weight_min=low, fill_weight_max=high, blend_total=blend,
                 trituration=found, source="api_powder" if x.powder else "tablets")


def weighings(batch: Batch) -> list[tuple[str, Fraction, bool]]:
    """What the bench weighs: (what, mass [mg], an addition that may be nothing)."""
    if batch.trituration is None:
        return [(batch.powder_name, batch.tablet_powder, False),
                ("filler", batch.filler_total, False)]
    found: list[tuple[str, Fraction, bool]] = []
    for stage in batch.trituration.stages:
        taken = batch.powder_name if stage.number == 1 else "trituration 1"
        found += [(taken, stage.taken, False),
                  (f"filler for trituration {stage.number}", stage.filler, True)]
    last = len(batch.trituration.stages)
    return [*found, (f"trituration {last}", batch.trituration.aliquot, False),
            ("filler for the batch", batch.filler_total, True)]


def out_of_range(batch: Batch, settings: Settings, portions: bool = False) -> str | None:
    """The first weighing no balance can make, in words; ``None`` when all can (each on the
    most precise balance that holds it, or in equal portions when ``portions`` are allowed,
    :mod:`compounding.formulation.balances`)."""
    mwq, capacity = settings.minimum_weighable_quantity, settings.balance_capacity
    step = settings.balance_readability
    several = len(settings.balances) > 1
    for what, mass, addition in weighings(batch):
        if addition and mass == 0:
            continue
        if weigh(mass, settings.balance_set(), portions=portions) is not None:
            continue
        if mass < mwq:
            least = "every balance's" if several else "the balance's"
            return (f"weigh {weighing(mass, step)} of {what}, below {least} minimum "
                    f"weighable quantity of {weighing(mwq, step)}")
        if mass > capacity:
            most = "every balance's" if several else "the balance's"
            return (f"weigh {weighing(mass, step)} of {what}, above {most} capacity of "
                    f"{weighing(capacity, step)}")
        return (f"weigh {weighing(mass, step)} of {what}, which none of the balances holds "
                f"(each between its minimum weighable quantity and its capacity)")
    return None


def surplus_problem(batch: Batch, settings: Settings) -> str | None:
    surplus = batch.capsules_to_fill - batch.capsules_required
    limit = surplus_limit(batch.capsules_required, settings)
    if surplus <= limit:
        return None
    return (f"fill {count(batch.capsules_to_fill, 'capsule')} for "
            f"{batch.capsules_required} required ({surplus} surplus, the limit is {limit})")


def choose(review: Review, asked: str, x: Inputs, settings: Settings) -> tuple[Batch, str] | None:
    """The batch and ``method_reason``; errors in ``review`` when no method can be weighed."""
    batches: dict[Method, Batch | None] = {}
    shared = per_capsule_of(
        strength=x.strength, tablet_weight=x.tablet_weight, tablet_strength=x.tablet_strength,
        pack_stat=x.pack_stat, density_factor=x.density_factor,
        readability=settings.balance_readability)

    def batch_of(method: Method) -> Batch | None:
        if method not in batches:
            batches[method] = build(method, x, settings, shared)
        return batches[method]

    methods = POWDER_METHODS if x.powder else METHODS
    if asked != "auto":
        if asked not in methods:
            review.error("METHOD_NOT_WEIGHABLE", "method",
                         f"{asked.replace('_', ' ')} crushes tablets, and this batch is made "
                         f"from naltrexone HCl powder, weighed: use exact_portion, "
                         f"trituration or \"auto\"")
            return None
        return _asked(review, asked, batch_of, settings, methods, x.portions)
    said: list[str] = []
    for method in methods:
        batch = batch_of(method)
        if batch is None:
            said.append(f"{NAMES[method]} cannot be made in one or two stages")
            continue
        problem = (out_of_range(batch, settings, x.portions)
                   or surplus_problem(batch, settings))
        if problem is None:
            return batch, _reason(method, batch, settings, said)
        said.append(f"{NAMES[method]} would {problem}")
    _no_method(review, x, settings, said)
    return None


def _reason(method: Method, batch: Batch, settings: Settings, said: list[str]) -> str:
    """Why the automatic choice fell on ``method``."""
    if not said and batch.source == "api_powder":
        return (f"Exact portion: the naltrexone HCl powder is weighed directly, and every "
                f"weighing is within the balance's range "
                f"({weighing(settings.minimum_weighable_quantity, settings.balance_readability)}"
                f" to {weighing(settings.balance_capacity, settings.balance_readability)}).")
    if not said:
        surplus = batch.capsules_to_fill - batch.capsules_required
        return (f"Whole tablets: every weighing is within the balance's range "
                f"({weighing(settings.minimum_weighable_quantity, settings.balance_readability)}"
                f" to {weighing(settings.balance_capacity, settings.balance_readability)}) and "
                f"the batch fills {count(surplus, 'capsule')} beyond those required.")
    name = {"exact_portion": "Exact portion", "trituration": "Trituration"}[method]
    return f"{name}: {'; '.join(said)}."


def _asked(review: Review, asked: str, batch_of: Callable[[Method], Batch | None],
           settings: Settings, methods: tuple[Method, ...] = METHODS,
           portions: bool = False) -> tuple[Batch, str] | None:
    method: Method = asked  # type: ignore[assignment]
    batch = batch_of(method)
    problem = (out_of_range(batch, settings, portions) if batch is not None else
               "need more than two trituration stages")
    if problem is None:
        assert batch is not None
        surplus = surplus_problem(batch, settings)
        if surplus is not None:
            review.finding("BATCH_SURPLUS", "method",
                           f"The batch would {surplus}, with "
                           f"{weighing(batch.filler_total, settings.balance_readability)} of "
                           f"filler. The automatic method avoids it.")
        return batch, f"{asked.replace('_', ' ').capitalize()}: as the order asks."
    weighable = [m for m in methods if m != method and (b := batch_of(m)) is not None
                 and out_of_range(b, settings, portions) is None]
    best = [m for m in weighable if surplus_problem(batch_of(m), settings) is None]  # type: ignore[arg-type]
    works = best[0] if best else weighable[0] if weighable else None
    advice = (f"use {works} (or leave the method to \"auto\")" if works else
              "no method can weigh this batch: make it as an oral liquid, or as smaller batches")
    review.error("METHOD_NOT_WEIGHABLE", "method",
                 f"{asked} would {problem}: {advice}")
    return None


def _no_method(review: Review, x: Inputs, settings: Settings, said: list[str]) -> None:
    """No method works: a batch too large for the balance, or a dose too small to dilute."""
    required = x.quantity + x.overage
    p = powder_per_capsule(x.strength, x.tablet_weight, x.tablet_strength)
    w = p + filler_per_capsule(x.pack_stat, p, x.density_factor)
    largest = max(settings.balance_set(), key=lambda b: b.capacity)
    shares = MAX_PORTIONS if x.portions else 1
    if required * w > largest.capacity * shares:
        most = int(largest.capacity * shares // w)
        step = settings.balance_readability
        how = (f"in at most {MAX_PORTIONS} equal portions" if x.portions else
               "at one weighing (the master formulation record does not allow weighing in "
               "portions)")
        review.error("BATCH_TOO_LARGE", "quantity",
                     f"{required} capsules of {weighing(w, step)} blend need more than the "
                     f"{'largest ' if len(settings.balance_set()) > 1 else ''}balance's "
                     f"capacity of {weighing(largest.capacity, step)} {how} "
                     f"({'; '.join(said)}): the pharmacy's balances make batches of at most "
                     f"{most} capsules")
        return
    review.error("TRITURATION_INFEASIBLE", "strength",
                 f"no method can weigh this dose ({'; '.join(said)}): {LIQUID_ADVICE}")
