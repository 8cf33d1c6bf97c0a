"""Trituration: a weighable pre-dilution of the tablet powder, for doses whose direct weighing is
below the balance's minimum weighable quantity (domain.md §9).

Stage 1 crushes T₁ whole tablets, weighs all their powder P₁ = T₁·W (drug D₁ = T₁·S) and adds
filler to a total M₁: c₁ = D₁/M₁ [mg of naltrexone HCl per g]. Stage 2, only when stage 1 alone
cannot satisfy the invariants, weighs A₁ of stage 1 and adds filler to M₂: c₂ = A₁·c₁/M₂. The
batch weighs the aliquot A = N·d/c of the last stage and adds filler to N·w, p, f and w being
those of §3. Every weighing lies between the MWQ and the balance's capacity (a zero addition is
no weighing); an aliquot takes at most 90 % of the trituration it comes from; each concentration
is a value of the 1-2-5 series [mg/g]; a stage's total keeps 10 % of the capacity for the tare.
Among feasible choices: those whose every stage dilutes at most 1:100 first, then the fewest
stages, then the fewest tablets, then the highest concentrations. All masses exact [mg].

The domain's 0.5 mg × 30 (+2) capsules, S = 50 mg, W = 250 mg, w = 130 mg, MWQ 120 mg: at
200 mg/g (the powder itself) the aliquot would be 32 × 0.5 / 200 g = 80 mg, below the MWQ; at
100 mg/g, 250 mg of powder + 250 mg of filler = 500 mg, and the aliquot 160 mg.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from fractions import Fraction

from compounding.formulation.exact import ceil

MG_PER_G = 1000
ALIQUOT_SHARE = Fraction(9, 10)
"""An aliquot takes at most 90 % of the trituration it comes from (domain.md §9)."""
TARE_SHARE = Fraction(9, 10)
"""A stage's total takes at most 90 % of the balance's capacity: the mortar or container's tare
needs the rest (domain.md §9; issue of the release gate)."""
GENTLE_RATIO = 100
"""A stage that dilutes at most 1:100 (total ÷ what it starts from) mixes uniformly by geometric
dilution; plans whose every stage does are preferred to those with a harsher stage."""
MAX_TABLETS = 20
"""Stage 1 tries at most this many tablet counts above the fewest that could hold the drug."""


SERIES: tuple[Fraction, ...] = tuple(sorted(
    k * Fraction(10) ** exponent for exponent in range(-6, 7) for k in (1, 2, 5)))
"""The 1-2-5 series [mg/g], 0.000001 to 5 000 000, ascending."""


def series(highest: Fraction, lowest: Fraction = SERIES[0]) -> list[Fraction]:
    """The values of the 1-2-5 series [mg/g] from ``highest`` down to ``lowest``, highest
    first (found by bisection: the search asks for narrow windows often).

    >>> [str(c) for c in series(Fraction(200), Fraction(1, 10))][:5]
    ['200', '100', '50', '20', '10']
    """
    top = _index(highest, right=True)
    bottom = _index(lowest, right=False)
    return list(reversed(SERIES[bottom:top]))


_FLOATS = tuple(float(c) for c in SERIES)


def _index(value: Fraction, *, right: bool) -> int:
    """``bisect_right`` (or ``bisect_left``) of SERIES, found on floats and settled exactly."""
    index = (bisect_right if right else bisect_left)(_FLOATS, float(value))
    index = max(0, min(len(SERIES), index))
    if right:
        while index > 0 and SERIES[index - 1] > value:
            index -= 1
        while index < len(SERIES) and SERIES[index] <= value:
            index += 1
    else:
        while index > 0 and SERIES[index - 1] >= value:
            index -= 1
        while index < len(SERIES) and SERIES[index] < value:
            index += 1
    return index


@dataclass(frozen=True, slots=True)
class Stage:
    """One trituration: ``taken`` [mg] of tablet powder (stage 1) or of the stage before, which
    holds ``drug`` [mg]; ``filler`` [mg] added to a ``total`` [mg]; ``concentration`` [mg/g]."""

    number: int
    taken: Fraction
    drug: Fraction
    filler: Fraction
    total: Fraction
    concentration: Fraction


@dataclass(frozen=True, slots=True)
class Trituration:
    """Stage 1 from ``tablets`` whole tablets, perhaps stage 2, and the batch's ``aliquot`` [mg]
    of the last stage."""

    tablets: int
    stages: tuple[Stage, ...]
    aliquot: Fraction

    @property
    def concentration(self) -> Fraction:
        return self.stages[-1].concentration


@dataclass(frozen=True, slots=True)
class Limits:
    """The balance: ``mwq`` and ``capacity`` [mg], ``step`` its readability [mg]."""

    mwq: Fraction
    capacity: Fraction
    step: Fraction

    def weighable(self, mass: Fraction, *, addition: bool = False) -> bool:
        """Within MWQ-capacity; an ``addition`` of nothing is no weighing."""
        return (addition and mass == 0) or self.mwq <= mass <= self.capacity


class _Search:
    """The search of domain.md §9, exact: every mass a fraction, every test a comparison."""

    def __init__(self, drug: Fraction, blend: Fraction, S: Fraction, W: Fraction,
                 limits: Limits, ratio: Fraction | None = None) -> None:
        self.ratio = ratio  # the harshest dilution a stage may make (None: any)
        self.drug, self.blend = drug, blend
        self.S, self.W = S, W
        self.mwq, self.step = limits.mwq, limits.step
        self.capacity = limits.capacity * TARE_SHARE  # for a stage's total, tare included
        self.most = min(blend, self.capacity)
        self.weighable = limits.weighable
        self.drug_g = drug * MG_PER_G
        # the concentrations [mg/g] whose batch aliquot N·d / c lies within MWQ and the blend
        self.c_high, self.c_low = self.drug_g / self.mwq, self.drug_g / self.most

    def stage_one(self, tablets: int, c: Fraction) -> Stage:
        drug, powder = tablets * self.S, tablets * self.W
        total = drug * MG_PER_G / c
        return Stage(1, powder, drug, total - powder, total, c)

    def gentle(self, stage: Stage) -> bool:
        return self.ratio is None or stage.total <= self.ratio * stage.taken

    def stage_fits(self, stage: Stage) -> bool:
        return (self.weighable(stage.taken) and stage.filler >= 0
                and self.weighable(stage.filler, addition=True)
                and stage.total <= self.capacity and self.gentle(stage))

    def aliquot_fits(self, aliquot: Fraction) -> bool:
        """The batch's own tests of an aliquot, whatever stage it comes from."""
        return (self.weighable(aliquot) and aliquot <= self.blend
                and self.weighable(self.blend - aliquot, addition=True))

    def one_stage(self, fewest: int) -> Trituration | None:
        """The best single stage: the fewest tablets, then the highest concentration."""
        highest = min(self.S * MG_PER_G / self.W, self.c_high)
        per_tablet = self.S * MG_PER_G / self.capacity  # M₁ within the balance's capacity
        for tablets in range(fewest, fewest + MAX_TABLETS):
            lowest = max(self.c_low, tablets * per_tablet)
            if tablets * self.W > self.capacity or lowest > highest:
                return None  # more tablets only raise the lowest concentration
            for c1 in series(highest, lowest):
                found = self.single(tablets, c1)
                if found is not None:
                    return found
        return None

    def single(self, tablets: int, c1: Fraction) -> Trituration | None:
        aliquot = self.drug_g / c1
        if not self.aliquot_fits(aliquot):
            return None
        first = self.stage_one(tablets, c1)
        if self.stage_fits(first) and aliquot <= ALIQUOT_SHARE * first.total:
            return Trituration(tablets, (first,), aliquot)
        return None

    def two_stages(self, fewest: int) -> Trituration | None:
        """The best two stages: the fewest tablets, then the highest concentrations. Whether
        the batch can take an aliquot depends on c₂ alone: worked out once for each c₂."""
        window = series(self.c_high, self.c_low)
        fits: dict[Fraction, Fraction | None] = {}
        if not any(self.fitting(c2, fits) is not None for c2 in window):
            return None
        for tablets in range(fewest, fewest + MAX_TABLETS):
            if tablets * self.W > self.capacity:
                return None
            for c1 in series(self.S * MG_PER_G / self.W, 2 * window[-1]):
                found = self.second(tablets, c1, window, fits)
                if found is not None:
                    return found
        return None

    def fitting(self, c2: Fraction, fits: dict[Fraction, Fraction | None]) -> Fraction | None:
        """The batch's aliquot [mg] of a trituration at ``c2``, if the batch can take it."""
        if c2 not in fits:
            aliquot = self.drug_g / c2
            fits[c2] = aliquot if self.aliquot_fits(aliquot) else None
        return fits[c2]

    def second(self, tablets: int, c1: Fraction, window: list[Fraction],
               fits: dict[Fraction, Fraction | None]) -> Trituration | None:
        """The best stage 2 after stage 1 at ``c1``: the highest c₂, then the least taken."""
        first = self.stage_one(tablets, c1)
        if not self.stage_fits(first):
            return None
        half = c1 / 2
        for c2 in window:
            if c2 > half or (aliquot := self.fitting(c2, fits)) is None:
                continue
            ratio = c1 / c2
            least = max(self.mwq, aliquot / (ALIQUOT_SHARE * ratio), self.mwq / (ratio - 1))
            taken = ceil(least / self.step) * self.step
            total = taken * ratio
            if (taken > ALIQUOT_SHARE * first.total or total > self.capacity
                    or (self.ratio is not None and ratio > self.ratio)):
                continue
            # by the choice of taken: taken ≥ MWQ, its filler taken × (ratio − 1) ≥ MWQ, the
            # aliquot ≤ 90 % of the total; taken ≤ 90 % of M₁ and total ≤ capacity just tested
            second = Stage(2, taken, taken * c1 / MG_PER_G, total - taken, total, c2)
            return Trituration(tablets, (first, second), aliquot)
        return None


def plan_trituration(*, drug_needed: Fraction, blend: Fraction, S: Fraction, W: Fraction,
                     limits: Limits) -> Trituration | None:
    """The trituration for a batch holding ``drug_needed`` = N·d [mg] in ``blend`` = N·w [mg],
    from tablets of S [mg] weighing W [mg]; ``None`` when no one or two stages satisfy §9.

    Stage 1 needs T₁·S ≥ N·d / 0.9 (the aliquot takes at most 90 % of it), so the search starts
    there; a blend whose filler cannot be weighed however large the aliquot is never searched.
    """
    if blend - ALIQUOT_SHARE * limits.capacity > limits.capacity:
        return None
    fewest = max(1, ceil(drug_needed / (ALIQUOT_SHARE * S)))
    for ratio in (Fraction(GENTLE_RATIO), None):  # stages of at most 1:100 first
        search = _Search(drug_needed, blend, S, W, limits, ratio)
        found = search.one_stage(fewest) or search.two_stages(fewest)
        if found is not None:
            return found
    return None
