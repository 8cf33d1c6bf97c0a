"""The batch worksheet of an oral liquid: the compounding record the bench works from (USP <795>
2023 §8; Fawcett, Morgan & Woods, Ann Pharmacother 1997;31:1291-5 for the formula).

Its sections, in the order the bench uses them: the header (the preparation, its master
formulation record with the record's own beyond-use basis, the patient, the prescription), the
batch (concentration, each dose in mg and mL, the oral syringe, the volume to dispense, the
overage, the batch volume, the drug in it and how it gets there), the ingredients with blanks
for their lots, expiries and actual amounts, the stock's stages when there is one, the numbered
procedure (:func:`compounding.forms.liquid_steps.preparation`, masses to the balance's
readability), quality control with blanks for what the bench finds, the findings, and the
release with the signature lines. What every record shares is :class:`.sheet.Sheet`'s; every
user string reaches a Paragraph through :func:`.escaping.esc` once.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, Spacer

from compounding.bench.labeling import liquid_drug_line
from compounding.display import count, show
from compounding.forms import form_of
from compounding.forms.liquid import LiquidWorked
from compounding.forms.liquid_steps import ml
from compounding.orders.liquid import IngredientAmount, LiquidPlan
from compounding.profile import Profile
from compounding.screening.wording import LABELS

from .equipment_blocks import cell, portion_steps, with_balances
from .sheet import BLANK, Sheet, build
from .source_table import (
    assay_stated,
    assay_used,
    bud_line,
    formula_line,
    record_bud,
    source_check,
    tablet_weight,
)
from .tables import _grid, _Together

ROLES = {"active": "Active", "vehicle": "Vehicle", "preservative": "Preservative",
         "antioxidant": "Antioxidant", "co_solvent": "Co-solvent", "flavour": "Flavour"}
"""An ingredient's role in a master formulation record, in words."""

METHODS = {
    "whole_tablets": "whole tablets (all their powder goes into the batch)",
    "exact_portion": "exact portion (a weighed portion of the tablets' powder)",
    "api_powder": "naltrexone HCl powder weighed",
    "stock_solution": "stock (made first; an aliquot measured into the batch)",
}
"""How the drug gets into a liquid batch, in words."""


