"""What the bench enters of the equipment: a batch planned in runs of a capsule machine is
entered run by run, each with the weights of at least min(10, its capsules) of its capsules;
and the balance each weighing was made on is one of the pharmacy's (USP <795> 2023 §8: the
compounding record names the equipment used)."""

from __future__ import annotations

from compounding.bench.results import BenchEntry
from compounding.errors import ErrorDetail
from compounding.orders.models import Plan
from compounding.settings import Settings


def runs_missing(entry: BenchEntry, plan: Plan) -> list[ErrorDetail]:
    """A batch planned in runs of a capsule machine is entered run by run, each with the
    weights of at least min(10, its capsules) of its capsules; a batch filled by hand has no
    runs."""
    if not plan.runs:
        return [ErrorDetail("INVALID_VALUE", "runs", "this batch is filled by hand: enter its "
                                                     "capsules without runs")] \
            if entry.runs else []
    if not entry.runs:
        return [ErrorDetail("FIELD_REQUIRED", "runs",
                            f"this batch is filled in {len(plan.runs)} runs of the "
                            f"{plan.machine}: enter each run's capsules and weights")]
    errors = []
    if len(entry.runs) > len(plan.runs):
        errors.append(ErrorDetail("INVALID_VALUE", "runs",
                                  f"{len(entry.runs)} runs entered; the plan has "
                                  f"{len(plan.runs)}"))
    for index, run in enumerate(entry.runs):
        needed = max(1, min(10, run.capsules_made))
        if len(run.capsule_weights) < needed:
            errors.append(ErrorDetail(
                "BENCH_WEIGHTS_MISSING", f"runs[{index}].capsule_weights",
                f"run {index + 1}: {len(run.capsule_weights)} capsule weights: weigh at least "
                f"{needed} of its capsules"))
    return errors


def unknown_balances(entry: BenchEntry, settings: Settings) -> list[ErrorDetail]:
    """Each balance named at the bench is one of the pharmacy's."""
    known = {b.name for b in settings.balance_set()}
    return [ErrorDetail("INVALID_VALUE", f"balances_used[{i}].balance",
                        f"“{used.balance}” is not one of the pharmacy's balances "
                        f"({', '.join(sorted(known))})")
            for i, used in enumerate(entry.balances_used) if used.balance not in known]
