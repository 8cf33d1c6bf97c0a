"""Directions (domain.md §10): the sig read from the directions text, and the text written from
the sig.

A sig is capsules per dose, doses per day and a timing. The text is read, in any case, for the
capsule count ("1", "one", "2 capsules"; halves are not taken) and the frequency (once, twice,
three or four times daily, daily, nightly, at bedtime, every morning, qd, qhs, bid, tid, qid,
every N hours). A titration ("1 capsule for a week, then 2 capsules") is read step by step; the
dose rules take the highest daily amount.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import Order, Sig
from .review import Review

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "a": 1, "an": 1}
_COUNT = re.compile(r"\b(\d{1,2}|one|two|three|four|five|six)\s*(?:capsules?|caps?)\b"
                    r"|\btake\s+(\d{1,2}|one|two|three|four|five|six|an?)\b")
_HALF = re.compile(r"½|\bhalf\b|\b1/2\b|\b\d+\.\d+\s*(?:capsules?|caps?)\b")
_PER = r"(?:a\s+|per\s+|each\s+)?(?:daily|day)\b"
_FREQUENCY: tuple[tuple[re.Pattern[str], int | None], ...] = (
    (re.compile(rf"\b(?:four|4)\s*(?:times|x)\s*{_PER}|\bqid\b"), 4),
    (re.compile(rf"\b(?:three|3)\s*(?:times|x)\s*{_PER}|\btid\b"), 3),
    (re.compile(r"\b(?:twice|two times|2\s*(?:times|x))\s*(?:a\s+|per\s+|each\s+)?(?:daily|day)\b"
                r"|\bbid\b"), 2),
    (re.compile(r"\bevery\s+(\d{1,2})\s+hours?\b|\bq\s?(\d{1,2})\s?h\b"), None),
    (re.compile(r"\b(?:once|one time)\s*(?:a\s+|per\s+|each\s+)?(?:daily|day)\b|\bdaily\b"
                r"|\bnightly\b|\bat bedtime\b|\bqhs\b|\bqd\b|\bevery (?:day|night|morning|evening)"
                r"\b|\beach (?:day|night|morning|evening)\b|\bin the (?:morning|evening)\b"), 1),
)


@dataclass(frozen=True, slots=True)
class Reading:
    """What the text says: the sig of its first step, and the highest daily amount of all."""

    capsules_per_dose: int
    doses_per_day: int
    daily_capsules: int
    steps: int


class Unreadable(ValueError):
    """The directions do not say how many capsules, or how often, plainly enough."""


def read(text: str) -> Reading:
    """The sig the directions say (:class:`Unreadable` when they do not say it plainly).

    >>> read("Take 2 capsules by mouth twice daily")
    Reading(capsules_per_dose=2, doses_per_day=2, daily_capsules=4, steps=1)
    >>> read("Take one capsule at bedtime for a week, then 2 capsules at bedtime").daily_capsules
    2
    """
    lowered = text.casefold()
    if _HALF.search(lowered):
        raise Unreadable("a part of a capsule cannot be taken: capsules are whole")
    readings, frequency = [], None
    for step in re.split(r"\bthen\b|;", lowered):
        count = _count(step)
        found = _frequency(step)
        frequency = found if found is not None else frequency
        if count is not None or found is not None:
            readings.append((count or 1, frequency))
    if not readings or all(f is None for _, f in readings):
        raise Unreadable("the directions do not say how often to take the capsules")
    first_frequency = next(f for _, f in readings if f is not None)
    steps = [(c, f if f is not None else first_frequency) for c, f in readings]
    return Reading(capsules_per_dose=steps[0][0], doses_per_day=steps[0][1],
                   daily_capsules=max(c * f for c, f in steps), steps=len(steps))


def _count(step: str) -> int | None:
    match = _COUNT.search(step)
    if match is None:
        return None
    word = match.group(1) or match.group(2)
    return int(word) if word.isdigit() else _NUMBERS[word]


def _frequency(step: str) -> int | None:
    for pattern, per_day in _FREQUENCY:
        match = pattern.search(step)
        if match is None:
            continue
        if per_day is not None:
            return per_day
        hours = int(match.group(1) or match.group(2))
        if hours == 0 or 24 % hours:
            raise Unreadable(f"every {hours} hours is not a whole number of doses a day")
        return 24 // hours
    return None


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
    [capsules], and the order field that set the daily amount (for the dose rules' findings)."""

    sig: Sig
    text: str
    daily_capsules: int
    field: str


def resolve(review: Review, order: Order) -> Directions:
    """The sig from ``sig`` (or the top-level ``doses_per_day``, its alias), or else from the
    directions text; the text from the order, or else written from the sig. A text and a sig
    that disagree are ``DIRECTIONS_MISMATCH``; a text that says nothing plain leaves the sig
    as given, with the warning ``DIRECTIONS_UNREAD``."""
    given = order.sig
    if given is None and "doses_per_day" in order.model_fields_set:
        given = Sig(doses_per_day=order.doses_per_day,
                    timing="at bedtime" if order.doses_per_day == 1 else None)
    field = "sig" if order.sig is not None else "doses_per_day"
    if order.directions is None:
        sig = given or Sig()
        return Directions(sig, write(sig.capsules_per_dose, sig.doses_per_day, sig.timing),
                          sig.capsules_per_dose * sig.doses_per_day, field)
    try:
        reading = read(order.directions)
    except Unreadable as exc:
        sig = given or Sig()
        review.finding("DIRECTIONS_UNREAD", "directions",
                       f"The directions could not be read ({exc}); the dose checks assume "
                       f"{write(sig.capsules_per_dose, sig.doses_per_day, None).lower()}. "
                       f"Check them, or give the sig.")
        return Directions(sig, order.directions, sig.capsules_per_dose * sig.doses_per_day,
                          field)
    if given is not None and (given.capsules_per_dose, given.doses_per_day) != (
            reading.capsules_per_dose, reading.doses_per_day):
        review.error("DIRECTIONS_MISMATCH", "directions",
                     f"the directions say {reading.capsules_per_dose} × {reading.doses_per_day} "
                     f"a day but the sig says {given.capsules_per_dose} × "
                     f"{given.doses_per_day}: make them agree")
    sig = given or Sig(capsules_per_dose=reading.capsules_per_dose,
                       doses_per_day=reading.doses_per_day, timing=None)
    return Directions(sig, order.directions, max(reading.daily_capsules,
                                                 sig.capsules_per_dose * sig.doses_per_day),
                      "directions")
