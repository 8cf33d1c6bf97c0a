"""Directions (domain.md §10): the sig read from the directions text (:mod:`.sigtext`), and the
text written from the sig.

A sig is capsules per dose, doses per day and a timing. The dose rules see the highest daily
amount any reading of the text allows (the top of a range, the last step of a titration, an
extra dose taken if needed); the days' supply follows the schedule step by step.
"""

from __future__ import annotations

from dataclasses import dataclass

from compounding.orders.models import Order, Sig
from compounding.screening.review import Review
from compounding.screening.sigtext import Reading, Unreadable, read

_TIMES = {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}


def write(capsules_per_dose: int, doses_per_day: int, timing: str | None) -> str:
    """The directions a sig reads as.

    >>> write(1, 1, "at bedtime"), write(2, 2, None)
    ('Take 1 capsule by mouth at bedtime', 'Take 2 capsules by mouth twice daily')
    """
    capsules = "1 capsule" if capsules_per_dose == 1 else f"{capsules_per_dose} capsules"
    when = timing or _TIMES.get(doses_per_day, f"{doses_per_day} times daily")
    if timing and doses_per_day > 1:
        when = f"{_TIMES.get(doses_per_day, f'{doses_per_day} times daily')}, {timing}"
    return f"Take {capsules} by mouth {when}"


@dataclass(frozen=True, slots=True)
class Directions:
    """The order's directions, resolved: the sig, its text, the highest daily amount
    [capsules], the most doses in a day, the order field that set the daily amount (for the
    dose rules' findings), and the schedule read from the text (``None`` when there is none)."""

    sig: Sig
    text: str
    daily_capsules: int
    field: str
    doses_per_day: int
    reading: Reading | None = None

    def days_supply(self, capsules: int) -> int:
        """Whole days ``capsules`` last: along the schedule read from the text, else at the
        sig's daily amount (domain.md §10)."""
        if self.reading is not None:
            return self.reading.days_supply(capsules)
        return capsules // (self.sig.capsules_per_dose * self.sig.doses_per_day)


def _agrees(sig: Sig, reading: Reading) -> bool:
    """A sig agrees with the text's first step when its capsules lie in the step's range and
    its doses a day are the step's ("1-2 capsules at bedtime" and a sig of 2 × 1 agree)."""
    first = reading.steps[0]
    return (first.least <= sig.capsules_per_dose <= first.most
            and sig.doses_per_day == first.doses_per_day)


def resolve(review: Review, order: Order) -> Directions:
    """The sig from ``sig`` (or the top-level ``doses_per_day``, its alias), or else from the
    directions text; the text from the order, or else written from the sig. A text and a sig
    that disagree are ``DIRECTIONS_MISMATCH``; a text that says nothing plain, or leaves the
    rest "as directed", is the warning ``DIRECTIONS_UNREAD``. Amounts in the text written as
    masses are counted with the strength as ordered."""
    given = order.sig
    if given is None and "doses_per_day" in order.model_fields_set:
        given = Sig(doses_per_day=order.doses_per_day,
                    timing="at bedtime" if order.doses_per_day == 1 else None)
    if given is not None and given.doses_per_day > 1 and "timing" not in given.model_fields_set:
        given = given.model_copy(update={"timing": None})  # "at bedtime" is once a day's
    field = "sig" if order.sig is not None else "doses_per_day"
    if order.directions is None:
        sig = given or Sig()
        return Directions(sig, write(sig.capsules_per_dose, sig.doses_per_day, sig.timing),
                          sig.capsules_per_dose * sig.doses_per_day, field, sig.doses_per_day)
    try:
        reading = read(order.directions, order.strength)
    except Unreadable as exc:
        sig = given or Sig()
        review.finding("DIRECTIONS_UNREAD", "directions",
                       f"The directions could not be read ({exc}); the dose checks assume "
                       f"{write(sig.capsules_per_dose, sig.doses_per_day, None).lower()}. "
                       f"Check them, or give the sig.")
        return Directions(sig, order.directions, sig.capsules_per_dose * sig.doses_per_day,
                          field, sig.doses_per_day)
    if reading.open_ended:
        review.finding("DIRECTIONS_UNREAD", "directions",
                       "The directions leave the dose to be taken “as directed”: the dose checks "
                       "see only what is written. Ask the prescriber for the whole schedule.")
    if given is not None and not _agrees(given, reading):
        first = reading.steps[0]
        said = (f"{first.least}-{first.most}" if first.least != first.most else
                str(first.least))
        review.error("DIRECTIONS_MISMATCH", "directions",
                     f"the directions say {said} × {first.doses_per_day} a day but the sig "
                     f"says {given.capsules_per_dose} × {given.doses_per_day}: make them agree")
    sig = given or Sig(capsules_per_dose=reading.capsules_per_dose,
                       doses_per_day=reading.doses_per_day, timing=None)
    return Directions(sig, order.directions,
                      max(reading.daily_capsules, sig.capsules_per_dose * sig.doses_per_day),
                      "directions", max(reading.most_doses_per_day, sig.doses_per_day), reading)
