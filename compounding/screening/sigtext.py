"""The reader of directions text (domain.md §10): a small grammar of clauses, not one pattern.

The text is cut into clauses at "then", ";", ",", a sentence's end, "may" and "increase". Each
clause is one of

- a **dose**: an amount and when to take it. The amount is a capsule count ("1", "one",
  "2 capsules"), a range ("1 to 3", "1-2", "1 or 2", "up to 3"; the upper end is what the dose
  rules see) or a mass ("4.5 mg", "500 mcg"), which the capsule strength must divide into a whole
  number of capsules. When to take it is a frequency (once, twice, three or four times daily,
  daily, qd, bid, tid, qid, every N hours) or the times of day named ("in the morning and at
  bedtime" is two doses; "1 hour before bedtime" is one). How long: "for 7 days", "x 2 weeks",
  "for a week";
- an **increase**: "may increase to 2 capsules after 1 week", "increase by 1 capsule each week
  up to 3 capsules" (every week's step is a step of the schedule);
- an **extra** taken if needed: "may take an additional capsule in the morning if needed"
  (counted in the most a day can hold, not in the supply);
- a **limit**: "not to exceed 2 capsules daily", "do not take more than 1 capsule a day" (the
  most a day is at least the limit; it adds no dose).

"As directed" leaves the rest of the schedule unwritten: the reading says so
(:attr:`Reading.open_ended`). Halves are refused: capsules are whole. A clause that names no
amount and no increase (", at bedtime") belongs to the clause before it; one that moves the dose
("take it in the morning instead") adds none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from compounding.display import show

WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
         "seven": 7, "eight": 8, "nine": 9, "ten": 10, "another": 1, "additional": 1}
_N = r"(\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)"
_A = r"(\d{1,2}|an?|one|two|three|four|five|six|seven|eight|nine|ten)"
_CAPS = r"(?:capsules?|caps?)\b"
_RANGE = re.compile(rf"\b{_N}\s*(?:-|to|or)\s*{_N}\s*{_CAPS}")
_UP_TO = re.compile(rf"\bup\s+to\s+{_N}(?:\s*{_CAPS})?")
_SINGLE = re.compile(rf"\b{_A}\s*(?:more\s+|additional\s+|extra\s+)?{_CAPS}|\banother\s+{_CAPS}")
_BARE = re.compile(rf"^(?:and\s+)?{_N}$")
_TAKE = re.compile(rf"\b(?:take|start(?:ing)?(?:\s+with)?|use)\s+{_N}\b"
                   r"(?!\s*(?:hours?|hrs?|days?|weeks?|months?|times?|x\b|-|to\b|or\b|mg|mcg))")
_HALF = re.compile(r"½|\bhalf\b|\b1/2\b|\b\d+\.\d+\s*" + _CAPS)
_MASS = re.compile(r"(\d{1,4}(?:\.\d{1,4})?)\s*(mg|mcg|µg|μg|ug|micrograms?|milligrams?)\b"
                   rf"(?:\s*\(\s*{_N}\s*{_CAPS}\s*\))?")
_TO_MG = {"mg": Fraction(1), "milligram": Fraction(1), "milligrams": Fraction(1)}
_PER = r"(?:a\s+|per\s+|each\s+)?(?:daily|day)\b"
_FREQUENCY: tuple[tuple[re.Pattern[str], int | None], ...] = (
    (re.compile(rf"\b(?:four|4)\s*(?:times|x)\s*{_PER}|\bqid\b"), 4),
    (re.compile(rf"\b(?:three|3)\s*(?:times|x)\s*{_PER}|\btid\b"), 3),
    (re.compile(rf"\b(?:twice|two times|2\s*(?:times|x))\s*{_PER}|\bbid\b"), 2),
    (re.compile(r"\bevery\s+(\d{1,2})\s+hours?\b|\bq\s?(\d{1,2})\s?h\b"), None),
    (re.compile(rf"\b(?:once|one time)\s*{_PER}|\bdaily\b|\bqd\b|\bevery day\b|\ba day\b"), 1),
)
_SLOTS = {
    "morning": re.compile(r"\bmornings?\b|\ba\.?m\.?(?=\s|$|,)|\bon waking\b|\bbreakfast\b"),
    "midday": re.compile(r"\bnoon\b|\bmidday\b|\blunch\b"),
    "afternoon": re.compile(r"\bafternoons?\b"),
    "evening": re.compile(r"\bevenings?\b|\bsupper\b|\bdinner\b|\bp\.?m\.?(?=\s|$|,)"),
    "night": re.compile(r"\bnight(?:ly|s)?\b|\bbed\s*time\b|\bqhs\b|\bhs\b|\bbefore bed\b"),
}
_DURATION = re.compile(rf"(?:\bfor|\bx|×|\bover)\s*(?:the\s+first\s+)?{_A}\s*(day|week|month)s?\b"
                       r"|\bfor\s+the\s+first\s+(day|week|month)\b")
_AFTER = re.compile(rf"\bafter\s+{_A}\s*(day|week|month)s?\b")
_EVERY = re.compile(r"\b(?:each|every|per)\s+(?:(\d{1,2})\s+)?(day|week)s?\b|\b(weekly|daily)\b")
_BY = re.compile(rf"\bby\s+{_A}\s*(?:{_CAPS})?")
_TO = re.compile(rf"\b(?:up\s+)?to\s+(?:a\s+(?:maximum|max)\s+of\s+)?{_N}\b"
                 r"(?!\s*(?:hours?|hrs?|days?|weeks?|months?|times?))")
_INCREASE = re.compile(r"\bincreas|\btitrat|\bgo up\b")
_EXTRA = re.compile(r"\b(?:additional|extra|another|more)\b")
_AS_NEEDED = re.compile(r"\bif needed\b|\bas needed\b|\bprn\b|\bif required\b|\bmay\b")
_LIMIT = re.compile(r"\b(?:do not|don't|never|no more than|not more than|not to exceed|"
                    r"maximum|max|at most)\b")
_INSTEAD = re.compile(r"\binstead\b|\brather than\b")
_AS_DIRECTED = re.compile(r"\bas directed\b|\bas instructed\b|\bas told\b")
_DAYS = {"day": 1, "week": 7, "month": 30}


class Unreadable(ValueError):
    """The directions do not say how many capsules, or how often, plainly enough."""


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a schedule: capsules a dose (``least`` to ``most``), doses a day, the most
    capsules a day (``daily``, extras if needed included; ``regular`` without them) and how
    many ``days`` it lasts (``None``: until the capsules run out)."""

    least: int
    most: int
    doses_per_day: int
    regular: int
    daily: int
    days: int | None


