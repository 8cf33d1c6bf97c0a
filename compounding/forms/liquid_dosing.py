"""The dosing of an oral liquid order: its steps (a fixed dose, or a titration schedule),
each dose volume v = d ÷ c measurable (0.2-20 mL *(settings)*; ``DOSE_VOLUME`` naming a
concentration that works), the volume to dispense and the days' supply, and the directions
("Take 4.5 mL (4.5 mg) by mouth at bedtime"), checked against a text the order gives
(domain.md §10 and §17)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from compounding.display import show
from compounding.formulation.batch import hydrochloride_strength
from compounding.formulation.liquid import syringe_for
from compounding.orders.liquid import LiquidOrder, LiquidSig
from compounding.screening.review import Review
from compounding.settings import Settings

_TIMES = {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}
_ML_IN_TEXT = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,3})?)\s?(?:mL|ml|milliliters?|millilitres?)"
                         r"\b")


@dataclass(frozen=True, slots=True)
class Step:
    """A dosing step, exact: ``dose`` [mg HCl], its ``volume`` [mL], doses a day, ``days``
    (``None``: a fixed dose whose length the volume sets), the day it starts on and the
    order field that gave it."""

    dose: Fraction
    volume: Fraction
    doses_per_day: int
    days: int | None
    first_day: int
    field: str



def steps_of(review: Review, order: LiquidOrder) -> list[Step]:
    """The dosing steps, each dose in mg HCl: the fixed dose, or the schedule."""
    basis = order.strength_basis
    if order.schedule and order.strength is not None:
        review.error("INVALID_VALUE", "schedule",
                     "give the dose as strength or as a schedule, not both")
        return []
    if order.schedule:
        steps, day = [], 1
        for index, step in enumerate(order.schedule):
            steps.append(Step(hydrochloride_strength(step.dose, basis), Fraction(0),
                              step.doses_per_day, step.days, day,
                              f"schedule[{index}].dose"))
            day += step.days
        return steps
    if order.strength is None:
        review.error("FIELD_REQUIRED", "strength",
                     "the dose in mg (strength), or a titration schedule, is needed")
        return []
    per_day = order.sig.doses_per_day if order.sig else 1
    return [Step(hydrochloride_strength(order.strength, basis), Fraction(0), per_day,
                 order.days_supply, 1, "strength")]


def measurable(review: Review, order: LiquidOrder, steps: list[Step],
                concentration: Fraction, settings: Settings) -> None:
    """Each step's dose volume v = d ÷ c [mL], within the measurable range, set in place;
    ``DOSE_VOLUME`` naming ``concentration`` and one that works otherwise."""
    low, high = settings.dose_volume_min, settings.dose_volume_max
    for index, step in enumerate(steps):
        volume = step.dose / concentration
        steps[index] = Step(step.dose, volume, step.doses_per_day, step.days, step.first_day,
                            step.field)
        if low <= volume <= high:
            continue
        review.error("DOSE_VOLUME", "concentration",
                     f"a dose of {show(step.dose)} mg at {show(concentration)} mg/mL is "
                     f"{show(volume)} mL, {'under' if volume < low else 'over'} the "
                     f"{show(low)}-{show(high)} mL an oral syringe measures well: "
                     f"{_working(order, step.dose, settings)}")


def _working(order: LiquidOrder, dose: Fraction, settings: Settings) -> str:
    """A concentration from the formulary's liquids that makes ``dose`` measurable."""
    low, high = settings.dose_volume_min, settings.dose_volume_max
    made = sorted({Fraction(e.mfr.concentration or 0)
                   for e in settings.formulary_of().entries()
                   if e.mfr.form == "oral_liquid" and e.mfr.source_kind == order.source.kind
                   and e.status in ("approved", "built_in")})
    works = [c for c in made if low <= dose / c <= high
             and syringe_for([dose / c], settings.syringes)]
    if works:
        return (f"use {show(works[0])} mg/mL ({show(dose / works[0])} mL a dose)"
                + (f", or {' or '.join(show(c) + ' mg/mL' for c in works[1:])}"
                   if works[1:] else ""))
    needed_high, needed_low = dose / low, dose / high
    return (f"it needs a concentration from {show(needed_low, 6)} to {show(needed_high, 6)} "
            f"mg/mL, "
            f"and no approved master formulation record makes one (made: "
            f"{', '.join(show(c) + ' mg/mL' for c in made) or 'none'}); a pharmacist adds "
            f"one to the formulary")


