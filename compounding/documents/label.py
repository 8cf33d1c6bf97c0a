"""The patient label (domain.md §7, §13; USP <17>): layout on 4 × 2 in, 3 × 2 in or letter
sheets.

Patient name, drug line and directions come first and largest (≥ 11 pt); details and cautions
are 7 pt, and nothing is under 6 pt. Text is wrapped to the label's width, never shrunk and
never cut: what does not fit goes, block by block in order, on a second, auxiliary label of the
same stock. When even that is not enough, or the name, drug and directions do not fit the first
label, the label is refused with ``LABEL_TOO_LONG`` naming the field. A proof (a label made from
an order alone) carries "PROOF — NOT FOR DISPENSING" across every label. Strings are drawn
straight on the canvas, which never parses markup, so they print exactly as typed.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from ..errors import ErrorDetail, OrderError
from ..labeling import PROOF, Dispensing, LabelContent, label_content
from ..models import Order, Plan
from ..profile import Profile
from .fallback import font_for
from .fonts import register
from .printable import check_label

PAD = 5.0  # [pt]
LEADING = 1.15  # line height ÷ type size
NAME_SIZE, DRUG_SIZE, DIRECTIONS_SIZE = 12.0, 11.0, 11.0  # [pt] domain.md §13: at least 11
DETAIL_SIZE = CAUTION_SIZE = 7.0  # [pt] cautions at least 7
SMALLEST = 6.0  # [pt] nothing smaller (the pharmacy's address line)
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


NBSP = "\u00a0"
_ASCII_SPACE = re.compile(r"[ \t\r\n]+")


def words_of(text: str) -> list[str]:
    """The words a line may break between: at plain spaces only, so that a no-break space
    holds a phone number together ("(217)\u00a0555-0142")."""
    return [word for word in _ASCII_SPACE.split(text) if word]


def unbroken(text: str) -> str:
    """``text`` that never breaks across lines (its spaces made no-break spaces)."""
    return NBSP.join(text.split())


def wrap_by(text: str, measure: Callable[[str], float], width: float) -> list[str]:
    """Greedy word wrap to ``width`` in the units ``measure`` gives; a word wider than the line
    is broken between characters. Widths add up word by word (no kerning), each word measured
    once. The PDF and the ZPL label share it, each with its own measure."""
    space = measure(" ")
    lines: list[str] = []
    line: list[str] = []
    used = 0.0
    for word in words_of(text):
        word_width = measure(word)
        if line and used + space + word_width <= width:
            line.append(word)
            used += space + word_width
            continue
        if line:
            lines.append(" ".join(line))
        while word_width > width:
            cut = len(word)
            while cut > 1 and measure(word[:cut]) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
            word_width = measure(word)
        line, used = [word], word_width
    if line:
        lines.append(" ".join(line))
    return lines


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` in an embedded ``font`` at ``size`` [pt] within ``width`` [pt]."""
    return wrap_by(text, lambda words: stringWidth(words, font, size), width)


@dataclass(frozen=True, slots=True)
class _Block:
    """Lines of one kind of text: ``field`` names the order field it comes from, if any;
    ``first`` blocks must be on the first label (USP <17>)."""

    lines: list[str]
    font: str
    size: float
    field: str | None
    first: bool = False

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * LEADING


Wrap = Callable[[str, str, float, float], list[str]]


@dataclass(frozen=True, slots=True)
class Measure:
    """How a label's text is measured: ``wrap(text, font, size, width)`` into lines, the fonts
    (regular, bold) and the Rx barcode's width and height [pt]. The PDF measures with its
    embedded fonts; a thermal printer's ZPL with its own (:mod:`.zpl`)."""

    wrap: Wrap
    regular: str
    bold: str
    barcode_width: float
    barcode_height: float
    face: Callable[[str, str], str] = lambda text, font: font
    """The font that draws ``text`` in place of ``font`` (the PDF's fallback for CJK)."""