class _LiquidWorksheet(Sheet):
    """The batch worksheet of a worked-out oral liquid, section by section (its executed
    record is one too, :class:`.liquid_executed._LiquidExecuted`)."""

    w: LiquidWorked
    plan: LiquidPlan

    def __init__(self, worked: LiquidWorked, profile: Profile) -> None:
        super().__init__(worked, profile)
        self.record = worked.mfr_record
        self.form = form_of("oral_liquid")

    @property
    def product(self) -> str:
        return liquid_drug_line(self.plan)

    def story(self) -> list[object]:
        return [*self.header(), *self.batch(), *self.ingredients(), *self.stock(),
                *self.procedure(), *self.quality(), *self.findings(), *self.release()]

    def field_of(self, field: str) -> str:
        """An oral liquid's own name for a field it shares with capsules: its ``strength`` is
        the dose."""
        liquid = f"liquid.{field}"
        return liquid if liquid in LABELS else field

    def header_rows(self) -> list[tuple[str, str]]:
        o, plan = self.order, self.plan
        record = record_bud(self.w)
        return [
            ("Preparation", self.product),
            ("Dosage form", f"Oral {plan.kind}, {show(plan.concentration)} mg/mL naltrexone "
                            f"HCl; measured by oral syringe"),
            ("Formula", formula_line(self.w.mfr)),
            *([("Formula's BUD", record)] if record else []),
            ("Lot number", self.lot),
            ("Rx number", o.rx_number or "—"),
            ("Compounding date", f"{self.w.compounded_on.isoformat()}   time: {BLANK}"),
            ("Patient", self.patient_line()),
            ("Prescriber", self.prescriber_line()),
            ("Directions", plan.directions),
            ("Quantity", f"{ml(plan.volume)} dispensed ({count(plan.days_supply, 'day')}' "
                         f"supply); refills {o.refills}"),
            ("Beyond-use date", self.w.beyond_use_date.isoformat()),
        ]

    def batch(self) -> list[object]:
        """The batch in numbers, each with its working."""
        plan = self.plan
        c = plan.concentration
        rows = [("Concentration", f"c = {show(c)} mg/mL naltrexone HCl")]
        several = len(plan.steps) > 1
        for number, step in enumerate(plan.steps, start=1):
            when = (f"Days {step.first_day}–{step.first_day + (step.days or 1) - 1}: "
                    if several else "")
            rows.append((f"Dose, step {number}" if several else "Dose",
                         f"{when}d = {show(step.dose)} mg: v = d ÷ c = {show(step.dose)} ÷ "
                         f"{show(c)} = {ml(step.dose_volume)}, "
                         f"{count(step.doses_per_day, 'dose')} a day"))
        syringe = plan.syringe
        marks = "; ".join(f"{ml(s.dose_volume)} = {show(s.dose_volume / syringe.graduation)} "
                          f"marks" for s in plan.steps)
        rows += [
            ("Oral syringe", f"{show(syringe.capacity)} mL, marked every "
                             f"{show(syringe.graduation)} mL ({marks})"),
            ("Volume dispensed", f"V = {ml(plan.volume)} ({count(plan.days_supply, 'day')}' "
                                 f"supply)"),
            ("Overage", ml(plan.overage_volume)),
            ("Batch volume", f"Vb = {ml(plan.batch_volume)} ({self._batch_basis()})"),
            ("Drug in the batch", f"D = c × Vb = {show(c)} mg/mL × {show(plan.batch_volume)} mL "
                                  f"= {show(plan.drug_total)} mg naltrexone HCl"),
            ("Method", f"{METHODS.get(plan.method, plan.method)}: {plan.method_reason}"),
        ]
        return [self.p("Batch", self.s.heading), self.pairs(rows)]

    def _batch_basis(self) -> str:
        plan = self.plan
        if plan.batch_volume_reason:
            return plan.batch_volume_reason
        if plan.batch_volume == plan.volume + plan.overage_volume:
            return (f"V + overage = {show(plan.volume)} + {show(plan.overage_volume)} mL")
        return (f"the volume {count(plan.tablets, 'whole tablet')} make at "
                f"{show(plan.concentration)} mg/mL")

    def ingredients(self) -> list[object]:
        """Every ingredient with its role, the record's quantity, the amount for this batch,
        and blanks for the lot, expiry, actual amount and initials (the lots the order gives
        printed in them)."""
        rows: list[list[str]] = []
        for x in self.plan.ingredients:
            if x.role == "active":
                rows += self.drug_rows(x)
                continue
            lot, expiry = self.lot_of(x.name)
            rows.append([ROLES.get(x.role, x.role.replace("_", " ")), x.name, x.quantity,
                         self.amount(x), lot or BLANK, _day(expiry) or BLANK])
        head = ["Role", "Ingredient", "Formula", "For this batch", "Lot", "Expiry", "Actual",
                "Initials"]
        body = [[cell(self, v, "") for v in row] + [self.p(""), self.p("")]
                for row in with_balances(self, rows, 3)]
        widths = ([0.85, 1.28, 0.7, 1.75, 0.7, 0.8, 0.6, 0.62] if self.scales.named
                  else [0.85, 1.83, 0.75, 1.05, 0.8, 0.8, 0.6, 0.62])
        return [self.p("Ingredients", self.s.heading),
                _grid([[self.p(h, self.s.cell_bold) for h in head], *body],
                      [w * inch for w in widths])]

    def drug_rows(self, active: IngredientAmount) -> list[list[str]]:
        """The drug's rows: the tablets (and their powder) or the powder, and the stock's
        aliquot when there is one."""
        plan, src = self.plan, self.order.source
        lot, expiry = src.lot or BLANK, _day(src.expiry) or BLANK
        ndc = f"; NDC {src.ndc}" if src.ndc else ""
        maker = f" ({src.manufacturer})" if src.manufacturer else ""
        stock = plan.stock_solution
        for_stock = " for stock 1" if stock else ""
        if src.powder:
            powder = stock[0].powder if stock else plan.tablet_powder
            rows = [["Active", f"{src.product_name}{maker}{ndc}, weighed{for_stock}: certificate "
                               f"of analysis assay {assay_stated(src)}; assay as is used "
                               f"{assay_used(src)}", active.quantity,
                     self.mg(powder or Fraction(0)), lot, expiry]]
        else:
            tablets = (stock[0].tablets or 0) if stock else plan.tablets
            rows = [["Active", f"{src.product_name}, {src.release} release{maker}{ndc}"
                               f"{for_stock}", active.quantity,
                     count(tablets, "tablet"), lot, expiry]]
            if plan.method in ("whole_tablets", "exact_portion") and plan.tablet_powder:
                weigh = "weigh out" if plan.method == "exact_portion" else "all of it"
                rows.append(["", f"Tablet powder ({weigh}); measured average tablet weight "
                                 f"W = {tablet_weight(src)} mg", "",
                             self.mg(plan.tablet_powder), "—", "—"])
        if stock:
            last = stock[-1]
            rows.append(["", f"Stock {last.stage} ({show(last.concentration)} mg/mL), aliquot "
                             f"for the batch", "",
                         f"{ml(last.aliquot)} = {show(plan.drug_total)} mg",
                         f"{self.lot}-S{last.stage}", "—"])
        return rows

    def amount(self, x: IngredientAmount) -> str:
        """An ingredient's amount for the batch: weighed to the balance's readability (the
        exact amount beside it when it differs), measured in mL, or made to volume."""
        if x.unit == "to volume" or x.amount is None:
            return f"to {ml(self.plan.batch_volume)}"
        if x.unit == "mL":
            return ml(x.amount)
        weighed = self.mg(x.amount)
        exact = f"{show(x.amount)} mg"
        return weighed if weighed == exact else f"{weighed} ({exact})"

    def lot_of(self, name: str) -> tuple[str | None, date | None]:
        """The lot and expiry the order gives for the record's ingredient ``name`` (matched
        by name, either way round, whatever the case)."""
        wanted = name.casefold()
        for given in self.order.ingredients:
            have = given.name.casefold()
            if have in wanted or wanted in have:
                return given.lot, given.expiry
        return None, None

    def stock(self) -> list[object]:
        """The stock's stages: what goes in, the volume it is made to, its concentration and
        the aliquot taken from it."""
        stages = self.plan.stock_solution
        if not stages:
            return []
        what = "suspension" if self.plan.kind == "suspension" else "solution"
        head = ["Stage", "Made from", "Made to", "Concentration", "Aliquot taken", "Actual"]
        rows = []
        for stage in stages:
            if stage.tablets:
                source = f"{count(stage.tablets, 'tablet')} ({show(stage.drug)} mg)"
            elif stage.powder is not None:
                source = f"{self.mg(stage.powder)} of powder ({show(stage.drug)} mg)"
            else:
                source = f"{ml(stage.aliquot_in or Fraction(0))} of stock {stage.stage - 1} " \
                         f"({show(stage.drug)} mg)"
            into = "stock " + str(stage.stage + 1) if stage is not stages[-1] else "the batch"
            rows.append([f"Stock {stage.stage}, lot {self.lot}-S{stage.stage}", source,
                         ml(stage.volume), f"{show(stage.concentration)} mg/mL",
                         f"{ml(stage.aliquot)} into {into}"])
        body = [[self.p(v) for v in row] + [self.p("")] for row in rows]
        return [KeepTogether([
            self.p(f"Stock {what}", self.s.heading),
            _grid([[self.p(h, self.s.cell_bold) for h in head], *body],
                  [w * inch for w in (1.5, 1.7, 0.75, 1.0, 1.45, 0.9)])])]

    def procedure(self) -> list[object]:
        steps = [
            "Check each ingredient against this record: identity, lot, expiry; record the "
            "lots, expiries and actual amounts and initial.",
            source_check(self),
            *portion_steps(self, self.form.preparation(self.w, self.lot, self.mg)),
        ]
        items: list[object] = [self.p("Procedure", self.s.heading)]
        items += [self.p(f"{i}. {t}", self.s.body) for i, t in enumerate(steps, start=1)]
        return [_Together(items)]

    def quality(self) -> list[object]:
        """The checks of the finished liquid, each with a blank for what is found."""
        rows = [[self.p(h, self.s.cell_bold) for h in ("Check", "Found", "Initials")]]
        for line in self.form.quality_control(self.plan):
            rows.append([self.p(line), self.p(_found(line)), self.p("")])
        return [KeepTogether([self.p("Quality control", self.s.heading),
                              _grid(rows, [w * inch for w in (4.6, 1.9, 0.8)])])]

    def release_rows(self, bud: str, found: str, made: str) -> list[tuple[str, str]]:
        """BUD with its rationale, storage, container, description (``found``: as found) and
        yield (``made``: the final volume made)."""
        plan, record = self.plan, self.record
        return [
            ("Beyond-use date", bud),
            ("Storage", plan.storage),
            ("Container", record.container_closure),
            ("Physical description", f"{record.physical_description}{found}"),
            ("Yield", f"Batch volume {ml(plan.batch_volume)}; {made}; dispensed "
                      f"{ml(plan.volume)}"),
        ]

    def release(self) -> list[object]:
        table = self.pairs(self.release_rows(
            bud_line(self.w.beyond_use_date, self.w.beyond_use_rationale, self.w),
            f". As found: {BLANK}", f"final volume {BLANK} mL"))
        return [KeepTogether([self.p("Release", self.s.heading), table, Spacer(1, 4),
                              self.signature_lines()])]


def _found(check: str) -> str:
    """The blank for what the bench finds on a quality control line."""
    if check.startswith("Final volume"):
        return f"{BLANK} mL"
    if check.startswith("pH"):
        return f"pH {BLANK}"
    if check.startswith("Dispensed"):
        return f"{BLANK} mL in the bottle"
    return f"{BLANK} pass / fail"


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def build_liquid_worksheet(worked: LiquidWorked, profile: Profile) -> bytes:
    """The worksheet PDF of a worked-out oral liquid; invariant mode: same input, same
    bytes."""
    return build(_LiquidWorksheet(worked, profile), profile)
