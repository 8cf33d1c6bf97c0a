"""The executed compounding record of an oral liquid batch: the kept record of one batch as the
bench made it (USP <795> 2023 §8: the actual amounts, lots and expiries, the quality control
results, who compounded and who verified).

The blank worksheet's header and batch numbers, then what the bench entered
(:class:`compounding.bench.liquid_results.LiquidBenchEntry`): the drug put in (tablets, the
powder weighed, each stock stage and the aliquot measured), every other ingredient's amount
with its lot and expiry, beside what the plan asked; the final volume against the master
formulation record's tolerance; the strength made, c = drug ÷ final volume [mg/mL], with its
working, judged against 95-105 % (and 90-110 %, the limit); then what every executed record
shares (:mod:`.record`): the findings, the BUD from the lots used, the signatures and the
history.
"""

from __future__ import annotations

from fractions import Fraction

from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, Spacer

from compounding.bench.execution import Executed
from compounding.bench.liquid_reconciliation import planned_ingredient
from compounding.bench.liquid_results import (
    IngredientUsed,
    LiquidBenchEntry,
    drug_put_in,
    stock_concentrations,
)
from compounding.display import count, show
from compounding.forms.liquid import LiquidWorked
from compounding.forms.liquid_steps import ml
from compounding.profile import Profile

from .liquid_worksheet import _LiquidWorksheet
from .record import ExecutedRecord
from .sheet import build
from .source_table import assay_used
from .tables import _grid