def _blocks(content: LabelContent, width: float, m: Measure) -> list[_Block]:
    def block(text: str, font: str, size: float, field: str | None = None,
              first: bool = False) -> _Block:
        font = m.face(text, font)
        return _Block(m.wrap(text, font, size, width), font, size, field, first)

    return [
        block(content.patient, m.bold, NAME_SIZE, "patient.name", True),
        block(content.drug, m.bold, DRUG_SIZE, "strength", True),
        block(content.directions, m.regular, DIRECTIONS_SIZE, "directions", True),
        block(f"{content.quantity} · {content.refills} · Prescriber: {content.prescriber}",
              m.regular, DETAIL_SIZE, "prescriber.name"),
        block(f"Filled {content.filled.isoformat()} · Discard after "
              f"{content.discard_after.isoformat()} · Lot {content.lot} · RPh ______",
              m.regular, DETAIL_SIZE, "lot_number"),
        block(content.cautions[0], m.bold, CAUTION_SIZE),
        block(content.cautions[1], m.regular, CAUTION_SIZE),
        block(" ".join(content.cautions[2:-1]), m.regular, CAUTION_SIZE),  # the short ones
        block(content.cautions[-1], m.regular, CAUTION_SIZE),
    ]


def _header(content: LabelContent, width: float, m: Measure) -> list[_Block]:
    text_width = width - m.barcode_width - 4
    name = m.face(content.pharmacy_name, m.bold)
    address = f"{content.pharmacy_address} · {unbroken(content.pharmacy_phone)}"
    address_font = m.face(address, m.regular)
    rx = f"Rx {content.rx_number}"
    return [
        _Block(m.wrap(content.pharmacy_name, name, DETAIL_SIZE, text_width), name,
               DETAIL_SIZE, None),
        _Block(m.wrap(address, address_font, SMALLEST, text_width), address_font, SMALLEST,
               None),
        _Block([rx], m.face(rx, m.bold), 8.0, "rx_number"),
    ]


def _continuation(content: LabelContent, width: float, m: Measure) -> list[_Block]:
    """The auxiliary label's heading: which prescription and patient it belongs to."""
    text = f"Auxiliary label · Rx {content.rx_number} · {content.patient} (continued)"
    font = m.face(text, m.bold)
    return [_Block(m.wrap(text, font, 8.0, width), font, 8.0, "patient.name")]


@dataclass(frozen=True, slots=True)
class Laid:
    """One label as laid out: header lines, whether it carries the barcode (the first label
    only), body blocks, and whether it is a proof."""

    header: list[_Block]
    barcode: bool
    blocks: list[_Block]
    proof: bool


def _too_long(block: _Block, size: tuple[float, float], where: str) -> OrderError:
    return OrderError([ErrorDetail(
        "LABEL_TOO_LONG", block.field or "directions",
        f"does not fit {where} of a {size[0] / inch:g} × {size[1] / inch:g} in label at the "
        f"smallest legible size ({len(block.lines)} lines of {block.size:g} pt); shorten it or "
        f"use a larger label stock")])


def lay_out(content: LabelContent, size: tuple[float, float], m: Measure) -> list[Laid]:
    """The first label, and an auxiliary label for what does not fit it; ``LABEL_TOO_LONG``
    when the name, drug and directions do not fit the first, or the rest the second."""
    width, height = size[0] - 2 * PAD, size[1] - 2 * PAD
    header = _header(content, width, m)
    room = height - max(sum(b.height for b in header), m.barcode_height + 2) - 3
    first: list[_Block] = []
    blocks = _blocks(content, width, m)
    while blocks and blocks[0].height <= room:
        room -= blocks[0].height
        first.append(blocks.pop(0))
    labels = [Laid(header, True, first, content.proof)]
    if not blocks:
        return labels
    if blocks[0].first:
        raise _too_long(blocks[0], size, "the first label")
    heading = _continuation(content, width, m)
    room = height - sum(b.height for b in heading) - 3
    for block in blocks:
        if block.height > room:
            raise _too_long(block, size, "the auxiliary label")
        room -= block.height
    return [*labels, Laid(heading, False, blocks, content.proof)]


