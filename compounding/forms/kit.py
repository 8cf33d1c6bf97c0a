"""Planning a capsule titration kit: one capsule batch per strength, in its own shell colour.

A schedule of steps (dose, doses a day, days) is made as capsules of the kit's strengths: each
step takes whole capsules of one strength (one capsule of its dose, or, when the prescriber
allows it, several of a lower strength: "3 mg as 2 × 1.5 mg"). Each strength is a batch of its
own (its plan, record, lot, worksheet and label), of the capsules its steps take:
Σ capsules a dose × doses a day × days, plus the usual overage. Strengths are told apart by
shell colour, from the pharmacy's profile; two strengths in one colour are ``KIT_COLOURS_CLASH``.
The dose rules apply to every step (each batch's sig is its highest step); the days' supply is
the schedule's length; a batch whose beyond-use date comes before its last step ends is
``BUD_SHORTER_THAN_SUPPLY``, naming the day of the schedule. Start low and hold each step for
weeks before raising it (the seed articles: "start with 1 mg in the evening, holding the dose
for at least three weeks prior to titrating").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from compounding.display import count, show
from compounding.errors import ErrorDetail, OrderError
from compounding.forms.capsules import colour_of
from compounding.formulation.batch import hydrochloride_strength
from compounding.orders.kit import KitOrder, KitPlan, KitStep, KitStepPlan
from compounding.orders.models import Plan
from compounding.screening.review import Review
from compounding.screening.sigtext import Unreadable
from compounding.screening.titration_text import read_schedule
from compounding.settings import DEFAULT_SETTINGS, Settings

MAX_CAPSULES_PER_DOSE = 10
"""A step may take at most this many capsules a dose (the sig's own limit)."""


@dataclass(frozen=True, slots=True)
class Assigned:
    """A step made from one strength: its index, dose and strength [mg, as ordered], capsules
    a dose, doses a day, and its first and last day of the schedule."""

    index: int
    dose: Fraction
    strength: Fraction
    capsules: int
    doses_per_day: int
    first_day: int
    last_day: int


def default_strengths(doses: list[Fraction], combine: bool) -> list[Fraction]:
    """The strengths to make [mg]: each distinct dose; with ``combine``, the fewest, from the
    lowest up, whose whole multiples (at most 10 capsules) give every dose.

    >>> [str(s) for s in default_strengths([Fraction(3, 2), Fraction(3), Fraction(9, 2)], True)]
    ['3/2']
    >>> [str(s) for s in default_strengths([Fraction(1), Fraction(3, 2)], True)]
    ['1', '3/2']
    """
    made: list[Fraction] = []
    for dose in sorted(set(doses)):
        if combine and any((dose / s).denominator == 1 and dose / s <= MAX_CAPSULES_PER_DOSE
                           for s in made):
            continue
        made.append(dose)
    return made


def assign(review: Review, order: KitOrder, strengths: list[Fraction]) -> list[Assigned]:
    """Each step with the strength it is made from; ``SCHEDULE_STEP_UNDOSABLE`` naming a step
    that whole capsules of the strengths made cannot give."""
    out, day = [], 1
    made = ", ".join(f"{show(s)} mg" for s in strengths)
    for index, step in enumerate(order.schedule or []):
        dose, last = step.dose, day + step.days - 1
        if step.capsules_per_dose is not None:
            candidates = [dose / step.capsules_per_dose]
        elif dose in strengths or not order.combine:
            candidates = [dose]
        else:
            candidates = sorted((s for s in strengths if (dose / s).denominator == 1
                                 and dose / s <= MAX_CAPSULES_PER_DOSE), reverse=True)
        found = next((s for s in candidates if s in strengths), None)
        if found is None:
            how = ("" if order.combine else "; or allow several capsules of a lower strength "
                                            "a dose (combine)")
            review.error("SCHEDULE_STEP_UNDOSABLE", f"schedule[{index}].dose",
                         f"step {index + 1} ({show(dose)} mg, days {day}–{last}) cannot be "
                         f"given as whole capsules of the strengths made ({made}): add a "
                         f"{show(candidates[0] if candidates else dose)} mg strength{how}")
        else:
            out.append(Assigned(index, dose, found, int(dose / found), step.doses_per_day,
                                day, last))
        day = last + 1
    for index, strength in enumerate(strengths):
        if order.strengths and not any(a.strength == strength for a in out) and not review.errors:
            review.error("INVALID_VALUE", f"strengths[{index}]",
                         f"no step of the schedule takes {show(strength)} mg capsules: leave "
                         f"it out")
    return out


def colours(review: Review, strengths: list[Fraction], order: KitOrder,
            settings: Settings) -> dict[Fraction, str | None]:
    """Each strength's shell colour: the pharmacy's for that strength [mg HCl], else the
    colour the order's shell names; two strengths in one colour are ``KIT_COLOURS_CLASH``."""
    table = dict(settings.kit_colours)
    own = colour_of(order.capsule.shell)
    chosen = {s: table.get(hydrochloride_strength(s, order.strength_basis), own)
              for s in strengths}
    seen: dict[str, Fraction] = {}
    for strength, colour in chosen.items():
        key = (colour or "").casefold()
        if key in seen and len(strengths) > 1:
            said = f"“{colour}”" if colour else "no colour of their own"
            review.error("KIT_COLOURS_CLASH", "capsule.shell",
                         f"the {show(seen[key])} mg and {show(strength)} mg capsules would both "
                         f"have {said}: a patient could not tell them apart. Give each "
                         f"strength its own colour in the pharmacy's kit colours")
        seen.setdefault(key, strength)
    return chosen


def line(step: Assigned, colour: str | None, timing: str | None) -> str:
    """A step as the labels print it.

    >>> line(Assigned(1, Fraction(3), Fraction(3), 1, 1, 15, 28), "blue", "at bedtime")
    'Days 15–28: take 1 blue capsule (3 mg) by mouth at bedtime'
    """
    capsule = count(step.capsules, f"{colour} capsule" if colour else "capsule")
    when = timing if step.doses_per_day == 1 and timing else (
        {1: "once daily", 2: "twice daily", 3: "three times daily"}.get(
            step.doses_per_day, f"{step.doses_per_day} times daily"))
    return (f"Days {step.first_day}–{step.last_day}: take {capsule} ({show(step.dose)} mg) "
            f"by mouth {when}")


def batch_orders(order: KitOrder, settings: Settings | None = None) -> list[dict[str, Any]]:
    """The capsule order of each strength of the kit, as the records keep them (API v1
    JSON), or :class:`OrderError` naming every problem of the kit."""
    return [o for o, _ in _worked(order, settings or DEFAULT_SETTINGS)[0]]


def plan_kit(order: KitOrder | Mapping[str, Any], settings: Settings | None = None, *,
             kept: bool = False) -> KitPlan:
    """The plan of a titration kit, or :class:`OrderError` with every error (each batch's
    prefixed by its strength); ``kept``: a kept kit's order, planned on its own compounding
    date however long ago (a reprint of its documents)."""
    from compounding.forms.capsules import plan_of, work_out

    parsed = order if isinstance(order, KitOrder) else _parse(order)
    settings = settings or DEFAULT_SETTINGS
    batches, steps, review = _worked(parsed, settings)
    plans: list[Plan] = []
    errors: list[ErrorDetail] = []
    for batch, strength in batches:
        try:
            plans.append(plan_of(work_out(batch, settings, kept=kept)))
        except OrderError as exc:
            errors += [ErrorDetail(e.code, e.field, f"{show(strength)} mg capsules: {e.message}")
                       for e in exc.errors]
    if errors:
        raise OrderError(list(dict.fromkeys(errors)))
    start = parsed.start_on or plans[0].compounded_on
    by_strength = dict(zip((s for _, s in batches), plans, strict=True))
    for strength, plan in by_strength.items():
        last = max(a.last_day for a in steps if a.strength == strength)
        if plan.beyond_use_date < start + timedelta(days=last - 1):
            day = (plan.beyond_use_date - start).days + 1
            review.finding("BUD_SHORTER_THAN_SUPPLY", "schedule",
                           f"The {show(strength)} mg capsules' beyond-use date "
                           f"{plan.beyond_use_date.isoformat()} falls on day {day} of the "
                           f"schedule, before their last day ({last}): the patient would take "
                           f"capsules after it. Make that strength later, or shorten the step.")
    colour = {s: p.shell_colour for s, p in by_strength.items()}
    schedule = [KitStepPlan(
        dose=hydrochloride_strength(a.dose, parsed.strength_basis),
        strength=hydrochloride_strength(a.strength, parsed.strength_basis),
        capsules_per_dose=a.capsules, doses_per_day=a.doses_per_day, first_day=a.first_day,
        last_day=a.last_day, first_date=start + timedelta(days=a.first_day - 1),
        last_date=start + timedelta(days=a.last_day - 1), shell_colour=colour[a.strength],
        directions=line(a, colour[a.strength], parsed.timing)) for a in steps]
    top = max(schedule, key=lambda s: s.dose * s.doses_per_day)
    return KitPlan(kit=plans, schedule=schedule, kit_directions=[s.directions for s in schedule],
                   days_supply=steps[-1].last_day, start_on=start,
                   daily_dose=top.dose * top.doses_per_day,
                   findings=sorted(review.findings, key=lambda f: -f.severity.rank))


def _decimal(value: Fraction) -> str:
    """An exact decimal's digits (a strength as ordered is always one): ``1.5``."""
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f")


def _parse(order: Mapping[str, Any]) -> KitOrder:
    from compounding.orders.reading import parse_any

    parsed = parse_any(order)
    if not isinstance(parsed, KitOrder):
        raise OrderError([ErrorDetail("FIELD_REQUIRED", "schedule",
                                      "a titration kit needs its schedule")])
    return parsed


def schedule_of(review: Review, order: KitOrder) -> KitOrder:
    """The order with its schedule: as given, or read from its directions (which must agree
    with a schedule given too: ``DIRECTIONS_MISMATCH``)."""
    if order.directions is None:
        if order.schedule is None:
            review.error("FIELD_REQUIRED", "schedule", "a titration needs its schedule, or "
                                                       "directions that write it out")
        return order
    try:
        read = read_schedule(order.directions)
    except Unreadable as exc:
        if order.schedule is None:
            review.error("INVALID_VALUE", "directions",
                         f"the titration could not be read: {exc}; or give the schedule")
        else:
            review.finding("DIRECTIONS_UNREAD", "directions",
                           f"The directions could not be read as the schedule ({exc}): the "
                           f"labels print the schedule's steps. Check them.")
        return order
    steps = [KitStep(dose=dose, doses_per_day=per_day, days=days)
             for dose, per_day, days in read]
    if order.schedule is None:
        return order.model_copy(update={"schedule": steps})
    given = [(s.dose, s.doses_per_day, s.days) for s in order.schedule]
    if given != list(read):
        review.error("DIRECTIONS_MISMATCH", "directions",
                     f"the directions read as {_said(read)} but the schedule is "
                     f"{_said(given)}: make them agree")
    return order


def _said(steps: Any) -> str:
    return ", then ".join(f"{show(d)} mg × {n} a day for {days} days" for d, n, days in steps)


def _worked(order: KitOrder, settings: Settings
            ) -> tuple[list[tuple[dict[str, Any], Fraction]], list[Assigned], Review]:
    review = Review()
    order = schedule_of(review, order)
    review.raise_errors()
    assert order.schedule is not None
    doses = [s.dose for s in order.schedule]
    strengths = sorted(set(order.strengths)) if order.strengths else default_strengths(
        doses, order.combine)
    if order.strengths and len(set(order.strengths)) != len(order.strengths):
        review.error("INVALID_VALUE", "strengths", "a strength is listed twice")
    steps = assign(review, order, strengths)
    chosen = colours(review, strengths, order, settings)
    review.raise_errors()
    common = order.model_dump(mode="json", exclude_unset=True, exclude={
        "schedule", "strengths", "combine", "start_on", "timing", "form", "directions"})
    batches = []
    for strength in strengths:
        served = [a for a in steps if a.strength == strength]
        colour = chosen[strength]
        quantity = sum(a.capsules * a.doses_per_day * (a.last_day - a.first_day + 1)
                       for a in served)
        per_day = max(a.doses_per_day for a in served)
        shell = order.capsule.shell
        if colour and colour_of(shell) != colour:
            shell = f"{shell.split(',')[0].strip()}, {colour}"
        batch = {**common, "strength": f"{_decimal(strength)} mg",
                 "quantity": quantity,
                 "capsule": {**common.get("capsule", {}), "shell": shell},
                 "sig": {"capsules_per_dose": max(a.capsules for a in served),
                         "doses_per_day": per_day,
                         "timing": order.timing if per_day == 1 else None},
                 "kit_steps": [line(a, colour, order.timing) for a in served]}
        batches.append((batch, strength))
    return batches, steps, review
