"""The executed compounding record: the kept record of one batch as the bench made it
(domain.md §13; USP <795> 2023 compounding record).

The blank worksheet's header and calculations, then everything the bench entered: the actual
amounts with the lots and expiries used, every capsule's net weight with its flag, the strength
made with its working; then what every executed record shares (:mod:`.record`): the plan's and
the bench's findings with their signed acknowledgements, the BUD worked out again from the lots
used, the signatures with their meaning and time, and the record's history. User strings reach
Paragraphs through :func:`esc` once (the base class).
"""

from __future__ import annotations

from fractions import Fraction
from typing import cast

from reportlab.lib.units import inch
from reportlab.platypus import Spacer

from compounding.bench.execution import Executed
from compounding.bench.reconciliation import (
    blend_mass,
    concentrations,
    drug_in_blend,
    outside_range,
    powder_strength,
    set_aside,
    weight_statistics,
)
from compounding.bench.results import BenchEntry
from compounding.display import count, show
from compounding.plan import Worked
from compounding.profile import Profile

from .equipment_blocks import bench_equipment, cell, with_balances
from .record import ExecutedRecord
from .sheet import build
from .source_table import executed_source_rows, percent
from .tables import _grid
from .worksheet import _Worksheet

WEIGHT_COLUMNS = 3  # each flag column holds “OUT OF RANGE” at 9 pt without reaching the next
"""Capsule weights print in this many column groups."""


