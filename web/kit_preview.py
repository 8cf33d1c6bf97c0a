"""The order form's preview of a titration kit of capsules, in plain words: the schedule's
total, each strength's batch (its shell colour, the capsules dispensed and the overage, the
tablets or the powder, the fill weight, the beyond-use date, the steps it serves, and how each
number was derived), the kit's directions step by step with their dates from the first day,
and the findings of the kit and of its batches, each once, with the strengths it concerns.

Every number is the plan's own (:func:`compounding.forms.kit.plan_kit`; each batch worked out
as :func:`compounding.forms.kit.batch_orders` keeps it). Sources: USP <795> (2023) §8 (one
record per batch) and Table 4 (the beyond-use date); the shell colours are the pharmacy's
settings (``[kit_colours]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compounding.display import count, show
from compounding.forms.capsules import work_out
from compounding.forms.kit import batch_orders, plan_kit
from compounding.formulation.derivation import Step, explain
from compounding.orders.kit import KitOrder, KitPlan, KitStepPlan
from compounding.orders.models import Plan
from compounding.orders.reading import parse_any
from compounding.settings import Settings

from .powder_order import powder_preview

SEVERITIES = ("critical", "warning", "info")


@dataclass(frozen=True, slots=True)
class KitBatch:
    """One strength's batch as the preview shows it: ``strength`` and ``shell`` in words
    ("1.5 mg", "size 3, white gelatin"), its ``plan``, the ``steps`` it serves, its
    ``working`` and, from powder, what the powder to weigh carries (``powder``)."""

    strength: str
    colour: str | None
    shell: str
    plan: Plan
    steps: list[str]
    working: list[Step]
    powder: dict[str, object] | None


@dataclass(frozen=True, slots=True)
class KitFinding:
    """A finding of the kit, or of one or more of its batches (``strengths``: "" for the kit
    itself), said once."""

    code: str
    severity: str
    message: str
    strengths: str


def shell_words(plan: Plan, shell: str) -> str:
    """A batch's capsule as the worksheet names it: ``size 3, white gelatin``.

    >>> from types import SimpleNamespace
    >>> shell_words(SimpleNamespace(capsule_size="3", shell_colour="white"), "gelatin, white")
    'size 3, white gelatin'
    """
    material = shell.split(",")[0].strip() or "gelatin"
    material = material.upper() if material == "hpmc" else material
    colour = f"{plan.shell_colour} " if plan.shell_colour else ""
    return f"size {plan.capsule_size}, {colour}{material}"


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def findings_of(kit: KitPlan) -> dict[str, list[KitFinding]]:
    """The kit's findings and its batches', each said once (a finding every batch has, such as
    an opioid taken with naltrexone, is one line naming the strengths), by severity."""
    said: dict[tuple[str, str, str], list[str]] = {}
    for finding in kit.findings:
        said.setdefault((finding.severity.value, finding.code, finding.message), [])
    for plan in kit.kit:
        for finding in plan.findings:
            key = (finding.severity.value, finding.code, finding.message)
            said.setdefault(key, []).append(f"{show(plan.strength)} mg")
    grouped: dict[str, list[KitFinding]] = {s: [] for s in SEVERITIES}
    for (severity, code, message), strengths in said.items():
        where = "" if not strengths else (
            "all the capsules" if len(strengths) == len(kit.kit) > 1
            else f"the {_listed(strengths)} capsules")
        grouped[severity].append(KitFinding(code, severity, message, where))
    return grouped


def schedule_rows(kit: Any) -> list[tuple[KitStepPlan, str, str]]:
    """Each step of ``kit`` (a :class:`KitPlan`, or a kept kit) with its days and its dates
    in words: ``Days 15–28``, ``2026-12-07 to 2026-12-20``."""
    rows = []
    for step in kit.schedule:
        days = (f"Day {step.first_day}" if step.first_day == step.last_day
                else f"Days {step.first_day}–{step.last_day}")
        dates = (step.first_date.isoformat() if step.first_date == step.last_date
                 else f"{step.first_date.isoformat()} to {step.last_date.isoformat()}")
        rows.append((step, days, dates))
    return rows


def parsed_kit(order: KitOrder | Mapping[str, Any]) -> KitOrder:
    """The order as a titration kit (it has a schedule: :func:`parse_any` makes it one)."""
    parsed = order if isinstance(order, KitOrder) else parse_any(order)
    assert isinstance(parsed, KitOrder)
    return parsed


def kit_preview(order: KitOrder, settings: Settings) -> dict[str, Any]:
    """What the preview shows of a titration kit, or :class:`compounding.OrderError` with
    every problem of the kit and of its batches."""
    kit = plan_kit(order, settings)
    batches = []
    for batch, plan in zip(batch_orders(order, settings), kit.kit, strict=True):
        worked = work_out(batch, settings)
        shell = batch["capsule"]["shell"] if "shell" in batch.get("capsule", {}) else "gelatin"
        batches.append(KitBatch(
            strength=f"{show(plan.strength)} mg", colour=plan.shell_colour,
            shell=shell_words(plan, shell), plan=plan, steps=plan.kit_steps or [],
            working=explain(worked), powder=powder_preview(worked)))
    made = "; ".join(
        f"{b.plan.capsules_dispensed} {b.colour + ' ' if b.colour else ''}× {b.strength} "
        f"(+ {b.plan.overage_capsules} overage)" for b in batches)
    return {"kit": kit, "batches": batches, "schedule_rows": schedule_rows(kit),
            "kit_findings": findings_of(kit),
            "kit_total": f"{count(kit.days_supply, 'day')} from {kit.start_on.isoformat()} "
                         f"(last day {kit.schedule[-1].last_date.isoformat()}); {made}"}

