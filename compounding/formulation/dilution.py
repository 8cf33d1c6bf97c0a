"""Geometric dilution: how much filler to add at each step (domain.md §6).

Start with the drug powder, add an equal amount of filler and mix; then add as much filler as
there is mixture, doubling each step, until the filler is used up (the last step adds the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class DilutionStep:
    """Step ``number``: add ``filler`` [mg] to reach ``mixture`` [mg] in all."""

    number: int
    filler: Fraction
    mixture: Fraction


def geometric_dilution(powder: Fraction, filler: Fraction,
                       smallest: Fraction = Fraction(0)) -> list[DilutionStep]:
    """The steps that dilute ``powder`` [mg] with ``filler`` [mg]. A last addition below
    ``smallest`` [mg] (the balance's MWQ) cannot be weighed on its own: it joins the one before.

    >>> [(s.filler, s.mixture) for s in geometric_dilution(Fraction(750), Fraction(2000))]
    [(Fraction(750, 1), Fraction(1500, 1)), (Fraction(1250, 1), Fraction(2750, 1))]

    22.5 mg of powder and 3583 mg of filler double to 2880 mg after 7 steps; the 8th would add
    the 725.5 mg left, more than the MWQ (120 mg). With 3 g of powder and 3067 mg of filler the
    second step would add 67 mg: it joins the first, which adds 3067 mg.

    >>> [s.filler for s in geometric_dilution(Fraction(3000), Fraction(3067), Fraction(120))]
    [Fraction(3067, 1)]
    """
    if powder <= 0:
        raise ValueError("the drug powder must be more than zero")
    steps: list[DilutionStep] = []
    mixture, left = powder, filler
    while left > 0:
        add = min(mixture, left)
        left -= add
        mixture += add
        if left == 0 and add < smallest and steps:
            last = steps.pop()
            add += last.filler
        steps.append(DilutionStep(len(steps) + 1, add, mixture))
    return steps
