"""The batch worksheet: the compounding record the bench works from (domain.md §6, USP <795>).

Its sections, in the order the bench uses them: the header, the components, the procedure with
its geometric-dilution tables, the calculations, quality control, the findings and the release;
and :func:`build`, which makes the PDF of it or of the executed record (:mod:`.executed`). The
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

import io
from fractions import Fraction
from typing import Any, cast

from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import (
    CondPageBreak,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from compounding.bench.labeling import STORAGE, drug_line
from compounding.bench.lots import lot_number
from compounding.display import count, show, weighing
from compounding.forms import form_of
from compounding.formulation.derivation import FILL_BASIS_NAMES, explain
from compounding.formulation.dilution import geometric_dilution
from compounding.plan import Worked, plan_of
from compounding.profile import Profile
from compounding.screening.findings import Acknowledgement, Finding
from compounding.screening.wording import finding_line, finding_title, method_name, shell_name

from .. import __name__ as _package
from .escaping import esc
from .pages import numbered_canvas
from .printable import check
from .source_table import (
    bud_line,
    formula_line,
    source_check,
    source_note,
    source_rows,
)
from .tables import _Cell, _grid, _styles, _Together

CONTAINER = "Tight, light-resistant container (amber vial with child-resistant closure)"
MARGIN = 0.6 * inch
BLANK = "________"


class _Worksheet:
    """The batch worksheet of a worked-out batch, section by section (the executed record is
    one too, :class:`.executed._Executed`)."""

    def __init__(self, worked: Worked, profile: Profile) -> None:
        self.w, self.profile, self.s = worked, profile, _styles()
        self.order, self.batch = worked.order, worked.batch
        self.plan = plan_of(worked)
        self.lot = lot_number(self.order, worked.compounded_on)
        self.step = profile.balance.readability
        self.width = letter[0] - 2 * MARGIN

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph | _Cell | str:
        """A paragraph of plain (user or program) text, escaped here, once; without a style
        (or in the bold cell style) a table cell for :func:`_grid` to lay out. An empty cell
        stays an empty string, which a table draws as nothing."""
        if not text:
            return ""
        if style is None or style is self.s.cell_bold:
            return _Cell(text, bold=style is not None)
        return Paragraph(esc(text), style)

    def markup(self, markup: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of this module's own markup (user parts already passed through esc)."""
        return Paragraph(markup, style or self.s.small)

    def mg(self, value: Fraction) -> str:
        """An amount to weigh, to the balance's readability; 10 g and more in g."""
        return weighing(value, self.step)

    def story(self) -> list[object]:
        """The worksheet in the order the bench uses it: what it is and with what, the
        procedure as one block, then the calculations that check its numbers, QC, findings and
        release (tracker issue 23)."""
        return [*self.header(), *self.components(), *self.procedure(), *self.calculations(),
                *self.quality(), *self.findings(), *self.release()]

    title = "Compounding record"

    def header(self) -> list[object]:
        pharmacy = self.profile.pharmacy
        table = self.pairs(self.header_rows())
        where = " · ".join(x for x in (pharmacy.name, pharmacy.address, pharmacy.phone) if x)
        heading = [self.p(f"{self.title}: {drug_line(self.plan)}", self.s.title)]
        if where:  # a profile may not name the pharmacy yet; its worksheet names no one
            heading.append(self.p(where, self.s.body))
        return [*heading, Spacer(1, 6), table]

    def header_rows(self) -> list[tuple[str, str]]:
        o = self.order
        patient = o.patient
        who = patient.name if patient and patient.name else "—"
        if patient and patient.date_of_birth:
            who += f" (born {patient.date_of_birth.isoformat()})"
        prescriber = o.prescriber.name if o.prescriber and o.prescriber.name else "—"
        if o.prescriber and o.prescriber.npi:
            prescriber += f" (NPI {o.prescriber.npi})"
        b = self.batch
        rows = [
            ("Preparation", drug_line(self.plan)),
            ("Dosage form", f"Hard capsule, size {o.capsule.size}, {shell_name(o.capsule.shell)} "
                            f"shell; immediate release; oral"),
            ("Formula", f"{formula_line(self.w.mfr)}; method: {method_name(b.method)}"),
            ("Lot number", self.lot),
            ("Rx number", o.rx_number or "—"),
            ("Compounding date", f"{self.w.compounded_on.isoformat()}   time: {BLANK}"),
            ("Patient", who),
            ("Prescriber", prescriber),
            ("Directions", self.plan.directions),
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
        rows.append([f"Capsule shells: size {cap.size}, {shell_name(cap.shell)}", None, cap.lot,
                     cap.expiry, count(b.capsules_to_fill, "capsule")])
        head = ["Component", "Manufacturer", "Lot", "Expiry", "Theoretical", "Actual",
                "Initials"]
        body = [[self.p(str(v) if v else "—") for v in row] + [self.p(""), self.p("")]
                for row in cast(list[list[object]], rows)]
        widths = [2.15, 1.05, 0.8, 0.85, 0.85, 0.8, 0.8]
        return [self.p("Components", self.s.heading),
                _grid([[self.p(h, self.s.cell_bold) for h in head], *body],
                      [w * inch for w in widths])]

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
                f" Exact values are shown to 0.001 mg; weighings are rounded to the balance "
                f"readability ({show(self.step)} mg).")
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
            *form_of(self.order.form).preparation(self.w, self.lot, self.mg),
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
            f"{self.mg(b.fill_weight_max)}).",
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

    def findings(self) -> list[object]:
        return self.finding_table("Findings",
                                  [(f, f.acknowledgement) for f in self.w.findings])

    def finding_table(self, heading: str,
                      findings: list[tuple[Finding, Acknowledgement | None]]) -> list[object]:
        """Findings with their acknowledgements (or the blank a pharmacist fills in)."""
        items: list[object] = [self.p(heading, self.s.heading)]
        if not findings:
            return [*items, self.p("None.", self.s.body)]
        rows = [[self.p(h, self.s.cell_bold) for h in ("Severity and finding", "Details",
                                                        "Acknowledgement")]]
        for f, acknowledgement in findings:
            if acknowledgement:
                ack = f"Acknowledged by {acknowledgement.pharmacist}: {acknowledgement.reason}"
            elif f.severity.value == "critical":
                ack = "NOT ACKNOWLEDGED: no label may be printed"
            else:
                ack = "Pharmacist initials: ______"
            rows.append([self.markup(f"<b>{esc(f.severity.value.upper())}</b><br/>"
                                     f"{esc(_capital(finding_title(f.code)))}"),
                         self.p(finding_line(f.field, f.message)), self.p(ack)])
        return [*items, _grid(rows, [w * inch for w in (1.95, 3.4, 1.95)])]

    def pairs(self, rows: list[tuple[str, str]]) -> Table:
        """A two-column table of names and values."""
        return _grid([[self.p(k, self.s.cell_bold), self.p(v)] for k, v in rows],
                     [1.5 * inch, self.width - 1.5 * inch], header=False)

    def release_rows(self, bud: str, found: str, made: str) -> list[tuple[str, str]]:
        """BUD with its rationale, storage, container, description (``found``: as found) and
        yield (``made``: the capsules actually made)."""
        b, o = self.batch, self.order
        return [
            ("Beyond-use date", bud),
            ("Storage", STORAGE),
            ("Container", CONTAINER),
            ("Physical description", f"Size {o.capsule.size} {shell_name(o.capsule.shell)} "
                                     f"capsules filled with a white to off-white powder{found}"),
            ("Yield", f"Theoretical {count(b.capsules_to_fill, 'capsule')}; {made}; "
                      f"dispensed {b.capsules_dispensed}"),
        ]

    def release(self) -> list[object]:
        table = self.pairs(self.release_rows(
            bud_line(self.w.beyond_use_date, self.w.beyond_use_rationale, self.w),
            f". As found: {BLANK}", f"actual {BLANK}"))
        signatures = _grid([[self.p("Prepared by", self.s.cell_bold), self.p(""),
                             self.p("Date and time", self.s.cell_bold), self.p("")],
                            [self.p("Verified by (pharmacist)", self.s.cell_bold), self.p(""),
                             self.p("Date and time", self.s.cell_bold), self.p("")]],
                           [w * inch for w in (1.5, 2.7, 1.0, 2.1)], header=False)
        signatures.setStyle(TableStyle([("TOPPADDING", (0, 0), (-1, -1), 9),
                                        ("BOTTOMPADDING", (0, 0), (-1, -1), 9)]))
        # 4 pt above the signatures (8 before the BUD row gave the record's rationale): the
        # release still ends page 2 of the very-low sample, a page more otherwise
        return [KeepTogether([self.p("Release", self.s.heading), table, Spacer(1, 4),
                              signatures])]


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def build(sheet: _Worksheet, profile: Profile, bench: Any = None) -> bytes:
    """The PDF of a worksheet or record; invariant mode: same input, same bytes. Refused
    (``CHARACTER_NOT_PRINTABLE``) before anything is drawn when no font here prints a
    character of the order, the pharmacy's details or the ``bench`` entry."""
    check(sheet.order, profile, bench, label=False)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=letter, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, invariant=1, title=f"{sheet.title} {sheet.lot}",
        author=profile.pharmacy.name or "", subject=drug_line(sheet.plan), creator=_package)
    footer = (f"{sheet.title} · Lot {sheet.lot} · Rx {sheet.order.rx_number or '—'} · "
              f"{drug_line(sheet.plan)}")
    document.build(sheet.story(), canvasmaker=numbered_canvas(footer, MARGIN))
    return buffer.getvalue()


def build_worksheet(worked: Worked, profile: Profile) -> bytes:
    """The worksheet PDF of a worked-out batch; invariant mode: same input, same bytes."""
    return build(_Worksheet(worked, profile), profile)
