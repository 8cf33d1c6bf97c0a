"""Capsules as a :class:`compounding.forms.base.DosageForm`: the plan of
:mod:`.capsules`, the worksheet's steps of :mod:`.capsule_steps`, the bench results and their
reconciliation of :mod:`compounding.bench`, and the label's product line."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from compounding.bench.labeling import drug_line
from compounding.bench.reconciliation import Reconciliation, reconcile
from compounding.display import count, show
from compounding.forms import capsule_steps, capsules
from compounding.forms.base import BenchField
from compounding.orders.models import Order, Plan
from compounding.settings import Settings


class Capsules:
    """Hard capsules filled with the drug diluted in a filler, from tablets or powder."""

    name = "capsules"

    def work_out(self, order: Order, settings: Settings, *,
                 kept: bool = False) -> capsules.Worked:
        return capsules.work_out(order, settings, kept=kept)

    def plan_of(self, worked: capsules.Worked) -> Plan:
        return capsules.plan_of(worked)

    def preparation(self, worked: capsules.Worked, lot: str,
                    mg: Callable[[Fraction], str]) -> list[str]:
        return capsule_steps.preparation(worked, lot, mg)

    def quality_control(self, plan: Plan) -> list[str]:
        """Net fill weight of each capsule weighed within the range, and the count.

        >>> from compounding import plan_order
        >>> Capsules().quality_control(plan_order({"strength": "4.5 mg", "quantity": 30,
        ...     "overage": {"capsules": 2}, "capsule": {"size": "3"},
        ...     "source": {"average_tablet_weight": "250 mg"},
        ...     "filler": {"pack_stat": "130 mg"}}))[0]
        'Weigh 10 capsules one by one: each net fill weight 117–143 mg (90–110 % of 130 mg).'
        """
        weigh = count(plan.capsules_to_weigh, "capsule")
        return [f"Weigh {weigh} one by one: each net fill weight "
                f"{show(plan.fill_weight_min)}–{show(plan.fill_weight_max)} mg (90–110 % of "
                f"{show(plan.fill_weight)} mg).",
                f"Count the capsules made: {plan.capsules_to_fill} filled, "
                f"{plan.capsules_dispensed} dispensed."]

    def bench_fields(self, plan: Plan) -> tuple[BenchField, ...]:
        """Tablets used and their powder, or the powder weighed; each trituration stage; the
        filler; the capsules made and their weights; the lots used."""
        powder = plan.source_kind == "api_powder"
        fields: list[BenchField] = [] if powder else [
            BenchField("tablets_used", "Tablets used", "tablets")]
        fields.append(BenchField("tablet_powder_actual", "Naltrexone HCl powder, actual"
                                 if powder else "Tablet powder, actual", "mg"))
        if plan.trituration:
            fields += [BenchField(f"trituration[{i}]", f"Trituration {s.stage}, as weighed",
                                  "mg") for i, s in enumerate(plan.trituration)]
            fields.append(BenchField("aliquot_actual", "Aliquot, actual", "mg"))
        fields += [BenchField("filler_actual", "Filler, actual", "mg"),
                   BenchField("capsules_made", "Capsules made", "capsules"),
                   BenchField("capsule_weights", "Capsule net weights", "mg")]
        fields += [BenchField(f"{part}_{what}", f"{label} {what}")
                   for part, label in (("source", "Powder" if powder else "Tablet"),
                                       ("filler", "Filler"), ("capsule", "Capsule shell"))
                   for what in ("lot", "expiry")]
        return tuple(fields)

    def reconcile(self, entry: Any, plan: Plan, order: Order,
                  settings: Settings) -> Reconciliation:
        return reconcile(entry, plan, order, settings)

    def product_line(self, plan: Plan) -> str:
        return drug_line(plan)
