"""The arithmetic of an oral liquid batch, exact (domain.md §17; USP <795> 2023 §8 and §9).

- Dose volume v = d ÷ c [mL], measurable between 0.2 mL and 20 mL *(settings)*, with an oral
  syringe whose graduation divides it (:func:`syringe_for`).
- Batch volume Vb = V + max(5 % of V, 5 mL) *(settings)* [mL]; drug D = c × Vb [mg].
- Every ingredient scaled from the master formulation record (:func:`scaled`): % w/v is
  g per 100 mL, so q % w/v of Vb mL is 10 × q × Vb mg; % v/v is q/100 × Vb mL.
- From tablets: whole tablets T = ⌈D/S⌉ made to T·S/c when the surplus over V is within
  max(10 mL, ⌈10 % of V⌉) (the surplus rule of §9 in mL), else an exact portion D·W/S of the
  powder of T = ⌈D / (S·(1 − loss))⌉ tablets, when it is weighable; from powder, D ÷ assay.
- A weighing under the minimum weighable quantity goes through a **stock**
  (:func:`stock_stages`): a weighable amount (or whole tablets) made to a volumetric flask's
  volume at a 1-2-5 concentration, an aliquot of at least 1 mL measured by calibrated pipette
  or syringe; at most two stages.

Worked example (Fawcett 1 mg/mL from tablets; tests/test_liquid_plan.py): 4.5 mg nightly for
30 days is v = 4.5 mL, V = 135 mL, Vb = 135 + 6.75 = 141.75 mL, D = 141.75 mg; three whole
tablets would make 150 mL, 15 mL over V where 14 mL is the most, so an exact portion
141.75 × 250 / 50 = 708.75 mg of the powder of 3 tablets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from compounding.display import show
from compounding.formulary.model import MasterFormulationRecord
from compounding.formulation.exact import ceil
from compounding.formulation.trituration import series
from compounding.orders.liquid import IngredientAmount, Syringe
from compounding.settings import Settings

ALIQUOT_SHARE = Fraction(9, 10)
"""An aliquot takes at most 90 % of the stock it is measured from (domain.md §9)."""
MAX_STOCK_TABLETS = 4
"""A stock from tablets starts from at most this many whole tablets."""


def syringe_for(volumes: Iterable[Fraction], syringes: Sequence[Syringe]) -> Syringe | None:
    """The smallest oral syringe that holds every volume [mL] and whose graduation divides
    each: one syringe measures every step of the dosing. ``None`` when none does.

    >>> from compounding.orders.liquid import DEFAULT_SYRINGES
    >>> chosen = syringe_for([Fraction(9, 2)], DEFAULT_SYRINGES)  # 4.5 mL: 5 mL by 0.2 cannot
    >>> chosen.capacity, chosen.graduation
    (Fraction(10, 1), Fraction(1, 2))
    """
    wanted = list(volumes)
    fitting = [s for s in syringes if all(v <= s.capacity and (v / s.graduation).denominator == 1
                                          for v in wanted)]
    return min(fitting, key=lambda s: (s.capacity, s.graduation), default=None)


def overage_of(volume: Fraction, settings: Settings) -> Fraction:
    """The volume made beyond V [mL]: max(5 % of V, 5 mL) *(settings)*.

    >>> from compounding.settings import DEFAULT_SETTINGS
    >>> overage_of(Fraction(135), DEFAULT_SETTINGS), overage_of(Fraction(30), DEFAULT_SETTINGS)
    (Fraction(27, 4), Fraction(5, 1))
    """
    return max(volume * settings.liquid_overage_percent / 100, settings.liquid_overage_minimum)


def surplus_volume_limit(volume: Fraction, settings: Settings) -> Fraction:
    """The most whole tablets may make beyond V [mL]: max(10 mL, ⌈10 % of V⌉ mL).

    >>> from compounding.settings import DEFAULT_SETTINGS
    >>> surplus_volume_limit(Fraction(135), DEFAULT_SETTINGS)
    Fraction(14, 1)
    """
    return max(settings.surplus_volume, Fraction(ceil(volume * settings.surplus_percent / 100)))


def weighed_per_ml(mfr: MasterFormulationRecord) -> list[tuple[str, Fraction]]:
    """Each ingredient weighed for every mL of the batch [mg/mL], the active aside: q % w/v is
    q g per 100 mL = 10·q mg/mL."""
    return [(i.name, Fraction(i.quantity) * 10) for i in mfr.ingredients
            if i.role != "active" and i.unit == "% w/v" and i.quantity]


def smallest_batch(mfr: MasterFormulationRecord, settings: Settings) -> tuple[Fraction, str]:
    """The smallest batch volume [mL] in which every excipient weighing reaches the minimum
    weighable quantity, and the ingredient that sets it ("" when none does).

    >>> from compounding.formulary import Formulary
    >>> from compounding.settings import DEFAULT_SETTINGS
    >>> mfr = Formulary.built_in().current("LDN-LIQ-1").mfr
    >>> smallest_batch(mfr, DEFAULT_SETTINGS)  # sodium benzoate 0.1 % w/v: 1 mg/mL
    (Fraction(120, 1), 'Sodium benzoate')
    """
    needs = [(settings.minimum_weighable_quantity / per_ml, name)
             for name, per_ml in weighed_per_ml(mfr)]
    return max(needs, default=(Fraction(0), ""))


def scaled(mfr: MasterFormulationRecord, batch_volume: Fraction,
           concentration: Fraction) -> list[IngredientAmount]:
    """Every ingredient of the record for ``batch_volume`` [mL] at ``concentration`` [mg/mL]:
    the drug and each % w/v ingredient in mg, each % v/v in mL, the vehicle to volume.

    >>> from compounding.formulary import Formulary
    >>> mfr = Formulary.built_in().current("LDN-LIQ-1").mfr
    >>> [(i.name.split()[0], i.amount, i.unit) for i in scaled(mfr, Fraction(567, 4), 1)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('Naltrexone', Fraction(567, 4), 'mg'), ('Ascorbic', Fraction(2835, 4), 'mg'),
     ('Sodium', Fraction(567, 4), 'mg'), ('Glycerin', Fraction(567, 20), 'mL'),
     ('Purified', None, 'to volume')]
    """
    out = []
    for i in mfr.ingredients:
        q = Fraction(i.quantity) if i.quantity is not None else None
        if i.role == "active":
            amount, unit, written = concentration * batch_volume, "mg", \
                f"{show(concentration)} mg/mL"
        elif i.unit == "% w/v" and q is not None:
            amount, unit, written = 10 * q * batch_volume, "mg", f"{i.quantity} % w/v"
        elif i.unit == "% v/v" and q is not None:
            amount, unit, written = q * batch_volume / 100, "mL", f"{i.quantity} % v/v"
        elif i.unit == "mg/mL" and q is not None:
            amount, unit, written = q * batch_volume, "mg", f"{i.quantity} mg/mL"
        else:
            amount, unit, written = None, "to volume", "to volume"
        out.append(IngredientAmount(role=i.role, name=i.name, quantity=written, amount=amount,
                                    unit=unit))  # type: ignore[arg-type]
    return out


@dataclass(frozen=True, slots=True)
class Stage:
    """One stock stage: ``drug`` [mg] in ``volume`` [mL] at ``concentration`` [mg/mL], from
    ``tablets`` whole tablets, ``powder`` [mg] weighed, or ``aliquot_in`` [mL] of the stage
    before; ``aliquot`` [mL] measured out of it."""

    number: int
    drug: Fraction
    volume: Fraction
    concentration: Fraction
    aliquot: Fraction
    tablets: int | None = None
    powder: Fraction | None = None
    aliquot_in: Fraction | None = None


def stock_stages(drug: Fraction, concentration: Fraction, settings: Settings, *,
                 tablet_strength: Fraction | None = None,
                 assay: Fraction | None = None) -> list[Stage] | None:
    """The stock that delivers ``drug`` [mg] into a batch of ``concentration`` [mg/mL]:
    one stage, or two when one cannot; ``None`` when two cannot either.

    Stage 1 starts from whole tablets of ``tablet_strength`` [mg] (made to a flask's volume)
    or from powder of ``assay`` (as is) weighed at or above the minimum weighable quantity;
    each stage's concentration is a 1-2-5 value [mg/mL] above the batch's and at most
    ``stock_concentration_max``; each aliquot is at least ``stock_aliquot_minimum`` [mL] and at
    most 90 % of its stage. Among those that work: fewest stages, least drug used, then the
    highest concentration (deterministic).

    >>> from compounding.settings import DEFAULT_SETTINGS
    >>> [(s.powder and show(s.powder), s.volume, s.concentration, s.aliquot) for s in
    ...  stock_stages(Fraction(63, 4), Fraction(1, 10), DEFAULT_SETTINGS,
    ...               assay=Fraction(992, 1000))]  # 15.75 mg: 125 mg in 25 mL, 3.15 mL of it
    [('126.0081', Fraction(25, 1), Fraction(5, 1), Fraction(63, 20))]
    """
    top = settings.stock_concentration_max
    values = [c for c in series(top, concentration) if c > concentration]
    flasks = sorted(settings.stock_volumes)
    firsts = list(_first_stages(values, flasks, settings, tablet_strength, assay))
    least = settings.stock_aliquot_minimum
    one = [(s.drug, -s.concentration, s.volume, [s]) for s in
           (_with_aliquot(s, drug / s.concentration) for s in firsts) if _fits(s, least)]
    if one:
        return min(one, key=lambda t: t[:3])[3]
    two = []
    for first in firsts:
        for c2 in (c for c in values if c < first.concentration):
            for volume in flasks:
                into = c2 * volume / first.concentration
                second = Stage(2, c2 * volume, volume, c2, drug / c2, aliquot_in=into)
                head = _with_aliquot(first, into)
                if _fits(head, least) and _fits(second, least):
                    two.append((first.drug, -c2, volume, -first.concentration, [head, second]))
    if not two:
        return None
    return min(two, key=lambda t: t[:4])[4]


def _first_stages(values: list[Fraction], flasks: list[Fraction], settings: Settings,
                  tablet_strength: Fraction | None,
                  assay: Fraction | None) -> Iterable[Stage]:
    low, high = settings.minimum_weighable_quantity, settings.balance_capacity
    for c in values:
        for volume in flasks:
            drug = c * volume
            if tablet_strength is not None:
                tablets = drug / tablet_strength
                if tablets.denominator == 1 and 1 <= tablets <= MAX_STOCK_TABLETS:
                    yield Stage(1, drug, volume, c, Fraction(0), tablets=int(tablets))
            elif assay is not None and low <= drug / assay <= high:
                yield Stage(1, drug, volume, c, Fraction(0), powder=drug / assay)


def _with_aliquot(stage: Stage, aliquot: Fraction) -> Stage:
    return Stage(stage.number, stage.drug, stage.volume, stage.concentration, aliquot,
                 stage.tablets, stage.powder, stage.aliquot_in)


def _fits(stage: Stage, least: Fraction) -> bool:
    return least <= stage.aliquot <= stage.volume * ALIQUOT_SHARE