def _barcode(rx_number: str) -> Code128:
    return Code128(rx_number, barHeight=BAR_HEIGHT, barWidth=BAR_WIDTH, humanReadable=False)


def _pdf_measure(barcode: Code128) -> Measure:
    regular, bold = register()
    return Measure(wrap, regular, bold, barcode.width, BAR_HEIGHT, font_for)


def _lines(c: canvas.Canvas, blocks: list[_Block], left: float, y: float) -> float:
    for block in blocks:
        c.setFont(block.font, block.size)
        for line in block.lines:
            y -= block.size * LEADING
            c.drawString(left, y + block.size * 0.2, line)
    return y


def _proof_band(c: canvas.Canvas, origin: tuple[float, float], size: tuple[float, float]) -> None:
    """"PROOF — NOT FOR DISPENSING" across the middle of the label, over its text."""
    _, bold = register()
    type_size = min(16.0, (size[0] - 2 * PAD) / stringWidth(PROOF, bold, 1.0))
    middle = origin[1] + size[1] / 2
    c.saveState()
    c.setFillColorRGB(0.85, 0.1, 0.1, alpha=0.12)
    c.rect(origin[0], middle - type_size * 0.7, size[0], type_size * 1.6, stroke=0, fill=1)
    c.setFillColorRGB(0.75, 0.0, 0.0, alpha=0.55)
    c.setFont(bold, type_size)
    c.drawCentredString(origin[0] + size[0] / 2, middle - type_size * 0.3, PROOF)
    c.restoreState()


def _draw(c: canvas.Canvas, layout: Laid, barcode: Code128, origin: tuple[float, float],
          size: tuple[float, float]) -> None:
    left, top = origin[0] + PAD, origin[1] + size[1] - PAD
    right = origin[0] + size[0] - PAD
    if layout.barcode:
        barcode.drawOn(c, right - barcode.width, top - BAR_HEIGHT)
    y = _lines(c, layout.header, left, top)
    if layout.barcode:
        y = min(y, top - BAR_HEIGHT - 2)
    y -= 1.5
    c.setLineWidth(0.5)
    c.line(left, y, right, y)
    _lines(c, layout.blocks, left, y - 1.5)
    if layout.proof:
        _proof_band(c, origin, size)


def build_labels(items: Sequence[tuple[Order, Plan, Dispensing | None]],
                 profile: Profile) -> bytes:
    """A PDF of patient labels on the profile's stock: for each (order, plan, dispensing) its
    label, followed by its auxiliary label when one is needed. Without ``dispensing`` (a
    verified batch) the label is a proof.

    Every label is laid out before anything is drawn, so an error never leaves half a document.
    """
    stock = STOCKS[profile.label.stock]
    layouts = []
    for order, plan, dispensing in items:
        check_label(order, profile)
        content = label_content(order, plan, profile.pharmacy, dispensing)
        barcode = _barcode(content.rx_number)
        layouts += [(layout, barcode) for layout in
                    lay_out(content, stock.label, _pdf_measure(barcode))]
    buffer = io.BytesIO()
    # uncompressed: a label is one small page sent once to a printer, and compressing its font
    # subsets was 40 % of its build time (81 KB instead of 44 KB)
    c = canvas.Canvas(buffer, pagesize=stock.page, invariant=1, pageCompression=0,
                      initialFontName=register()[0])
    c.setTitle("Patient label")
    c.setAuthor(profile.pharmacy.name or "")
    per_page = len(stock.origins)
    for index, (layout, barcode) in enumerate(layouts):
        if index and index % per_page == 0:
            c.showPage()
        _draw(c, layout, barcode, stock.origins[index % per_page], stock.label)
    c.showPage()
    c.save()
    return buffer.getvalue()
