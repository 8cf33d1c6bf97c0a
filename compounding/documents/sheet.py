"""What every compounding record shares, whatever its dosage form: the capsule worksheet
(:mod:`.worksheet`), the oral liquid worksheet (:mod:`.liquid_worksheet`) and their executed
records (:mod:`.executed`, :mod:`.liquid_executed`).

:class:`Sheet` holds the batch, its plan and lot, and the pieces each record is built of: a
paragraph or table cell of plain text (escaped here, once, :func:`.escaping.esc`), a mass to the
balance's readability, the heading with the pharmacy, the patient and prescriber lines, a
two-column table, the findings with their acknowledgements and the signature lines;
:func:`build` makes the PDF of any of them (USP <795> 2023: the compounding record).
"""

from __future__ import annotations

import io
from fractions import Fraction
from typing import Any, cast

from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from compounding.bench.lots import lot_number
from compounding.display import weighing
from compounding.orders.models import Order
from compounding.plan import plan_of
from compounding.profile import Profile
from compounding.screening.findings import Acknowledgement, Finding
from compounding.screening.wording import finding_line, finding_title

from .. import __name__ as _package
from .equipment_blocks import Scales
from .escaping import esc
from .pages import numbered_canvas
from .printable import check
from .tables import _Cell, _grid, _styles

MARGIN = 0.6 * inch
BLANK = "________"


class Sheet:
    """A compounding record of one worked-out batch (a capsule ``Worked`` or a
    ``LiquidWorked``), built section by section by a subclass's :meth:`story`."""

    title = "Compounding record"

    def __init__(self, worked: Any, profile: Profile) -> None:
        self.w, self.profile, self.s = worked, profile, _styles()
        self.order = worked.order
        self.plan = plan_of(worked)
        # a provisional lot is a digest of the order's JSON, whatever its form
        self.lot = lot_number(cast(Order, self.order), worked.compounded_on)
        self.step = profile.balance.readability
        self.scales = Scales(self.plan, profile)
        self.width = letter[0] - 2 * MARGIN

    @property
    def product(self) -> str:
        """The preparation in words, for the title and the footer of every page."""
        raise NotImplementedError

    def story(self) -> list[object]:
        """The record's flowables, in the order the bench uses them."""
        raise NotImplementedError

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
        """An amount to weigh, to the readability of the balance that weighs it (the one
        balance's, when the pharmacy lists none, :class:`.equipment_blocks.Scales`); 10 g and
        more in g."""
        return weighing(value, self.scales.step(value, self.step))

    def header(self) -> list[object]:
        """The title (the record and the preparation), the pharmacy, then the header rows."""
        pharmacy = self.profile.pharmacy
        table = self.pairs(self.header_rows())
        where = " · ".join(x for x in (pharmacy.name, pharmacy.address, pharmacy.phone) if x)
        heading = [self.p(f"{self.title}: {self.product}", self.s.title)]
        if where:  # a profile may not name the pharmacy yet; its worksheet names no one
            heading.append(self.p(where, self.s.body))
        return [*heading, Spacer(1, 6), table]

    def header_rows(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def release_rows(self, bud: str, found: str, made: str) -> list[tuple[str, str]]:
        """The release's rows: the BUD, storage, container, description (``found``: as
        found) and yield (``made``: what was made)."""
        raise NotImplementedError

    def patient_line(self) -> str:
        """The patient's name, with the date of birth when the order gives it."""
        patient = self.order.patient
        who = patient.name if patient and patient.name else "—"
        if patient and patient.date_of_birth:
            who += f" (born {patient.date_of_birth.isoformat()})"
        return str(who)

    def prescriber_line(self) -> str:
        """The prescriber's name, with the NPI when the order gives it."""
        prescriber = self.order.prescriber
        line = prescriber.name if prescriber and prescriber.name else "—"
        if prescriber and prescriber.npi:
            line += f" (NPI {prescriber.npi})"
        return str(line)

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
                         self.p(finding_line(self.field_of(f.field), f.message)),
                         self.p(ack)])
        return [*items, _grid(rows, [w * inch for w in (1.95, 3.4, 1.95)])]

    def field_of(self, field: str) -> str:
        """The field a finding is about, as this form's order names it."""
        return field

    def pairs(self, rows: list[tuple[str, str]]) -> Table:
        """A two-column table of names and values."""
        return _grid([[self.p(k, self.s.cell_bold), self.p(v)] for k, v in rows],
                     [1.5 * inch, self.width - 1.5 * inch], header=False)

    def signature_lines(self) -> Table:
        """Blank lines for who prepared the batch and the pharmacist who verified it, each
        with the date and time."""
        signatures = _grid([[self.p("Prepared by", self.s.cell_bold), self.p(""),
                             self.p("Date and time", self.s.cell_bold), self.p("")],
                            [self.p("Verified by (pharmacist)", self.s.cell_bold), self.p(""),
                             self.p("Date and time", self.s.cell_bold), self.p("")]],
                           [w * inch for w in (1.5, 2.7, 1.0, 2.1)], header=False)
        signatures.setStyle(TableStyle([("TOPPADDING", (0, 0), (-1, -1), 9),
                                        ("BOTTOMPADDING", (0, 0), (-1, -1), 9)]))
        return signatures


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def build(sheet: Sheet, profile: Profile, bench: Any = None) -> bytes:
    """The PDF of a worksheet or record; invariant mode: same input, same bytes. Refused
    (``CHARACTER_NOT_PRINTABLE``) before anything is drawn when no font here prints a
    character of the order, the pharmacy's details or the ``bench`` entry."""
    check(sheet.order, profile, bench, label=False)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=letter, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, invariant=1, title=f"{sheet.title} {sheet.lot}",
        author=profile.pharmacy.name or "", subject=sheet.product, creator=_package)
    footer = (f"{sheet.title} · Lot {sheet.lot} · Rx {sheet.order.rx_number or '—'} · "
              f"{sheet.product}")
    document.build(sheet.story(), canvasmaker=numbered_canvas(footer, MARGIN))
    return buffer.getvalue()

