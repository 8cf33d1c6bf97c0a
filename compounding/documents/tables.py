"""The worksheet's type and tables, shared by the batch worksheet (:mod:`.worksheet`) and the
executed record (:mod:`.executed`).

The paragraph styles (DejaVu, :mod:`.fonts`); the grid every table is drawn as, each cell's text
drawn as a plain string (never parsed) when it fits its column on one line, else a Paragraph of
it escaped once (:func:`.escaping.esc`); and a block of flowables kept on one page where it
fits, nested blocks measured at their own height.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table, TableStyle
from reportlab.platypus.flowables import _listWrapOn

from .escaping import esc
from .fallback import needs_fallback
from .fonts import register


class _Styles:
    def __init__(self) -> None:
        regular, bold = register()
        self.body = ParagraphStyle("body", fontName=regular, fontSize=8.5, leading=10.5,
                                   alignment=TA_LEFT)
        self.small = ParagraphStyle("small", parent=self.body, fontSize=7.5, leading=9)
        self.title = ParagraphStyle("title", parent=self.body, fontName=bold, fontSize=14,
                                    leading=17, spaceAfter=2)
        self.heading = ParagraphStyle("heading", parent=self.body, fontName=bold, fontSize=10.5,
                                      leading=13, spaceBefore=8, spaceAfter=3)
        self.cell_bold = ParagraphStyle("cellbold", parent=self.small, fontName=bold)


@cache
def _styles() -> _Styles:
    return _Styles()


@dataclass(frozen=True, slots=True)
class _Cell:
    """The text of a table cell, laid out by :func:`_grid`: drawn as a plain string (never
    parsed) when it fits its column on one line, else a Paragraph of it escaped once."""

    text: str
    bold: bool = False


CELL_SIZE, CELL_LEADING, CELL_PADDING = 7.5, 9.0, 6.0  # [pt]


def _grid(rows: list[list[object]], widths: list[float], header: bool = True) -> Table:
    regular, bold = register()
    styles = _styles()
    style: list[tuple[object, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("FONTNAME", (0, 0), (-1, -1), regular), ("FONTSIZE", (0, 0), (-1, -1), CELL_SIZE),
        ("LEADING", (0, 0), (-1, -1), CELL_LEADING), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]
    laid: list[list[object]] = []
    for r, row in enumerate(rows):
        cells: list[object] = []
        for c, cell in enumerate(row):
            if isinstance(cell, _Cell):
                font = bold if cell.bold else regular
                room = widths[c] - 2 * CELL_PADDING
                if ("\n" not in cell.text and not needs_fallback(cell.text, cell.bold)
                        and stringWidth(cell.text, font, CELL_SIZE) <= room):
                    if cell.bold:
                        style.append(("FONTNAME", (c, r), (c, r), bold))
                    cell = cell.text
                else:
                    cell = Paragraph(esc(cell.text),
                                     styles.cell_bold if cell.bold else styles.small)
            cells.append(cell)
        laid.append(cells)
    table = Table(laid, colWidths=widths, repeatRows=1 if header else 0)
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)))
    table.setStyle(TableStyle(style))
    return table


class _Together(KeepTogether):
    """One block kept on one page where it fits, else flowing on from where it starts, like
    reportlab's ``KeepTogether``, but measured with the blocks kept together inside it at
    their own height: reportlab measures a nested ``KeepTogether`` as 0xffffff pt, so the
    whole moved to the next page even when it fitted (the procedure left page 1 empty)."""

    def wrap(self, aW: float, aH: float) -> tuple[float, float]:
        dims: list[tuple[float, float]] = []
        width, height = _listWrapOn(list(_flat(self._content)), aW, self.canv, dims=dims)
        self._H, self._H0 = height, (dims[0][1] if dims else 0)
        self._wrapInfo = aW, aH
        return width, 0xFFFFFF  # as KeepTogether: the frame asks for a split


def _flat(flowables: list[Flowable]) -> list[Flowable]:
    """The flowables, each ``KeepTogether`` among them replaced by its content."""
    out: list[Flowable] = []
    for flowable in flowables:
        if isinstance(flowable, KeepTogether):
            out += _flat(flowable._content)
        else:
            out.append(flowable)
    return out
