"""The batch worksheet: the compounding record the bench works from (domain.md §6, USP <795>).

Its sections, in the order the bench uses them: the header, the components, the procedure with
its geometric-dilution tables, the calculations, quality control, the findings and the release.
What every record shares (the heading, the findings, the signature lines, :func:`.sheet.build`,
which makes the PDF of it or of the executed record, :mod:`.executed`) is in :mod:`.sheet`; the
styles and the tables they are drawn with are in :mod:`.tables`.

Every user string reaches a Paragraph through :func:`esc` once; the numbers come from the core
(:mod:`compounding.formulation.derivation`, :mod:`compounding.formulation.dilution`), rounded
here only for display. What it prints is said in plain words (tracker issue 23,
:mod:`compounding.screening.wording`): a finding by its summary and the entry it is about,
counted from 1; a method, a shell in words; the formula by its master formulation record's
name, id and version; never a finding's code, a field path or a reference to the design
documents. The source (tablets crushed or naltrexone HCl powder weighed) and the record are
printed by :mod:`.source_table`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import cast

from reportlab.lib.units import inch
from reportlab.platypus import CondPageBreak, KeepTogether, Spacer

from compounding.bench.labeling import STORAGE, drug_line
from compounding.display import count, show
from compounding.forms import form_of
from compounding.formulation.derivation import FILL_BASIS_NAMES, explain
from compounding.formulation.dilution import geometric_dilution
from compounding.plan import Worked
from compounding.profile import Profile
from compounding.screening.wording import method_name, shell_name

from .equipment_blocks import (
    WITH_BALANCE,
    cell,
    portion_steps,
    rounding_note,
    runs_block,
    runs_note,
    runs_quality,
    with_balances,
)
from .sheet import BLANK, Sheet, build
from .source_table import (
    bud_line,
    formula_line,
    source_check,
    source_note,
    source_rows,
)
from .tables import _grid, _Together

CONTAINER = "Tight, light-resistant container (amber vial with child-resistant closure)"


class _Worksheet(Sheet):
    """The batch worksheet of a worked-out capsule batch, section by section (the executed
    record is one too, :class:`.executed._Executed`); the pieces every record shares are
    :class:`.sheet.Sheet`'s."""

    w: Worked

    def __init__(self, worked: Worked, profile: Profile) -> None:
        super().__init__(worked, profile)
        self.batch = worked.batch

    @property
    def product(self) -> str:
        return drug_line(self.plan)

    @property
    def shell(self) -> str:
        """The shell in words, with a titration kit's colour first: ``blue gelatin``."""
        return coloured_shell(self.order.capsule.shell, self.plan.shell_colour)

    def story(self) -> list[object]:
        """The worksheet in the order the bench uses it: what it is and with what, the
        procedure as one block, then the calculations that check its numbers, QC, findings and
        release (tracker issue 23)."""
        return [*self.header(), *self.components(), *self.procedure(), *runs_block(self),
                *self.calculations(), *self.quality(), *self.findings(), *self.release()]

    def header_rows(self) -> list[tuple[str, str]]:
        o = self.order
        b = self.batch
        rows = [
            ("Preparation", drug_line(self.plan)),
            *([("Capsule", f"size {o.capsule.size}, {self.shell}")]
              if self.plan.shell_colour else []),
            ("Dosage form", f"Hard capsule, size {o.capsule.size}, {self.shell} "
                            f"shell; immediate release; oral"),
            ("Formula", f"{formula_line(self.w.mfr)}; method: {method_name(b.method)}"),
            ("Lot number", self.lot),
            ("Rx number", o.rx_number or "—"),
            ("Compounding date", f"{self.w.compounded_on.isoformat()}   time: {BLANK}"),
            ("Patient", self.patient_line()),
            ("Prescriber", self.prescriber_line()),
            ("Directions", "; ".join(self.plan.kit_steps) if self.plan.kit_steps
             else self.plan.directions),
            ("Quantity", f"{count(b.capsules_dispensed, 'capsule')} dispensed + "
                         f"{b.overage_capsules} overage = {b.capsules_required} required; "
                         f"refills {o.refills}"),
            ("Beyond-use date", self.w.beyond_use_date.isoformat()),
        ]
        return rows

    def components(self) -> list[object]:
        o, b = self.order, self.batch
        fil, cap = o.filler, o.capsule
        filler = f"Filler: {fil.name}{', ' + fil.grade if fil.grade else ''}"
        rows = source_rows(self)
        if b.trituration is None:
            rows.append([filler, None, fil.lot, fil.expiry, self.mg(b.filler_total)])
        else:
            t = b.trituration
            rows += [[f"{filler}, for trituration {s.number}", None, fil.lot, fil.expiry,
                      self.mg(s.filler)] for s in t.stages if s.filler]
            rows += [[f"Trituration 1 ({show(t.stages[0].concentration)} mg/g), taken for "
                      f"trituration 2", None, None, None, self.mg(t.stages[1].taken)]
                     ] if len(t.stages) > 1 else []
            rows += [[f"Trituration {len(t.stages)} ({show(t.concentration)} mg/g), aliquot for "
                      f"the batch", None, None, None, self.mg(t.aliquot)],
                     [f"{filler}, for the batch", None, fil.lot, fil.expiry,
                      self.mg(b.filler_total)]]
        rows.append([f"Capsule shells: size {cap.size}, {self.shell}", None, cap.lot,
                     cap.expiry, count(b.capsules_to_fill, "capsule")])
        head = ["Component", "Manufacturer", "Lot", "Expiry", "Theoretical", "Actual",
                "Initials"]
        body = [[cell(self, v) for v in row] + [self.p(""), self.p("")]
                for row in with_balances(self, cast(list[list[object]], rows), 4)]
        widths = [w * inch for w in (2.15, 1.05, 0.8, 0.85, 0.85, 0.8, 0.8)]
        return [self.p("Components", self.s.heading),
                _grid([[self.p(h, self.s.cell_bold) for h in head], *body],
                      WITH_BALANCE if self.scales.named else widths)]

    def calculations(self) -> list[object]:
        rows = [[self.p(h, self.s.cell_bold) for h in ("", "Quantity", "Formula", "Working",
                                                        "Result")]]
        for step in explain(self.w):
            rows.append([self.p(step.symbol, self.s.cell_bold), self.p(step.name),
                         self.p(step.formula), self.p(step.working), self.p(step.result)])
        basis = FILL_BASIS_NAMES[self.w.basis]
        note = (f"d = {show(self.w.strength)} mg HCl per capsule; {source_note(self)}; "
                f"F = {show(self.w.pack_stat)} mg ({basis}); "
                f"DF = {show(self.order.density_factor)}."
                f" Exact values are shown to 0.001 mg; {rounding_note(self)}")
        return [CondPageBreak(2 * inch), self.p("Calculations", self.s.heading),
                self.p(note, self.s.small),
                Spacer(1, 3),
                _grid(rows, [w * inch for w in (0.38, 1.62, 1.45, 2.35, 1.5)])]

    def procedure(self) -> list[object]:
        b, o = self.batch, self.order
        steps = [
            "Check each component against this record: identity, lot, expiry; record actual "
            "amounts and initial.",
            source_check(self),
            *portion_steps(self, form_of(self.order.form).preparation(self.w, self.lot,
                                                                      self.mg)),
            "Geometric dilution, in the mortar: add the filler in the amounts below, mixing "
            "thoroughly after each addition.",
        ]
        start = b.trituration.aliquot if b.trituration else b.tablet_powder
        dilution = self._dilution(start, b.filler_total)
        # each trituration stage that adds filler gets its own table, after its step
        stage_tables = {2 + i: self._dilution(
            b.tablet_powder if stage.number == 1 else stage.taken, stage.filler)
            for i, stage in enumerate(b.trituration.stages if b.trituration else ())
            if stage.filler}
        after = [
            f"Fill {count(b.capsules_to_fill, 'capsule')} (size {o.capsule.size}), each with "
            f"{self.mg(b.fill_weight)} of blend (range {self.mg(b.fill_weight_min)} to "
            f"{self.mg(b.fill_weight_max)}).{runs_note(self)}",
            "Weigh capsules one by one (quality control, below).",
            f"Package {count(b.capsules_dispensed, 'capsule')} in a tight, light-resistant "
            f"container; label it.",
        ]
        items: list[object] = [self.p("Procedure", self.s.heading)]
        # one block, kept on one page where it fits (a longer one flows on, step by step)
        for i, t in enumerate(steps[:-1]):
            paragraph = self.p(f"{i + 1}. {t}", self.s.body)
            if i in stage_tables:
                items.append(KeepTogether([paragraph, Spacer(1, 2), _grid(
                    stage_tables[i], [0.6 * inch, 1.4 * inch, 1.6 * inch]), Spacer(1, 2)]))
            else:
                items.append(paragraph)
        items.append(KeepTogether([
            self.p(f"{len(steps)}. {steps[-1]}", self.s.body), Spacer(1, 2),
            _grid(dilution, [0.6 * inch, 1.4 * inch, 1.6 * inch]), Spacer(1, 2)]))
        items += [self.p(f"{i}. {t}", self.s.body) for i, t in enumerate(after, len(steps) + 1)]
        return [_Together(items)]

    def _dilution(self, start: Fraction, filler: Fraction) -> list[list[object]]:
        """The geometric-dilution table of ``filler`` [mg] into ``start`` [mg]."""
        rows: list[list[object]] = [[self.p(h, self.s.cell_bold) for h in (
            "Step", "Add filler", "Mixture after step")]]
        mwq = self.profile.balance.minimum_weighable_quantity
        for d in geometric_dilution(start, filler, mwq):
            rows.append([self.p(str(d.number)), self.p(self.mg(d.filler)),
                         self.p(self.mg(d.mixture))])
        return rows

    def quality(self) -> list[object]:
        if self.plan.runs:
            return runs_quality(self)
        b = self.batch
        n = self.plan.capsules_to_weigh
        rows = [[self.p(h, self.s.cell_bold) for h in ("Capsule", "Net weight (mg)",
                                                       "In range?")] * 2]
        half = (n + 1) // 2
        for i in range(half):  # program text only: plain table strings, not parsed
            j = i + half
            rows.append([str(i + 1), "", "yes / no",
                         *((str(j + 1), "", "yes / no") if j < n else ("", "", ""))])
        return [KeepTogether([
            self.p("Quality control", self.s.heading),
            self.p(f"Theoretical fill weight w = {self.mg(b.fill_weight)}; acceptance range "
                   f"90-110 %: {self.mg(b.fill_weight_min)} to {self.mg(b.fill_weight_max)} net "
                   f"(filled capsule minus an empty shell). Weigh {count(n, 'capsule')} one "
                   f"by one; set aside any outside the range.", self.s.body),
            Spacer(1, 3),
            _grid(rows, [w * inch for w in (0.7, 1.3, 1.05) * 2]),
        ])]

    def release_rows(self, bud: str, found: str, made: str) -> list[tuple[str, str]]:
        """BUD with its rationale, storage, container, description (``found``: as found) and
        yield (``made``: the capsules actually made)."""
        b, o = self.batch, self.order
        return [
            ("Beyond-use date", bud),
            ("Storage", STORAGE),
            ("Container", CONTAINER),
            ("Physical description", f"Size {o.capsule.size} {self.shell} "
                                     f"capsules filled with a white to off-white powder{found}"),
            ("Yield", f"Theoretical {count(b.capsules_to_fill, 'capsule')}; {made}; "
                      f"dispensed {b.capsules_dispensed}"),
        ]

    def release(self) -> list[object]:
        table = self.pairs(self.release_rows(
            bud_line(self.w.beyond_use_date, self.w.beyond_use_rationale, self.w),
            f". As found: {BLANK}", f"actual {BLANK}"))
        signatures = self.signature_lines()
        # 4 pt above the signatures (8 before the BUD row gave the record's rationale): the
        # release still ends page 2 of the very-low sample, a page more otherwise
        return [KeepTogether([self.p("Release", self.s.heading), table, Spacer(1, 4),
                              signatures])]


def coloured_shell(shell: str, colour: str | None) -> str:
    """A capsule shell as printed, with a titration kit's colour first.

    >>> coloured_shell("gelatin, blue", "blue"), coloured_shell("HPMC", None)
    ('blue gelatin', 'HPMC')
    """
    if not colour:
        return shell_name(shell)
    said = set(colour.casefold().split())
    base = " ".join(w for w in shell.replace(",", " ").split() if w.casefold() not in said)
    return f"{colour} {shell_name(base)}" if base else f"{colour}"


def build_worksheet(worked: Worked, profile: Profile) -> bytes:
    """The worksheet PDF of a worked-out batch; invariant mode: same input, same bytes."""
    return build(_Worksheet(worked, profile), profile)
