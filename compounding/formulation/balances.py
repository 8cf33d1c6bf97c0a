"""Which balance weighs what: the most precise balance whose range holds the mass, or equal
portions when the master formulation record allows them; and a capsule batch's runs on a
capsule machine.

Each weighing uses the balance with the finest readability among those whose minimum weighable
quantity ≤ mass ≤ capacity (USP <1251>: a balance is used at or above its minimum weight);
amounts print to that balance's readability. A mass above every capacity is weighed in the
fewest equal portions that each fit a balance, when the record allows it. A batch filled on a
capsule machine is filled in runs of one plate; each run's quality control weighs at least 10
of its capsules (all, when fewer).

Worked example (tests/test_balances.py): with an analytical balance (0.1 mg, MWQ 20 mg,
220 g), a prescription balance (1 mg, 120 mg, 120 g) and a top-loading one (10 mg, 1 g, 4 kg),
45 mg is weighed on the analytical balance, 1 104 g of filler on the top-loading one; 2 555
capsules on a 300-hole plate are 9 runs, 8 of 300 and one of 155.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from compounding.formulation.exact import ceil
from compounding.orders.equipment import Balance, CapsuleMachine

QC_PER_RUN = 10
"""Capsules weighed from each run at least (all of a run with fewer)."""
MAX_PORTIONS = 20
"""A weighing is split into at most this many portions."""


@dataclass(frozen=True, slots=True)
class Weighed:
    """How one mass is weighed: on ``balance``, in ``portions`` equal portions of
    ``portion`` [mg] each (1 when whole)."""

    balance: Balance
    portions: int
    portion: Fraction


def balance_for(mass: Fraction, balances: tuple[Balance, ...]) -> Balance | None:
    """The most precise balance that holds ``mass`` [mg], or ``None``.

    >>> from compounding.orders.equipment import Balance
    >>> three = (Balance(name="analytical", readability="0.1 mg",
    ...                  minimum_weighable_quantity="20 mg", capacity="220 g"),
    ...          Balance(name="prescription", readability="1 mg",
    ...                  minimum_weighable_quantity="120 mg", capacity="120 g"),
    ...          Balance(name="top-loading", readability="10 mg",
    ...                  minimum_weighable_quantity="1 g", capacity="4 kg"))
    >>> [balance_for(Fraction(m), three).name for m in (45, 150_000, 1_104_000)]
    ['analytical', 'analytical', 'top-loading']
    """
    fitting = [b for b in balances if b.holds(mass)]
    return min(fitting, key=lambda b: (b.readability, b.capacity), default=None)


def weigh(mass: Fraction, balances: tuple[Balance, ...], *,
          portions: bool = False) -> Weighed | None:
    """How ``mass`` [mg] is weighed: whole on the most precise balance that holds it, or, when
    ``portions`` are allowed and no balance holds it whole, in the fewest equal portions that
    one does; ``None`` when neither."""
    whole = balance_for(mass, balances)
    if whole is not None:
        return Weighed(whole, 1, mass)
    if not portions or not balances or mass <= max(b.capacity for b in balances):
        return None
    for count in range(2, MAX_PORTIONS + 1):
        found = balance_for(mass / count, balances)
        if found is not None:
            return Weighed(found, count, mass / count)
    return None


@dataclass(frozen=True, slots=True)
class Run:
    """One run of a capsule machine: its ``number``, the ``capsules`` it fills, the ``blend``
    [mg] it takes and the capsules its quality control weighs."""

    number: int
    capsules: int
    blend: Fraction
    qc_sample: int


def machine_for(size: str, machines: tuple[CapsuleMachine, ...]) -> CapsuleMachine | None:
    """The machine that takes ``size`` with the most holes (the fewest runs), or ``None``."""
    return max((m for m in machines if size in m.sizes), key=lambda m: (m.holes, m.name),
               default=None)


def runs(capsules: int, fill_weight: Fraction, holes: int) -> list[Run]:
    """The runs that fill ``capsules`` of ``fill_weight`` [mg] on plates of ``holes``: full
    plates, the last one partial.

    >>> [(r.capsules, r.qc_sample) for r in runs(2555, Fraction(441), 300)][-2:]
    [(300, 10), (155, 10)]
    >>> len(runs(2555, Fraction(441), 300)), runs(33, Fraction(130), 300)[0].capsules
    (9, 33)
    """
    count = ceil(Fraction(capsules, holes))
    out = []
    for number in range(1, count + 1):
        filled = holes if number < count else capsules - holes * (count - 1)
        out.append(Run(number, filled, filled * fill_weight, min(QC_PER_RUN, filled)))
    return out
