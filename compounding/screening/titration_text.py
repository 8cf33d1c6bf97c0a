"""A titration written as text, read as the steps of a schedule ("1.5 mg nightly for 14 days,
then 3 mg for 14 days, then 4.5 mg for 30 days").

The directions reader (:mod:`.sigtext`) counts capsules of one strength; a titration names its
doses in mg, so the text is read in units of the largest mass that divides every dose it names
(1.5 mg for 1.5, 3 and 4.5 mg), and each step's count of units is its dose. Every step needs its
days; a step "as directed", or one without a dose in mg, is not a schedule the kit can make.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

from compounding.screening.sigtext import Unreadable, read

_MASS = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{1,4})?)\s?(mg|mcg|µg|μg)\b", re.IGNORECASE)
_PER_MG = {"mg": Fraction(1), "mcg": Fraction(1, 1000), "µg": Fraction(1, 1000),
           "μg": Fraction(1, 1000)}


def _unit(masses: list[Fraction]) -> Fraction:
    """The largest mass that divides every one of ``masses`` [mg].

    >>> _unit([Fraction(3, 2), Fraction(3), Fraction(9, 2)])
    Fraction(3, 2)
    """
    denominator = math.lcm(*(m.denominator for m in masses))
    numerator = math.gcd(*(int(m * denominator) for m in masses))
    return Fraction(numerator, denominator)


def read_schedule(text: str) -> list[tuple[Fraction, int, int]]:
    """The steps of a titration written in ``text``: (dose [mg], doses a day, days) each;
    :class:`Unreadable` saying what is missing.

    >>> [(str(d), n, days) for d, n, days in read_schedule(
    ...     "1.5 mg nightly for 14 days, then 3 mg nightly for 14 days, then 4.5 mg for 30 days")]
    [('3/2', 1, 14), ('3', 1, 14), ('9/2', 1, 30)]
    """
    masses = [Fraction(n) * _PER_MG[u.casefold()] for n, u in _MASS.findall(text)]
    if not masses:
        raise Unreadable("a titration names each step's dose in mg")
    unit = _unit(masses)
    reading = read(text, unit)
    if reading.open_ended:
        raise Unreadable("a step is left “as directed”: write every step's dose and days")
    steps = []
    for number, step in enumerate(reading.steps, 1):
        if step.least != step.most:
            raise Unreadable(f"step {number} gives a range of doses: write one dose a step")
        if step.days is None:
            raise Unreadable(f"step {number} does not say for how many days: write “for N "
                             f"days” after every step")
        steps.append((step.least * unit, step.doses_per_day, step.days))
    return steps
