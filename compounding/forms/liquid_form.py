"""Oral liquids as a :class:`compounding.forms.base.DosageForm`: the plan of
:mod:`.liquid`, the worksheet's steps of :mod:`.liquid_steps`, what the bench enters and its
reconciliation (:mod:`compounding.bench.liquid_results`), and the label's product line."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from compounding.bench.labeling import liquid_drug_line
from compounding.forms import liquid, liquid_steps
from compounding.forms.base import BenchField
from compounding.orders.liquid import LiquidOrder, LiquidPlan
from compounding.settings import Settings


class OralLiquids:
    """An oral suspension (from tablets) or solution (from naltrexone HCl powder), dosed by
    oral syringe."""

    name = "oral_liquid"

    def work_out(self, order: LiquidOrder, settings: Settings, *,
                 kept: bool = False) -> liquid.LiquidWorked:
        return liquid.work_out(order, settings, kept=kept)

    def plan_of(self, worked: liquid.LiquidWorked) -> LiquidPlan:
        return liquid.plan_of(worked)

    def preparation(self, worked: liquid.LiquidWorked, lot: str,
                    mg: Callable[[Fraction], str]) -> list[str]:
        return liquid_steps.preparation(worked, lot, mg)

    def quality_control(self, plan: LiquidPlan) -> list[str]:
        return liquid_steps.quality_control(plan)

    def bench_fields(self, plan: LiquidPlan) -> tuple[BenchField, ...]:
        """The drug used (tablets and their powder, or the powder weighed, or each stock
        stage and what went into it), every other ingredient's amount, lot and expiry, the
        final volume, and the source's lot (the paths of
        :class:`compounding.bench.liquid_entry.LiquidBenchEntry`)."""
        fields: list[BenchField] = []
        if plan.source_kind == "tablets":
            fields.append(BenchField("tablets_used", "Tablets used", "tablets"))
        if plan.method == "stock_solution":
            for i, stage in enumerate(plan.stock_solution or []):
                if i:
                    fields.append(BenchField(f"stock[{i}].taken", f"Stock {stage.stage - 1} "
                                             f"measured into stock {stage.stage}", "mL"))
                fields.append(BenchField(f"stock[{i}]", f"Stock {stage.stage}, made to", "mL"))
            if plan.source_kind == "api_powder":
                fields.insert(0, BenchField("powder_actual", "Naltrexone HCl powder, actual",
                                            "mg"))
            fields.append(BenchField("aliquot_actual", "Stock aliquot, actual", "mL"))
        elif plan.method != "whole_tablets":
            fields.append(BenchField("powder_actual", "Naltrexone HCl powder, actual"
                                     if plan.source_kind == "api_powder"
                                     else "Tablet powder, actual", "mg"))
        for i, x in enumerate(i for i in plan.ingredients if i.role != "active"):
            if x.unit != "to volume":
                fields.append(BenchField(f"ingredients[{i}].amount", f"{x.name}, actual",
                                         x.unit))
            fields += [BenchField(f"ingredients[{i}].lot", f"{x.name} lot"),
                       BenchField(f"ingredients[{i}].expiry", f"{x.name} expiry")]
        fields.append(BenchField("final_volume", "Final volume", "mL"))
        fields += [BenchField("source_lot", "Source lot"), BenchField("source_expiry",
                                                                      "Source expiry")]
        return tuple(fields)

    def reconcile(self, entry: Any, plan: LiquidPlan, order: LiquidOrder,
                  settings: Settings) -> Any:
        from compounding.bench.liquid_results import reconcile

        return reconcile(entry, plan, order, settings)

    def product_line(self, plan: LiquidPlan) -> str:
        """"Naltrexone HCl 1 mg/mL oral suspension".

        >>> from compounding import plan_order
        >>> OralLiquids().product_line(plan_order({"form": "oral_liquid", "strength": "4.5 mg",
        ...     "days_supply": 30, "source": {"average_tablet_weight": "250 mg"}}))
        'Naltrexone HCl 1 mg/mL oral suspension'
        """
        return liquid_drug_line(plan)
