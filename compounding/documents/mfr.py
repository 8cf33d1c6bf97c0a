"""The inspector's copy of one version of a master formulation record, as a PDF (USP <795>,
revision official 1 Nov 2023: the master formulation record).

Every item of the record, in the order a compounder reads it: what it is, the ingredients with
their roles, grades and amounts, the equipment, the numbered method, the calculations, quality
control, storage with the beyond-use date and its rationale, the label cautions and the
references; then the approval (signer, licence, meaning, time in the pharmacy's time zone) or,
across every page of a draft, "DRAFT — NOT APPROVED"; the version history; and the SHA-256 of
the record's canonical JSON, which shows it never changed. The words are those of the
formulary's pages (:mod:`.mfr_text`); every user string reaches a Paragraph through
:func:`.escaping.esc` once, or a table cell through :func:`.tables._grid`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from compounding.formulary import FormularyEntry
from compounding.profile import DEFAULT_PROFILE, Profile

from .escaping import esc
from .fonts import register
from .mfr_text import (
    DRAFT_MARK,
    ROLE_NAMES,
    STATUS_NAMES,
    approval_rows,
    beyond_use,
    identification,
    moment,
    quality_control,
    quantity,
    status_line,
)
from .pages import numbered_canvas
from .tables import _Cell, _grid, _styles, _Together

MARGIN = 0.6 * inch
WIDTH = letter[0] - 2 * MARGIN
LABEL_WIDTH = 1.9 * inch


class _Record:
    """The PDF of ``entry``, with the record's other versions in ``history``."""

    def __init__(self, entry: FormularyEntry, history: Sequence[FormularyEntry],
                 profile: Profile) -> None:
        self.entry, self.mfr, self.profile = entry, entry.mfr, profile
        self.history = sorted({e.mfr.version: e for e in [*history, entry]}.values(),
                              key=lambda e: e.mfr.version)
        self.zone = profile.settings.time_zone
        self.s = _styles()
        self.item = ParagraphStyle("item", parent=self.s.body, leftIndent=16, bulletIndent=0,
                                   bulletFontName=register()[0], bulletFontSize=8.5,
                                   spaceAfter=2)

    def p(self, text: str, style: ParagraphStyle | None = None) -> Paragraph:
        """A paragraph of plain text, escaped here, once."""
        return Paragraph(esc(text), style or self.s.body)

    def heading(self, text: str) -> Paragraph:
        return self.p(text, self.s.heading)

    def pairs(self, rows: list[tuple[str, str]]) -> object:
        """Label-value rows as a two-column table."""
        return _grid([[_Cell(label, bold=True), _Cell(value or "—")] for label, value in rows],
                     [LABEL_WIDTH, WIDTH - LABEL_WIDTH], header=False)

    def items(self, title: str, texts: Sequence[str], numbered: bool = True) -> list[object]:
        """A heading and its list, numbered (1., 2., …) or bulleted; "None" when empty."""
        if not texts:
            return [_Together([self.heading(title), self.p("None.")])]
        listed = [Paragraph(esc(text), self.item, bulletText=f"{n}." if numbered else "•")
                  for n, text in enumerate(texts, start=1)]
        return [_Together([self.heading(title), listed[0]]), *listed[1:]]

    def story(self) -> list[object]:
        return [*self.header(), *self.ingredients(),
                *self.items("Equipment", self.mfr.equipment, numbered=False),
                *self.items("Method", self.mfr.method),
                *self.items("Calculations", self.mfr.calculations),
                _Together([self.heading("Quality control"),
                           self.pairs(quality_control(self.mfr))]),
                _Together([self.heading("Storage and beyond-use date"),
                           self.pairs(beyond_use(self.mfr))]),
                *self.items("Label cautions", self.mfr.label_cautions, numbered=False),
                *self.items("References", self.mfr.references),
                *self.approval(), *self.versions(), *self.digest()]

    def header(self) -> list[object]:
        pharmacy = self.profile.pharmacy
        where = " · ".join(x for x in (pharmacy.name, pharmacy.address, pharmacy.phone) if x)
        heading: list[object] = [
            self.p(f"Master formulation record: {self.mfr.name}", self.s.title)]
        if where:
            heading.append(self.p(where, self.s.body))
        heading += [self.p(f"{self.mfr.id}, version {self.mfr.version}. "
                           f"{status_line(self.entry, self.history)}.", self.s.heading),
                    Spacer(1, 4), self.pairs(identification(self.mfr))]
        return heading

    def ingredients(self) -> list[object]:
        head: list[object] = [_Cell(h, bold=True)
                              for h in ("Role", "Ingredient", "Grade", "Quantity")]
        rows: list[list[object]] = [
            [_Cell(ROLE_NAMES[i.role]), _Cell(i.name), _Cell(i.grade), _Cell(quantity(i))]
            for i in self.mfr.ingredients]
        widths = [0.95 * inch, WIDTH - 3.75 * inch, 0.6 * inch, 2.2 * inch]
        return [_Together([self.heading("Ingredients"), _grid([head, *rows], widths)])]

    def approval(self) -> list[object]:
        return [_Together([self.heading("Approval"),
                           self.pairs(approval_rows(self.entry, self.zone))])]

    def versions(self) -> list[object]:
        head: list[object] = [_Cell(h, bold=True) for h in (
            "Version", "Status", "Approved by", "Licence", "Signed", "SHA-256")]
        rows: list[list[object]] = []
        for e in self.history:
            signed = e.approval
            rows.append([_Cell(str(e.mfr.version)), _Cell(STATUS_NAMES[e.status]),
                         _Cell(signed.name if signed else "—"),
                         _Cell(signed.licence or "—" if signed else "—"),
                         _Cell(moment(signed.at, self.zone) if signed else "—"),
                         _Cell(e.digest[:16] + "…")])
        widths = [0.7 * inch, 1.4 * inch, 1.55 * inch, 0.95 * inch, 1.3 * inch]
        widths.append(WIDTH - sum(widths))
        return [_Together([self.heading("Version history"), _grid([head, *rows], widths)])]

    def digest(self) -> list[object]:
        return [_Together([
            self.heading("Fingerprint"),
            self.p("SHA-256 of this version's content (its canonical JSON): any change to the "
                   "record changes it.", self.s.small),
            self.p(self.entry.digest, self.s.body)])]

    def mark(self, canvas: Canvas, _document: object) -> None:
        """"DRAFT — NOT APPROVED" across the page of a draft (drawn, never parsed)."""
        if self.entry.status != "draft":
            return
        _, bold = register()
        canvas.saveState()
        canvas.setFillColor(colors.Color(0.75, 0.1, 0.1, alpha=0.18))
        canvas.setFont(bold, 54)
        canvas.translate(letter[0] / 2, letter[1] / 2)
        canvas.rotate(55)
        canvas.drawCentredString(0, -18, DRAFT_MARK)
        canvas.restoreState()

    def build(self) -> bytes:
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer, pagesize=letter, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
            bottomMargin=MARGIN, title=f"Master formulation record {self.entry.ref}",
            author=self.profile.pharmacy.name or "Compounding workbench")
        status = STATUS_NAMES[self.entry.status]
        footer = (f"{self.mfr.id} version {self.mfr.version} · {status} · "
                  f"SHA-256 {self.entry.digest[:16]}…")
        document.build(self.story(), onFirstPage=self.mark, onLaterPages=self.mark,
                       canvasmaker=numbered_canvas(footer, MARGIN))
        return buffer.getvalue()


def mfr_pdf(entry: FormularyEntry, history: Sequence[FormularyEntry] = (),
            profile: Profile | None = None) -> bytes:
    """The PDF of one version of a master formulation record: ``entry`` (its record, status,
    approval and digest), with ``history``, every version of the same record (its version
    history; ``entry`` is added when missing), and ``profile``, the pharmacy's name and time
    zone (the default profile when none)."""
    return _Record(entry, history, profile or DEFAULT_PROFILE).build()