@dataclass(frozen=True, slots=True)
class Reading:
    """What the text says: its steps in order, and whether it leaves the rest "as directed"."""

    steps: tuple[Step, ...]
    open_ended: bool = False

    @property
    def capsules_per_dose(self) -> int:
        return self.steps[0].least

    @property
    def doses_per_day(self) -> int:
        return self.steps[0].doses_per_day

    @property
    def daily_capsules(self) -> int:
        """The highest daily amount any reading allows [capsules a day]."""
        return max(step.daily for step in self.steps)

    @property
    def most_doses_per_day(self) -> int:
        return max(step.doses_per_day for step in self.steps)

    def days_supply(self, capsules: int) -> int:
        """Whole days ``capsules`` last along the schedule, each step at its regular amount.

        >>> read("1 capsule for 7 days then 2 capsules daily").days_supply(30)
        18
        """
        days, left = 0, capsules
        for step in self.steps:
            if step.days is None or left < step.days * step.regular:
                return days + left // step.regular
            days, left = days + step.days, left - step.days * step.regular
        return days + left // self.steps[-1].regular


def _number(word: str) -> int:
    return int(word) if word.isdigit() else WORDS[word]


def _masses(text: str, strength: Fraction | None) -> str:
    """The text with every mass written as the capsules it is (``4.5 mg`` → ``1 capsules``)."""
    def capsules(match: re.Match[str]) -> str:
        amount = Fraction(match[1]) * _TO_MG.get(match[2], Fraction(1, 1000))
        written = f"{match[1]} {match[2]}"
        if strength is None:
            raise Unreadable(f"“{written}” needs the capsule strength to be counted")
        count = amount / strength
        if count.denominator != 1 or count == 0:
            raise Unreadable(f"“{written}” is not a whole number of {show(strength)} mg capsules")
        if match[3] is not None and _number(match[3]) != count:
            raise Unreadable(f"“{match[0].strip()}”: {written} is {count} capsules of "
                             f"{show(strength)} mg, not {match[3]}")
        return f"{count} capsules"
    return _MASS.sub(capsules, text)


