"""A capsule batch's bench form for the equipment it was made with: a batch planned in runs of
a capsule machine is entered run by run (each run's capsules made and the net weights of its
quality control sample, one text area a run), and, when the pharmacy lists several balances,
the balance each weighing was made on (a choice per weighing, the plan's balance first).

The form's inputs are ``run_<i>_capsules_made``, ``run_<i>_capsule_weights`` and
``balance_<i>`` (``i`` from 0, in the plan's order); the entry carries them as ``runs`` and
``balances_used`` (:class:`compounding.bench.results.BenchEntry`), and the core checks them
(:mod:`compounding.bench.runs`: at least min(10, a run's capsules) weights a run; a balance
of the pharmacy's). The batch's capsules made and weights are the runs' sum and weights, so the
form has no inputs of its own for them."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint

from compounding.display import show

from .pages import whole_number

bp = Blueprint("run_bench", __name__)
"""No routes: it gives the templates :func:`bench_equipment`."""

_RUN_FIELD = re.compile(r"runs\[(\d+)\]\.(capsules_made|capsule_weights)(?:\[\d+\])?")
_BALANCE_FIELD = re.compile(r"balances_used\[(\d+)\](?:\.(?:balance|weighing))?")


def run_input(field: str) -> str | None:
    """The input an error's field belongs to: ``runs[1].capsule_weights[3]`` is
    ``run_1_capsule_weights``, ``balances_used[0].balance`` is ``balance_0``; ``None`` for a
    field of no run or balance.

    >>> run_input("runs[1].capsule_weights[3]"), run_input("balances_used[0].balance")
    ('run_1_capsule_weights', 'balance_0')
    >>> run_input("filler_lot") is None
    True
    """
    run = _RUN_FIELD.fullmatch(field)
    if run:
        return f"run_{run[1]}_{run[2]}"
    balance = _BALANCE_FIELD.fullmatch(field)
    return f"balance_{balance[1]}" if balance else None


def is_weights(name: str) -> bool:
    """Whether the input ``name`` holds capsule weights of a run."""
    return name.startswith("run_") and name.endswith("_capsule_weights")


def several_balances(record: Any) -> bool:
    """Whether the bench is asked which balance made each weighing: the batch's pharmacy lists
    more than one and the plan names the balance of each weighing."""
    return len(record.profile.balances) > 1 and bool(getattr(record.plan, "weighings", None))


def equipment_entry(form: Any, plan: Any, weights: Callable[[str], list[str]]) -> dict[str, Any]:
    """The ``runs`` and ``balances_used`` the bench form gives for a capsule batch of
    ``plan`` (``weights`` reads a run's text area as the batch's weights are read); empty for a
    batch filled by hand whose form asks for no balance."""
    entry: dict[str, Any] = {}
    if plan.runs:
        runs = []
        for index in range(len(plan.runs)):
            made = (form.get(f"run_{index}_capsules_made") or "").strip()
            run: dict[str, Any] = {"capsule_weights": weights(
                form.get(f"run_{index}_capsule_weights") or "")}
            if made:
                number = whole_number(made)
                run["capsules_made"] = number if number is not None else made
            runs.append(run)
        entry["runs"] = runs
    weighings = getattr(plan, "weighings", None) or []
    if any(f"balance_{i}" in form for i in range(len(weighings))):
        entry["balances_used"] = [{"weighing": w.what,
                                   "balance": (form.get(f"balance_{i}") or "").strip()}
                                  for i, w in enumerate(weighings)]
    return entry


def run_values(record: Any, values: dict[str, str], posted: str | None) -> list[dict[str, Any]]:
    """Each planned run with what its inputs show: what was posted when the bench form failed,
    else the bench's (a correction's form), else blanks."""
    plan, bench = record.plan, record.bench
    made = list(bench.runs) if bench is not None else []
    shown = []
    for index, planned in enumerate(plan.runs or []):
        names = (f"run_{index}_capsules_made", f"run_{index}_capsule_weights")
        if posted == "bench-":
            count, weights = (values.get(name, "") for name in names)
        elif index < len(made):
            count = str(made[index].capsules_made)
            weights = " ".join(show(w, 6) for w in made[index].capsule_weights)
        else:
            count, weights = "", ""
        shown.append({"plan": planned, "index": index, "count": count, "weights": weights,
                      "made_name": names[0], "weights_name": names[1]})
    return shown


def balance_values(record: Any, values: dict[str, str],
                   posted: str | None) -> list[dict[str, Any]]:
    """Each weighing of the plan with the balance its choice shows: the one posted, else the
    bench's, else the plan's."""
    plan, bench = record.plan, record.bench
    kept = {u.weighing: u.balance for u in bench.balances_used} if bench is not None else {}
    shown = []
    for index, w in enumerate(plan.weighings or []):
        name = f"balance_{index}"
        chosen = (values.get(name, "") if posted == "bench-" and name in values
                  else kept.get(w.what, w.balance))
        shown.append({"weighing": w, "name": name, "chosen": chosen})
    return shown


@bp.app_template_global()
def bench_equipment(record: Any, values: dict[str, str], posted: str | None) -> dict[str, Any]:
    """What the bench form and the bench results of a capsule batch show of its equipment
    (a template global): the runs, the balance choices and the pharmacy's balances."""
    several = several_balances(record)
    return {"runs": run_values(record, values, posted),
            "balances": list(record.profile.balances) if several else [],
            "choices": balance_values(record, values, posted) if several else []}
