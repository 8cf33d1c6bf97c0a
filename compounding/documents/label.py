"""The patient label (domain.md §7; USP <17>): layout on 4 × 2 in, 3 × 2 in or letter sheets.

Patient name, drug and directions come first and largest. Text is wrapped to the label's width
and shrunk step by step when it does not fit; below the smallest legible size the label is
refused with ``LABEL_TOO_LONG`` naming the field, never cut off. Strings are drawn straight on
the canvas, which never parses markup, so they print exactly as typed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from ..errors import ErrorDetail, OrderError
from ..labeling import LabelContent, label_content
from ..models import Order, Plan
from ..profile import Profile
from .fonts import register

PAD = 5.0  # [pt]
SCALES = (1.0, 0.92, 0.85, 0.8)  # the last is the smallest legible
BAR_HEIGHT = 17.0  # [pt]
BAR_WIDTH = 0.8  # [pt] per module: about 3.3 px at 300 dpi


@dataclass(frozen=True, slots=True)
class Stock:
    """Label stock: the page, and where each label sits on it [pt]."""

    name: str
    page: tuple[float, float]
    label: tuple[float, float]
    origins: tuple[tuple[float, float], ...]  # lower-left corner of each label on a page


def _letter_sheet() -> Stock:
    """Ten 4 × 2 in labels on a letter sheet (the Avery 5163 layout)."""
    left, top, pitch_x = 0.15625 * inch, 0.5 * inch, 4.1875 * inch
    origins = tuple((left + col * pitch_x, letter[1] - top - (row + 1) * 2 * inch)
                    for row in range(5) for col in range(2))
    return Stock("letter", letter, (4 * inch, 2 * inch), origins)


STOCKS = {
    "4x2": Stock("4x2", (4 * inch, 2 * inch), (4 * inch, 2 * inch), ((0.0, 0.0),)),
    "3x2": Stock("3x2", (3 * inch, 2 * inch), (3 * inch, 2 * inch), ((0.0, 0.0),)),
    "letter": _letter_sheet(),
}


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between characters.

    Widths add up word by word (the canvas draws without kerning), each word measured once.
    """
    space = stringWidth(" ", font, size)
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    for word in text.split():
        word_width = stringWidth(word, font, size)
        if line and used + space + word_width <= width:
            line.append(word)
            used += space + word_width
            continue
        if line:
            lines.append(" ".join(line))
        while word_width > width:
            cut = len(word)
            while cut > 1 and stringWidth(word[:cut], font, size) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
            word_width = stringWidth(word, font, size)
        line, used = [word], word_width
    if line:
        lines.append(" ".join(line))
    return lines


@dataclass(frozen=True, slots=True)
class _Block:
    """Lines of one kind of text: ``field`` names the order field it comes from, if any."""

    lines: list[str]
    font: str
    size: float
    field: str | None

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * 1.18


def _blocks(content: LabelContent, width: float, scale: float) -> list[_Block]:
    regular, bold = register()

    def block(text: str, font: str, size: float, field: str | None = None) -> _Block:
        return _Block(wrap(text, font, size * scale, width), font, size * scale, field)

    prescriber = f" · Prescriber: {content.prescriber}" if content.prescriber else ""
    return [
        block(content.patient, bold, 11.5, "patient.name"),
        block(content.drug, bold, 9.5),
        block(content.directions, regular, 9.5, "directions"),
        block(f"{content.quantity} · {content.refills}{prescriber}", regular, 6.5,
              "prescriber.name"),
        block(f"Filled {content.filled.isoformat()} · Discard after "
              f"{content.discard_after.isoformat()} · Lot {content.lot} · RPh ______",
              regular, 6.5, "lot_number"),
        block(content.auxiliary[0], bold, 5.8),
        block(" ".join((*content.auxiliary[1:], content.storage)), regular, 5.8),
    ]


