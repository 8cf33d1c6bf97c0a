"""The executed compounding record: the kept record of one batch as the bench made it
(domain.md §13; USP <795> 2023 compounding record).

The blank worksheet's header and calculations, then everything the bench entered: the actual
amounts with the lots and expiries used, every capsule's net weight with its flag, the strength
made with its working, the plan's and the bench's findings with their signed acknowledgements,
the BUD worked out again from the lots used, the signatures with their meaning and time, and
the record's history. User strings reach Paragraphs through :func:`esc` once (the base class).
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import cast
from zoneinfo import ZoneInfo

from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, Spacer

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
from compounding.display import count, show
from compounding.plan import Worked
from compounding.profile import Profile
from compounding.screening.wording import printed_text

from .source_table import bud_line, executed_source_rows, percent
from .tables import _grid
from .worksheet import _Worksheet, build

WEIGHT_COLUMNS = 3  # each flag column holds “OUT OF RANGE” at 9 pt without reaching the next
"""Capsule weights print in this many column groups."""


class _Executed(_Worksheet):
    title = "Executed compounding record"

    def __init__(self, worked: Worked, profile: Profile, executed: Executed) -> None:
        super().__init__(worked, profile)
        self.x = executed
        self.lot = executed.lot

    def local(self, at: datetime) -> str:
        """A time in the pharmacy's own zone (the profile's), as its people read it:
        ``2026-11-22 10:00 CST``; the API keeps UTC."""
        return _moment(at.astimezone(ZoneInfo(self.profile.settings.time_zone)))

    def story(self) -> list[object]:
        return [*self.header(), *self.components(), *self.calculations(), *self.quality(),
                *self.findings(), *self.release(), *self.history()]

    def header_rows(self) -> list[tuple[str, str]]:
        x = self.x
        replaced = {
            "Compounding date": f"{x.compounded_on.isoformat()} (bench work at "
                                f"{self.local(x.bench.compounded_at)})",
            "Beyond-use date": f"{x.beyond_use_date.isoformat()} (worked out from the lots used)",
        }
        rows = [(k, replaced.get(k, v)) for k, v in super().header_rows()]
        return [*rows, ("Status", x.status)]

    def components(self) -> list[object]:
        o, b, e = self.order, self.batch, self.x.bench
        fil, cap = o.filler, o.capsule
        source = executed_source_rows(self)
        rows = [
            *source,
            [f"Filler: {fil.name}{', ' + fil.grade if fil.grade else ''}", None, e.filler_lot,
             e.filler_expiry, self.mg(b.filler_total), f"{show(e.filler_actual)} mg"],
            [f"Capsule shells: size {cap.size}, {cap.shell}", None, e.capsule_lot,
             e.capsule_expiry, count(b.capsules_to_fill, "capsule"),
             count(e.capsules_made, "capsule") + " made"],
        ]
        if b.trituration is not None:
            rows[len(source):len(source)] = self.trituration_rows()
        head = ["Component", "Manufacturer", "Lot used", "Expiry", "Theoretical", "Actual"]
        body = [[self.p(str(v) if v else "—") for v in row]
                for row in cast(list[list[object]], rows)]
        widths = [2.3, 1.05, 0.95, 0.85, 1.0, 1.15]
        return [self.p("Components as used", self.s.heading),
                _grid([[self.p(h, self.s.cell_bold) for h in head], *body],
                      [w * inch for w in widths])]

    def trituration_rows(self) -> list[list[object]]:
        """Each trituration weighing, planned and as made."""
        t, made = self.batch.trituration, self.x.bench.trituration
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
                     self.mg(t.aliquot), _mg(self.x.bench.aliquot_actual)])
        return rows

    def quality(self) -> list[object]:
        b, e = self.batch, self.x.bench
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
        e = self.x.bench
        mean, rsd = weight_statistics(list(e.capsule_weights))
        aside = set_aside(e, self.plan)
        return (f"Mean net weight {mean:.1f} mg; relative standard deviation {rsd:.1f} %; "
                f"{count(aside, 'capsule')} set aside outside the range; "
                f"{e.capsules_made - aside} dispensable.")

    def strength(self) -> list[object]:
        e, made = self.x.bench, self.x.strength_made
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

    def findings(self) -> list[object]:
        bench = [(f, self.x.acknowledgement_of(f)) for f in self.x.findings]
        return [*super().findings(),
                *self.finding_table("Findings at the bench", bench)]

    def release(self) -> list[object]:
        x = self.x
        table = self.pairs(self.release_rows(
            bud_line(x.beyond_use_date, x.beyond_use_rationale, self.w), "",
            f"made {x.bench.capsules_made}"))
        signed = [[self.p(h, self.s.cell_bold) for h in ("Signed by", "Licence", "Meaning",
                                                          "Time")]]
        signed += [[self.p(s.name), self.p(s.licence or "—"), self.p(printed_text(s.meaning)),
                    self.p(self.local(s.at))] for s in x.signatures]
        signatures = (_grid(signed, [w * inch for w in (1.9, 1.1, 2.9, 1.4)])
                      if x.signatures else self.p("No signatures yet.", self.s.body))
        return [KeepTogether([self.p("Release", self.s.heading), table]),
                KeepTogether([self.p("Signatures", self.s.heading), signatures])]

    def history(self) -> list[object]:
        rows = [[self.p(h, self.s.cell_bold) for h in ("#", "Step", "Status after", "Who",
                                                        "Time", "Why")]]
        rows += [[str(s.number), s.action, s.status, self.p(s.author or "—"),
                  self.p(self.local(s.at)), self.p(s.reason)] for s in self.x.history]
        return [self.p("History", self.s.heading),
                _grid(rows, [w * inch for w in (0.35, 1.2, 0.95, 1.5, 1.3, 2.0)])]


def _moment(at: datetime) -> str:
    """A time as a person reads it: ``2026-11-22 10:00 UTC``, ``2026-11-22 04:00 CST``, or with
    its offset when its zone has no abbreviation (``UTC−06:00``)."""
    offset = at.utcoffset()
    if not offset:
        return f"{at:%Y-%m-%d %H:%M} UTC"
    zone = at.tzname()
    if zone and not zone.startswith(("+", "-", "UTC")):
        return f"{at:%Y-%m-%d %H:%M} {zone}"
    seconds = int(offset.total_seconds())
    sign, minutes = ("−" if seconds < 0 else "+"), abs(seconds) // 60
    return f"{at:%Y-%m-%d %H:%M} UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _mg(mass: Fraction | None) -> str:
    return f"{show(mass)} mg" if mass is not None else "—"


def build_executed(worked: Worked, profile: Profile, executed: Executed) -> bytes:
    """The executed compounding record PDF; invariant mode: same record, same bytes."""
    return build(_Executed(worked, profile, executed), profile, executed.bench)