def volume_of(review: Review, order: LiquidOrder, steps: list[Step]) -> tuple[Fraction, int]:
    """V to dispense [mL] and the days' supply [days]."""
    if order.schedule:
        needed = sum((s.volume * s.doses_per_day * (s.days or 0) for s in steps), Fraction(0))
        days = sum(s.days or 0 for s in steps)
        if order.days_supply is not None and order.days_supply != days:
            review.error("INVALID_VALUE", "days_supply",
                         f"the schedule lasts {days} days, not {order.days_supply}: leave "
                         f"days_supply out")
        if order.volume is not None and order.volume < needed:
            review.error("INVALID_VALUE", "volume",
                         f"the schedule takes {show(needed)} mL: {show(order.volume)} mL "
                         f"does not last it")
        return (order.volume or needed), days
    step = steps[0]
    daily = step.volume * step.doses_per_day
    if order.volume is not None and order.days_supply is not None:
        review.error("INVALID_VALUE", "days_supply",
                     "give the volume to dispense or the days' supply, not both")
    if order.volume is not None:
        return order.volume, int(order.volume // daily) if daily else 0
    if order.days_supply is not None:
        return daily * order.days_supply, order.days_supply
    review.error("FIELD_REQUIRED", "volume",
                 "the volume to dispense (volume, in mL) or the days' supply is needed")
    return Fraction(0), 0


def directions_of(review: Review, order: LiquidOrder, steps: list[Step],
                concentration: Fraction, sig: LiquidSig) -> str:
    """The directions: the order's text, checked against the dose volumes it names, or the
    text written from the steps ("Take 4.5 mL (4.5 mg) by mouth at bedtime")."""
    written = write(steps, sig.timing if len(steps) == 1 else "at bedtime")
    if order.directions is None:
        return written
    named = [Fraction(n) for n in _ML_IN_TEXT.findall(order.directions)]
    volumes = {s.volume for s in steps}
    if not named:
        review.finding("DIRECTIONS_UNREAD", "directions",
                       f"The directions name no volume in mL; the dose checks and the label use "
                       f"“{written}”. Check them, or leave the text out.")
    elif max(named) > max(volumes) or not set(named) <= volumes:
        review.error("DIRECTIONS_MISMATCH", "directions",
                     f"the directions name {', '.join(show(v) + ' mL' for v in named)} but "
                     f"the dose at {show(concentration)} mg/mL is "
                     f"{', '.join(show(v) + ' mL' for v in sorted(volumes))}: make them agree")
    return order.directions


def write(steps: list[Step], timing: str | None) -> str:
    """The directions of the dosing steps.

    >>> write([Step(Fraction(9, 2), Fraction(9, 2), 1, 30, 1, "strength")], "at bedtime")
    'Take 4.5 mL (4.5 mg) by mouth at bedtime'
    """
    def one(step: Step, when: str | None) -> str:
        how = when or _TIMES.get(step.doses_per_day, f"{step.doses_per_day} times daily")
        return f"take {show(step.volume)} mL ({show(step.dose)} mg) by mouth {how}"

    if len(steps) == 1:
        text = one(steps[0], timing if steps[0].doses_per_day == 1 else None)
        return text[0].upper() + text[1:]
    parts = []
    for step in steps:
        last = step.first_day + (step.days or 1) - 1
        parts.append(f"Days {step.first_day}–{last}: "
                     f"{one(step, 'at bedtime' if step.doses_per_day == 1 else None)}")
    return "; ".join(parts)
