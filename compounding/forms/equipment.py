"""What a plan says of the equipment it uses: the balance of each weighing (with its
portions), a balance whose check is overdue (``BALANCE_CHECK_OVERDUE``), and a capsule batch's
runs on a capsule machine (:mod:`compounding.formulation.balances`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from fractions import Fraction

from compounding.formulation.balances import machine_for, runs, weigh
from compounding.orders.equipment import Balance
from compounding.orders.models import RunPlan, WeighingPlan
from compounding.screening.review import Review
from compounding.settings import Settings


def weighings_of(masses: Iterable[tuple[str, Fraction]], settings: Settings,
                 portions: bool = False) -> list[WeighingPlan]:
    """Each ``(what, mass [mg])`` with the balance that weighs it; a mass no balance holds is
    left out (the method that needs it is never chosen)."""
    out = []
    for what, mass in masses:
        found = weigh(mass, settings.balance_set(), portions=portions)
        if found is not None:
            out.append(WeighingPlan(what=what, mass=mass, balance=found.balance.name,
                                    readability=found.balance.readability,
                                    portions=found.portions))
    return out


def check_balances(review: Review, weighings: list[WeighingPlan], settings: Settings,
                   on: date) -> None:
    """``BALANCE_CHECK_OVERDUE`` for each balance the plan uses whose calibration or check is
    older than its interval on the compounding day."""
    used = {w.balance for w in weighings}
    for index, balance in enumerate(settings.balances):
        if balance.name in used and balance.overdue(on):
            assert balance.checked_on is not None
            review.finding("BALANCE_CHECK_OVERDUE", f"balances[{index}].checked_on",
                           f"The {balance.name} balance was last checked on "
                           f"{balance.checked_on.isoformat()}, more than "
                           f"{balance.check_interval_days} days before the compounding date: "
                           f"check it before weighing this batch.")


def runs_of(size: str, capsules: int, fill_weight: Fraction,
            settings: Settings) -> tuple[str | None, list[RunPlan] | None]:
    """The machine that fills ``capsules`` of ``size`` and its runs; (None, None) by hand."""
    machine = machine_for(size, settings.capsule_machines)
    if machine is None:
        return None, None
    return machine.name, [RunPlan(run=r.number, capsules=r.capsules, blend=r.blend,
                                  qc_sample=r.qc_sample)
                          for r in runs(capsules, fill_weight, machine.holes)]


def balance_named(name: str, settings: Settings) -> Balance | None:
    """The pharmacy's balance called ``name``."""
    return next((b for b in settings.balance_set() if b.name == name), None)