def _clauses(text: str) -> list[str]:
    cut = re.split(r"\bthen\b|;|,|\.(?=\s|$)|(?=\bmay\b)|(?=\b(?:and\s+)?increas)", text)
    clauses: list[str] = []
    for part in (p.strip() for p in cut):
        if not part or (_INSTEAD.search(part) and not _amounts(part)):
            continue  # "take it in the morning instead" moves the dose, it adds none
        if clauses and not (_amounts(part) or _INCREASE.search(part) or _EXTRA.search(part)):
            clauses[-1] += f" {part}"  # ", at bedtime" belongs to the dose before it
        else:
            clauses.append(part)
    return clauses


def _amounts(clause: str) -> list[tuple[int, int]]:
    """Each amount the clause names, as (least, most) capsules, in order."""
    found: list[tuple[int, tuple[int, int]]] = []
    taken: list[tuple[int, int]] = []
    for pattern in (_RANGE, _UP_TO, _SINGLE, _TAKE, _BARE):
        for match in pattern.finditer(clause):
            if any(a < match.end() and match.start() < b for a, b in taken):
                continue
            taken.append(match.span())
            groups = [g for g in match.groups() if g is not None]
            if pattern is _RANGE:
                low, high = _number(groups[0]), _number(groups[1])
                found.append((match.start(), (min(low, high), max(low, high))))
            elif pattern is _UP_TO:
                found.append((match.start(), (1, _number(groups[0]))))
            else:
                count = _number(groups[0]) if groups else 1
                found.append((match.start(), (count, count)))
    return [amount for _, amount in sorted(found)]


def _per_day(clause: str) -> int | None:
    """Doses a day the clause says: a frequency, else the times of day it names."""
    for pattern, per_day in _FREQUENCY:
        match = pattern.search(clause)
        if match is None:
            continue
        if per_day is not None:
            return per_day
        hours = int(match.group(1) or match.group(2))
        if hours == 0 or 24 % hours:
            raise Unreadable(f"every {hours} hours is not a whole number of doses a day")
        return 24 // hours
    slots = [name for name, pattern in _SLOTS.items() if pattern.search(clause)]
    return len(slots) or None


def _days(match: re.Match[str] | None) -> int | None:
    if match is None:
        return None
    groups = [g for g in match.groups() if g is not None]
    count = 1 if len(groups) == 1 else _number(groups[0])
    return count * _DAYS[groups[-1]]