class _Executed(ExecutedRecord, _Worksheet):
    """The executed record of a capsule batch: its components as used, every capsule's net
    weight and the strength made."""

    w: Worked
    bench: BenchEntry

    def story(self) -> list[object]:
        return [*self.header(), *self.components(), *self.calculations(), *self.quality(),
                *bench_equipment(self), *self.findings(), *self.release(), *self.history()]

    def made(self) -> str:
        return f"made {self.bench.capsules_made}"

    def components(self) -> list[object]:
        o, b, e = self.order, self.batch, self.bench
        fil, cap = o.filler, o.capsule
        source = executed_source_rows(self)
        rows = [
            *source,
            [f"Filler: {fil.name}{', ' + fil.grade if fil.grade else ''}", None, e.filler_lot,
             e.filler_expiry, self.mg(b.filler_total), f"{show(e.filler_actual)} mg"],
            [f"Capsule shells: size {cap.size}, {self.shell}", None, e.capsule_lot,
             e.capsule_expiry, count(b.capsules_to_fill, "capsule"),
             count(e.capsules_made, "capsule") + " made"],
        ]
        if b.trituration is not None:
            rows[len(source):len(source)] = self.trituration_rows()
        head = ["Component", "Manufacturer", "Lot used", "Expiry", "Theoretical", "Actual"]
        body = [[cell(self, v) for v in row]
                for row in with_balances(self, cast(list[list[object]], rows), 4)]
        widths = ([1.85, 1.0, 0.85, 0.8, 1.75, 1.05] if self.scales.named
                  else [2.3, 1.05, 0.95, 0.85, 1.0, 1.15])
        return [self.p("Components as used", self.s.heading),
                _grid([[self.p(h, self.s.cell_bold) for h in head], *body],
                      [w * inch for w in widths])]

    def trituration_rows(self) -> list[list[object]]:
        """Each trituration weighing, planned and as made."""
        t, made = self.batch.trituration, self.bench.trituration
        assert t is not None
        rows: list[list[object]] = []
        for index, stage in enumerate(t.stages):
            entered = made[index] if index < len(made) else None
            if index:
                rows.append([f"Trituration 1 taken for trituration {stage.number}", None, None,
                             None, self.mg(stage.taken),
                             _mg(entered.taken if entered else None)])
            rows.append([f"Filler for trituration {stage.number} "
                         f"({show(stage.concentration)} mg/g)", None, None, None,
                         self.mg(stage.filler) if stage.filler else "none",
                         _mg(entered.filler if entered else None)])
        rows.append([f"Aliquot of trituration {len(t.stages)} for the batch", None, None, None,
                     self.mg(t.aliquot), _mg(self.bench.aliquot_actual)])
        return rows

    def quality(self) -> list[object]:
        b, e = self.batch, self.bench
        low, high = b.fill_weight_min, b.fill_weight_max
        cells = [(str(i + 1), f"{show(w)}", "OUT OF RANGE" if outside else "in range")
                 for i, (w, outside) in enumerate(zip(e.capsule_weights,
                                                      outside_range(e, self.plan), strict=True))]
        per_column = -(-len(cells) // WEIGHT_COLUMNS)
        rows: list[list[object]] = [["Capsule", "Net (mg)", "Flag"] * WEIGHT_COLUMNS]
        for r in range(per_column):  # program text only: plain table strings, not parsed
            row: list[object] = []
            for c in range(WEIGHT_COLUMNS):
                i = c * per_column + r
                row += cells[i] if i < len(cells) else ("", "", "")
            rows.append(row)
        items: list[object] = [
            self.p("Quality control, as weighed", self.s.heading),
            self.p(f"Acceptance range 90-110 % of w = {self.mg(b.fill_weight)}: "
                   f"{self.mg(low)} to {self.mg(high)} net; "
                   f"{count(len(cells), 'capsule')} weighed of {e.capsules_made} made.",
                   self.s.body),
            self.p(self._spread(), self.s.body),
            Spacer(1, 3),
            _grid(rows, [w * inch for w in (0.55, 0.6, 0.95) * WEIGHT_COLUMNS]),
        ]
        return [*items, *self.strength()]

    def _spread(self) -> str:
        """Mean, relative standard deviation, capsules set aside and dispensable (§21)."""
        e = self.bench
        mean, rsd = weight_statistics(list(e.capsule_weights))
        aside = set_aside(e, self.plan)
        return (f"Mean net weight {mean:.1f} mg; relative standard deviation {rsd:.1f} %; "
                f"{count(aside, 'capsule')} set aside outside the range; "
                f"{e.capsules_made - aside} dispensable.")

    def strength(self) -> list[object]:
        e, made = self.bench, self.x.strength_made
        if made is None:
            return [self.p("Strength made: not worked out for this record (kept before bench "
                           "results were reconciled).", self.s.body)]
        drug, blend = drug_in_blend(e, self.plan, self.order), blend_mass(e, self.plan)
        mean = sum(e.capsule_weights, Fraction(0)) / len(e.capsule_weights)
        d, p = self.plan.strength, self.plan.tablet_powder_per_capsule
        powder = self.order.source.powder
        # naltrexone HCl per mg of powder weighed: the assay as is (d ÷ p) for API powder
        assay = powder_strength(e, self.plan, self.order) if powder else None
        if self.plan.method == "trituration":
            made_c = concentrations(e, self.plan, self.order)
            stages = "; ".join(f"c{i + 1} as made = {show(c)} mg/g"
                               for i, c in enumerate(made_c))
            if assay is not None:
                p1 = e.tablet_powder_actual
                stages = (f"drug in trituration 1 = naltrexone HCl powder weighed × assay as "
                          f"is = {show(p1)} mg × {percent(assay)} = {show(p1 * assay)} mg; "
                          f"{stages}")
            drug_text = (f"{stages}; drug = {show(e.aliquot_actual or 0)} mg aliquot × "
                         f"{show(made_c[-1])} mg/g = {show(drug)} mg")
            start = e.aliquot_actual or 0
        elif assay is not None:
            drug_text = (f"drug = naltrexone HCl powder weighed × assay as is = "
                         f"{show(e.tablet_powder_actual)} mg × {percent(assay)} = "
                         f"{show(drug)} mg")
            start = e.tablet_powder_actual
        elif (measured := e.measured_tablet_weight()) is not None:
            drug_text = (f"drug = {show(e.tablet_powder_actual)} mg powder × "
                         f"{show(self.order.source.strength)} ÷ {show(measured)} (W measured at "
                         f"the bench) = {show(drug)} mg")
            start = e.tablet_powder_actual
        else:
            drug_text = (f"drug = {show(e.tablet_powder_actual)} mg powder × {show(d)} ÷ "
                         f"{show(p)} = {show(drug)} mg")
            start = e.tablet_powder_actual
        working = (f"Strength made = drug in the blend ÷ blend mass × mean capsule net weight: "
                   f"{drug_text}; blend = {show(start)} + "
                   f"{show(e.filler_actual)} = {show(blend)} mg; mean = {show(mean)} mg; "
                   f"strength = {show(drug)} ÷ {show(blend)} × {show(mean)} = {show(made)} mg "
                   f"per capsule, {show(made / d * 100, 1)} % of {show(d)} mg (accept 90-110 %).")
        return [Spacer(1, 4), self.p(working, self.s.body)]

def _mg(mass: Fraction | None) -> str:
    return f"{show(mass)} mg" if mass is not None else "—"


def build_executed(worked: Worked, profile: Profile, executed: Executed) -> bytes:
    """The executed compounding record PDF; invariant mode: same record, same bytes."""
    return build(_Executed(worked, profile, executed), profile, executed.bench)