def _header(content: LabelContent, width: float, scale: float,
            barcode: Code128) -> list[_Block]:
    regular, bold = register()
    text_width = width - barcode.width - 4
    pharmacy = content.pharmacy
    return [
        _Block(wrap(pharmacy.name, bold, 7 * scale, text_width), bold, 7 * scale, None),
        _Block(wrap(f"{pharmacy.address} · {pharmacy.phone}", regular, 6 * scale, text_width),
               regular, 6 * scale, None),
        _Block([f"Rx {content.rx_number}"], bold, 8 * scale, "rx_number"),
    ]


@dataclass(frozen=True, slots=True)
class _Layout:
    """One label, laid out: header lines, barcode, body blocks."""

    header: list[_Block]
    barcode: Code128
    blocks: list[_Block]


def _layout(content: LabelContent, size: tuple[float, float]) -> _Layout:
    """The first scale at which everything fits; ``LABEL_TOO_LONG`` otherwise."""
    width, height = size[0] - 2 * PAD, size[1] - 2 * PAD
    barcode = Code128(content.rx_number, barHeight=BAR_HEIGHT, barWidth=BAR_WIDTH,
                      humanReadable=False)
    for scale in SCALES:
        header = _header(content, width, scale, barcode)
        header_height = max(sum(b.height for b in header), BAR_HEIGHT + 2)
        blocks = _blocks(content, width, scale)
        if header_height + 3 + sum(b.height for b in blocks) <= height:
            return _Layout(header, barcode, blocks)
    worst = max((b for b in blocks if b.field), key=lambda b: len(b.lines))
    raise OrderError([ErrorDetail(
        "LABEL_TOO_LONG", worst.field or "directions",
        f"does not fit a {size[0] / inch:g} × {size[1] / inch:g} in label even at the smallest "
        f"legible size ({len(worst.lines)} lines); shorten it or use a larger label stock")])


def _draw(c: canvas.Canvas, layout: _Layout, origin: tuple[float, float],
          size: tuple[float, float]) -> None:
    header, barcode, blocks = layout.header, layout.barcode, layout.blocks
    left, top = origin[0] + PAD, origin[1] + size[1] - PAD
    right = origin[0] + size[0] - PAD
    barcode.drawOn(c, right - barcode.width, top - BAR_HEIGHT)
    y = top
    for block in header:
        for line in block.lines:
            y -= block.size * 1.18
            c.setFont(block.font, block.size)
            c.drawString(left, y + block.size * 0.2, line)
    y = min(y, top - BAR_HEIGHT - 2) - 1.5
    c.setLineWidth(0.5)
    c.line(left, y, right, y)
    y -= 1.5
    for block in blocks:
        c.setFont(block.font, block.size)
        for line in block.lines:
            y -= block.size * 1.18
            c.drawString(left, y + block.size * 0.2, line)


def build_labels(items: Sequence[tuple[Order, Plan]], profile: Profile) -> bytes:
    """A PDF of patient labels, one per (order, plan), on the profile's stock.

    Every label is laid out before anything is drawn, so an error never leaves half a document.
    """
    stock = STOCKS[profile.label.stock]
    layouts = [_layout(label_content(order, plan, profile.pharmacy), stock.label)
                for order, plan in items]
    buffer = io.BytesIO()
    # uncompressed: a label is one small page sent once to a printer, and compressing its font
    # subsets was 40 % of its build time (81 KB instead of 44 KB)
    c = canvas.Canvas(buffer, pagesize=stock.page, invariant=1, pageCompression=0,
                      initialFontName=register()[0])
    c.setTitle("Patient label")
    c.setAuthor(profile.pharmacy.name)
    per_page = len(stock.origins)
    for index, layout in enumerate(layouts):
        if index and index % per_page == 0:
            c.showPage()
        _draw(c, layout, stock.origins[index % per_page], stock.label)
    c.showPage()
    c.save()
    return buffer.getvalue()