def read(text: str, strength: Fraction | None = None) -> Reading:
    """The schedule the directions say (:class:`Unreadable` when they do not say it plainly);
    ``strength`` [mg a capsule] counts amounts written as masses.

    >>> read("Take 2 capsules by mouth twice daily").daily_capsules
    4
    >>> reading = read("Take 1 to 3 capsules at bedtime")
    >>> reading.capsules_per_dose, reading.daily_capsules
    (1, 3)
    >>> read("Take 1 capsule in the morning and 1 capsule at bedtime").doses_per_day
    2
    >>> read("Take 4.5 mg at bedtime", Fraction(9, 2)).daily_capsules
    1
    """
    lowered = re.sub(r"[–—]", "-", text.casefold())
    if _HALF.search(lowered):
        raise Unreadable("a part of a capsule cannot be taken: capsules are whole")
    lowered = _masses(lowered, strength)
    steps: list[Step] = []
    open_ended = bool(_AS_DIRECTED.search(lowered))
    for clause in _clauses(lowered):
        amounts, per_day = _amounts(clause), _per_day(clause)
        if _LIMIT.search(clause) and steps:
            kind = "limit"
        elif _INCREASE.search(clause):
            kind = "increase"
        elif _EXTRA.search(clause) and _AS_NEEDED.search(clause) and steps:
            kind = "extra"
        elif amounts or per_day is not None:
            kind = "dose"
        else:
            continue
        steps = _apply(steps, clause, kind, amounts, per_day)
    if not steps:
        raise Unreadable("the directions do not say how many capsules to take, or how often")
    if all(step.doses_per_day == 0 for step in steps):
        if not any(step.days for step in steps):
            raise Unreadable("the directions do not say how often to take the capsules")
        # "1 capsule for 7 days then 2": steps counted in days are daily amounts
        steps = [Step(s.least, s.most, 1, s.most, s.most + s.daily - s.regular, s.days)
                 for s in steps]
    return Reading(tuple(_fill_frequency(steps)), open_ended)


def _fill_frequency(steps: list[Step]) -> list[Step]:
    """Steps whose clause named no frequency take the one before (the first, the first one
    named)."""
    first = next((s.doses_per_day for s in steps if s.doses_per_day), 0)
    filled: list[Step] = []
    for step in steps:
        doses = step.doses_per_day or (filled[-1].doses_per_day if filled else first)
        if step.doses_per_day:
            filled.append(step)
            continue
        regular = step.most * doses
        filled.append(Step(step.least, step.most, doses, regular,
                           regular + step.daily - step.regular, step.days))
    return filled


def _apply(steps: list[Step], clause: str, kind: str, amounts: list[tuple[int, int]],
           per_day: int | None) -> list[Step]:
    if kind == "extra":
        if not steps:
            raise Unreadable("an additional dose is named before any dose")
        count = max((most for _, most in amounts), default=1)
        last = steps[-1]
        return [*steps[:-1], Step(last.least, last.most, last.doses_per_day + (per_day or 1),
                                  last.regular, last.daily + count * (per_day or 1), last.days)]
    if kind == "increase":
        return _increase(steps, clause, amounts, per_day)
    if kind == "limit":  # "not to exceed 2 capsules daily": the most a day is at least that
        last = steps[-1]
        top = max((high for _, high in amounts), default=0) * (per_day or 1)
        return [*steps[:-1], Step(last.least, last.most, last.doses_per_day, last.regular,
                                  max(last.daily, top), last.days)]
    least = min((low for low, _ in amounts), default=1)
    most = max((high for _, high in amounts), default=1)
    doses = per_day or 0
    if len(amounts) > 1 and doses and len(amounts) == doses:
        regular = sum(high for _, high in amounts)  # "1 in the morning and 2 at bedtime"
    else:
        regular = most * doses
    return [*steps, Step(least, most, doses, regular, regular, _days(_DURATION.search(clause)))]


def _increase(steps: list[Step], clause: str, amounts: list[tuple[int, int]],
              per_day: int | None) -> list[Step]:
    if not steps:
        raise Unreadable("an increase is named before any dose")
    target = _TO.search(clause)
    if target is None:
        raise Unreadable("the directions increase the dose without saying to how many "
                         "capsules")
    top = _number(target.group(1))
    last = steps[-1]
    doses = per_day or last.doses_per_day
    every = _EVERY.search(clause)
    after = _days(_AFTER.search(clause))
    period = after or (7 if every is None or (every.group(2) or every.group(3)) in (
        "week", "weekly") else int(every.group(1) or 1))
    steps = [*steps[:-1], Step(last.least, last.most, last.doses_per_day, last.regular,
                               last.daily, last.days or period)]
    by = _BY.search(clause)
    step_size = _number(by.group(1)) if by else top - last.most
    count = last.most
    while count < top:
        count = min(top, count + max(1, step_size))
        regular = count * (doses or 1)
        steps.append(Step(count, count, doses, regular, regular,
                          period if count < top else None))
    return steps