class _LiquidExecuted(ExecutedRecord, _LiquidWorksheet):
    """The executed record of an oral liquid batch."""

    bench: LiquidBenchEntry

    def __init__(self, worked: LiquidWorked, profile: Profile, executed: Executed) -> None:
        if not isinstance(executed.bench, LiquidBenchEntry):
            raise TypeError("an oral liquid's executed record needs its liquid bench entry")
        super().__init__(worked, profile, executed)

    def story(self) -> list[object]:
        return [*self.header(), *self.batch(), *self.used(), *self.quality(),
                *self.findings(), *self.release(), *self.history()]

    def made(self) -> str:
        return f"made to {ml(self.bench.final_volume)}"

    def used(self) -> list[object]:
        """Every ingredient as used: the lot and expiry, what the plan asked and what the
        bench entered."""
        rows = [*self.drug_used(), *self.others_used(),
                ["Final volume (made to volume with the vehicle)", "", "",
                 ml(self.plan.batch_volume), ml(self.bench.final_volume)]]
        head = ["Ingredient", "Lot used", "Expiry", "Planned", "Actual"]
        body = [[self.p(v or "—") for v in row] for row in rows]
        return [self.p("Ingredients as used", self.s.heading),
                _grid([[self.p(h, self.s.cell_bold) for h in head], *body],
                      [w * inch for w in (2.7, 1.3, 0.9, 1.2, 1.2)])]

    def drug_used(self) -> list[list[str]]:
        """The source (tablets or powder), each stock stage and the aliquot, planned and as
        used."""
        plan, e, src = self.plan, self.bench, self.order.source
        stock = plan.stock_solution or []
        lot, expiry = e.source_lot or "", e.source_expiry.isoformat() if e.source_expiry else ""
        rows: list[list[str]] = []
        if src.powder:
            planned = stock[0].powder if stock else plan.tablet_powder
            rows.append([f"{src.product_name} (assay as is {assay_used(src)})",
                         lot, expiry, self.mg(planned or Fraction(0)), _mg(e.powder_actual)])
        else:
            tablets = (stock[0].tablets or 0) if stock else plan.tablets
            rows.append([f"{src.product_name}, {src.release} release", lot, expiry,
                         count(tablets, "tablet"), count(e.tablets_used or 0, "tablet")])
            if plan.method in ("whole_tablets", "exact_portion") and plan.tablet_powder:
                weighed = _mg(e.powder_actual) if plan.method == "exact_portion" else "all"
                rows.append(["Tablet powder", "", "", self.mg(plan.tablet_powder), weighed])
        for index, stage in enumerate(stock):
            made = e.stock[index] if index < len(e.stock) else None
            if stage.aliquot_in is not None:
                rows.append([f"Stock 1 measured into stock {stage.stage}", "", "",
                             ml(stage.aliquot_in),
                             ml(made.taken) if made and made.taken is not None else ""])
            rows.append([f"Stock {stage.stage} ({show(stage.concentration)} mg/mL), made to",
                         f"{self.lot}-S{stage.stage}", "", ml(stage.volume),
                         ml(made.volume) if made else ""])
        if stock:
            rows.append([f"Stock {stock[-1].stage}, aliquot into the batch", "", "",
                         ml(stock[-1].aliquot),
                         ml(e.aliquot_actual) if e.aliquot_actual is not None else ""])
        return rows

    def others_used(self) -> list[list[str]]:
        """Each other ingredient of the plan with what the bench entered for it."""
        rows = []
        for x in self.plan.ingredients:
            if x.role == "active":
                continue
            used = self._entered(x.name)
            amount = used.amount if used else None
            actual = (f"{show(amount.value)} {amount.unit}" if amount is not None
                      else "to volume" if x.unit == "to volume" else "")
            rows.append([x.name, (used.lot or "") if used else "",
                         used.expiry.isoformat() if used and used.expiry else "",
                         self.amount(x), actual])
        return rows

    def _entered(self, name: str) -> IngredientUsed | None:
        for used in self.bench.ingredients:
            planned = planned_ingredient(self.plan, used.name)
            if planned is not None and planned.name == name:
                return used
        return None

    def quality(self) -> list[object]:
        """The final volume against the record's tolerance, and the strength made."""
        plan, e = self.plan, self.bench
        low, high = plan.final_volume_min, plan.final_volume_max
        inside = low <= e.final_volume <= high
        volume = (f"Final volume {ml(e.final_volume)}: "
                  f"{'within' if inside else 'OUTSIDE'} {show(low, 2)}-{show(high, 2)} mL "
                  f"(the master formulation record's tolerance on {ml(plan.batch_volume)}); "
                  f"{ml(plan.volume)} to dispense.")
        return [KeepTogether([self.p("Quality control, as made", self.s.heading),
                              self.p(volume, self.s.body), Spacer(1, 4),
                              self.p(self.strength(), self.s.body)])]

    def strength(self) -> str:
        """The strength made with its working: drug put in ÷ final volume."""
        made = self.x.strength_made
        if made is None:
            return ("Strength made: not worked out for this record (kept before bench results "
                    "were reconciled).")
        plan, e, order = self.plan, self.bench, self.order
        src = order.source
        drug = drug_put_in(e, plan, order)
        if plan.method == "stock_solution":
            found = stock_concentrations(e, plan, order)
            first = (f"{show(e.powder_actual or 0)} mg powder × {assay_used(src)}"
                     if src.powder else f"{count(e.tablets_used or 0, 'tablet')} × "
                                        f"{show(src.strength)} mg")
            parts = [f"c1 = {first} ÷ {show(e.stock[0].volume)} mL = {show(found[0])} mg/mL"]
            if len(found) > 1:
                parts.append(f"c2 = {show(e.stock[1].taken or 0)} mL × {show(found[0])} ÷ "
                             f"{show(e.stock[1].volume)} mL = {show(found[1])} mg/mL")
            parts.append(f"drug = {show(e.aliquot_actual or 0)} mL × {show(found[-1])} mg/mL "
                         f"= {show(drug)} mg")
            working = "; ".join(parts)
        elif src.powder:
            working = (f"drug = {show(e.powder_actual or 0)} mg powder × assay as is "
                       f"{assay_used(src)} = {show(drug)} mg")
        elif plan.method == "exact_portion":
            working = (f"drug = {show(e.powder_actual or 0)} mg powder × "
                       f"{show(src.strength)} ÷ {show(src.average_tablet_weight or 0)} = "
                       f"{show(drug)} mg")
        else:
            working = (f"drug = {count(e.tablets_used or 0, 'tablet')} × "
                       f"{show(src.strength)} mg = {show(drug)} mg")
        c = plan.concentration
        return (f"Strength made = drug put in ÷ final volume: {working}; strength = "
                f"{show(drug)} ÷ {show(e.final_volume)} = {show(made)} mg/mL, "
                f"{show(made / c * 100, 1)} % of {show(c)} mg/mL (accept 95-105 %; outside "
                f"90-110 % the batch cannot be released).")


def _mg(mass: Fraction | None) -> str:
    return f"{show(mass)} mg" if mass is not None else ""


def build_liquid_executed(worked: LiquidWorked, profile: Profile, executed: Executed) -> bytes:
    """The executed compounding record PDF of an oral liquid batch; invariant mode: same
    record, same bytes."""
    return build(_LiquidExecuted(worked, profile, executed), profile, executed.bench)
