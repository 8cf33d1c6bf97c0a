"""The patient label (domain.md §7, §13; USP <17>): layout on 4 × 2 in, 3 × 2 in or letter
sheets.

Patient name, drug line and directions come first and largest (≥ 11 pt); details and cautions
are 7 pt, and nothing is under 6 pt. Text is wrapped to the label's width, never shrunk and
never cut. The container's label always carries the patient, the drug, the directions, the
quantity, the BUD, the lot, the Rx number and the opioid caution; the other details and
cautions stay on it while they fit, each item or sentence whole, and only what does not fit goes
on an auxiliary label of the same stock (tracker issue 23). Directions of several steps (a
titration) print "See the dosing schedule label" on the container's label and their steps on a
dosing schedule label (domain.md §18). ``LABEL_TOO_LONG`` (naming the field) only when the
essentials do not fit the container's label, or one sentence or step does not fit a label of
its own. A proof (a label made from an order alone) carries "PROOF — NOT FOR DISPENSING" across
every label; a reprint carries a REPRINT mark (white on black) on every label of every copy.
Strings are drawn straight on the canvas, which never parses markup, so they print exactly as
typed.
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
from ..labeling import (
    OPIOID_WARNING,
    PROOF,
    SEE_SCHEDULE,
    Dispensing,
    LabelContent,
    label_content,
    sentences,
)
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
HEADING_SIZE = 8.0  # [pt] the Rx line, and an auxiliary or schedule label's heading
REPRINT = "REPRINT"
MARK_SIZE = 8.0  # [pt] the REPRINT mark, bold, white on a black box on the Rx or heading line
MARK_PAD = 2.0  # [pt] box beyond the word, each side
MAX_COPIES = 20


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
    """Lines of one kind of text: ``field`` names the order field it comes from, if any."""

    lines: list[str]
    font: str
    size: float
    field: str | None

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
    width: Callable[[str, str, float], float] = stringWidth
    """The width of ``text`` in ``font`` at a type size [pt] (the REPRINT mark's box)."""


@dataclass(frozen=True, slots=True)
class _Unit:
    """One item or whole sentence that stays on the container's label or moves, whole, to an
    auxiliary label; ``field`` names the order field it prints, if any."""

    text: str
    field: str | None = None


class _Body:
    """The text of a label's body, in the order it prints: the blocks that must be on the
    container's label (patient, drug, directions or the pointer to the schedule label,
    quantity, BUD and lot, the opioid caution) and the units that may move (the details, then
    the other cautions, sentence by sentence)."""

    def __init__(self, content: LabelContent, width: float, m: Measure) -> None:
        self.width, self.m = width, m
        directions = SEE_SCHEDULE if content.schedule else content.directions
        self.essential = [
            self.block(content.patient, m.bold, NAME_SIZE, "patient.name"),
            self.block(content.drug, m.bold, DRUG_SIZE, "strength"),
            self.block(directions, m.regular, DIRECTIONS_SIZE, "directions"),
            self.block(f"{content.quantity} · Discard after {content.discard_after.isoformat()}"
                       f" · Lot {content.lot}", m.regular, DETAIL_SIZE, "lot_number"),
        ]
        self.caution = [self.block(text, m.bold, CAUTION_SIZE)
                        for text in content.cautions if text == OPIOID_WARNING]
        self.details = [_Unit(content.refills, "refills"),
                        _Unit(f"Prescriber: {content.prescriber}", "prescriber.name"),
                        _Unit(f"Filled {content.filled.isoformat()}"), _Unit("RPh ______")]
        self.cautions = [_Unit(sentence) for text in content.cautions
                         if text != OPIOID_WARNING for sentence in sentences(text)]

    def block(self, text: str, font: str, size: float, field: str | None = None) -> _Block:
        font = self.m.face(text, font)
        return _Block(self.m.wrap(text, font, size, self.width), font, size, field)

    def details_block(self, units: Sequence[_Unit]) -> list[_Block]:
        text = " · ".join(u.text for u in units)
        return [self.block(text, self.m.regular, DETAIL_SIZE)] if units else []

    def cautions_block(self, units: Sequence[_Unit]) -> list[_Block]:
        text = " ".join(u.text for u in units)
        return [self.block(text, self.m.regular, CAUTION_SIZE)] if units else []

    def first(self, details: Sequence[_Unit], cautions: Sequence[_Unit]) -> list[_Block]:
        """The container label's body with these details and cautions."""
        return [*self.essential, *self.details_block(details), *self.caution,
                *self.cautions_block(cautions)]

    def rest(self, details: Sequence[_Unit], cautions: Sequence[_Unit]) -> list[_Block]:
        """An auxiliary label's body: what moved, in the same order and type."""
        return [*self.details_block(details), *self.cautions_block(cautions)]


def _height(blocks: Sequence[_Block]) -> float:
    return sum(b.height for b in blocks)


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
        _Block([rx], m.face(rx, m.bold), HEADING_SIZE, "rx_number"),
    ]


def _heading(text: str, width: float, m: Measure, reprint: bool
             ) -> tuple[list[_Block], tuple[int, float, float] | None]:
    """An auxiliary or schedule label's heading (which prescription and patient it belongs
    to), and where its REPRINT mark goes: at the end of its first line. The heading leaves
    room for the mark on every print, so that a reprint is laid out as the first print was."""
    font = m.face(text, m.bold)
    mark = _mark_width(m)
    lines = m.wrap(text, font, HEADING_SIZE, width - mark - 4)
    return ([_Block(lines, font, HEADING_SIZE, "patient.name")],
            (0, width - mark, mark) if reprint else None)


def _mark_width(m: Measure) -> float:
    return m.width(REPRINT, m.bold, MARK_SIZE) + 2 * MARK_PAD


def line_slot(blocks: Sequence[_Block], index: int) -> tuple[float, float]:
    """The ``index``-th line of ``blocks``: its distance from the top of the blocks and its
    type size [pt]."""
    offset = 0.0
    for block in blocks:
        for _ in block.lines:
            if index == 0:
                return offset, block.size
            index -= 1
            offset += block.size * LEADING
    raise IndexError("no such line")


@dataclass(frozen=True, slots=True)
class Laid:
    """One label as laid out: header lines, whether it carries the barcode (the first label
    only), body blocks, whether it is a proof, and where its REPRINT mark goes: the header line
    it sits on, its left edge from the text's left edge and its width [pt] (``None``: the
    first print)."""

    header: list[_Block]
    barcode: bool
    blocks: list[_Block]
    proof: bool
    mark: tuple[int, float, float] | None = None


def _too_long(block: _Block, size: tuple[float, float], where: str) -> OrderError:
    return OrderError([ErrorDetail(
        "LABEL_TOO_LONG", block.field or "directions",
        f"does not fit {where} on {size[0] / inch:g} × {size[1] / inch:g} in label stock at "
        f"the smallest legible size ({len(block.lines)} lines of {block.size:g} pt); shorten it "
        f"or use a larger label stock")])


@dataclass(frozen=True, slots=True)
class _Fitted:
    """The container's label as laid out, the room its body had [pt], the details and
    cautions kept on it and those moved to auxiliary labels."""

    laid: Laid
    room: float
    details: list[_Unit]
    cautions: list[_Unit]
    moved_details: list[_Unit]
    moved_cautions: list[_Unit]


def _first(content: LabelContent, size: tuple[float, float], m: Measure, body: _Body,
           reprint: bool) -> _Fitted:
    """The container's label, and the details and cautions that do not fit it. Every unit
    that fits stays, in order (one that fits after a longer one moved stays too), so an
    auxiliary label never carries a sentence the container's label had room for."""
    width, height = size[0] - 2 * PAD, size[1] - 2 * PAD
    header = _header(content, width, m)
    # the REPRINT mark's place, kept on every print so that a reprint is laid out as the first
    # print was: beside the Rx number, left of the barcode; after a long Rx number, a line of
    # its own under it
    rx, mark_width = header[-1], _mark_width(m)
    beside = width - m.barcode_width - 4 - mark_width
    if m.width(rx.lines[0], rx.font, rx.size) + 4 <= beside:
        mark = (sum(len(b.lines) for b in header) - 1, beside, mark_width)
    else:
        header.append(_Block([""], m.bold, MARK_SIZE, None))
        mark = (sum(len(b.lines) for b in header) - 1, 0.0, mark_width)
    room = height - max(_height(header), m.barcode_height + 2) - 3
    needed = body.first([], [])
    if _height(needed) > room:  # name the typed text that takes the most room
        longest = max((b for b in needed if b.field in ("patient.name", "directions")),
                      key=lambda b: b.height)
        raise _too_long(longest, size, "the container's label, with the other items it must "
                                       "carry (drug, quantity, discard-after date, lot, opioid "
                                       "caution),")
    kept: dict[str, list[_Unit]] = {"details": list(body.details),
                                    "cautions": list(body.cautions)}
    moved: dict[str, list[_Unit]] = {"details": [], "cautions": []}
    if _height(body.first(kept["details"], kept["cautions"])) > room:
        kept = {"details": [], "cautions": []}
        for kind, unit in [*(("details", u) for u in body.details),
                           *(("cautions", u) for u in body.cautions)]:
            kept[kind].append(unit)
            if _height(body.first(kept["details"], kept["cautions"])) > room:
                kept[kind].pop()
                moved[kind].append(unit)
    laid = Laid(header, True, body.first(kept["details"], kept["cautions"]), content.proof,
                mark if reprint else None)
    return _Fitted(laid, room, kept["details"], kept["cautions"], moved["details"],
                   moved["cautions"])


def _continued(content: LabelContent, size: tuple[float, float], m: Measure, body: _Body,
               details: list[_Unit], cautions: list[_Unit], reprint: bool) -> list[Laid]:
    """Auxiliary labels for what the container's label had no room for, in order, as many as
    it takes; ``LABEL_TOO_LONG`` only for one item or sentence that no label holds."""
    width, height = size[0] - 2 * PAD, size[1] - 2 * PAD
    labels: list[Laid] = []
    units = [*(("details", u) for u in details), *(("cautions", u) for u in cautions)]
    while units:
        text = (f"Auxiliary label · Rx {content.rx_number} · {content.patient} "
                f"(continued)")
        heading, mark = _heading(text, width, m, reprint)
        room = height - _height(heading) - 3
        taken: dict[str, list[_Unit]] = {"details": [], "cautions": []}
        while units:
            kind, unit = units[0]
            taken[kind].append(unit)
            if _height(body.rest(taken["details"], taken["cautions"])) > room:
                taken[kind].pop()
                if not any(taken.values()):
                    block = body.rest([unit] if kind == "details" else [],
                                      [unit] if kind == "cautions" else [])[0]
                    raise _too_long(_Block(block.lines, block.font, block.size, unit.field),
                                    size, "an auxiliary label")
                break
            units.pop(0)
        labels.append(Laid(heading, False, body.rest(taken["details"], taken["cautions"]),
                           content.proof, mark))
    return labels


def _schedule(content: LabelContent, size: tuple[float, float], m: Measure,
              reprint: bool) -> list[Laid]:
    """The dosing schedule label of directions of several steps (a titration, domain.md
    §18): each step on its own lines at the directions' size, numbered from 1, never cut;
    a schedule longer than one label goes on to the next."""
    width, height = size[0] - 2 * PAD, size[1] - 2 * PAD
    steps = []
    for number, step in enumerate(content.schedule, start=1):
        text = f"{number}. {step}"
        font = m.face(text, m.regular)
        steps.append(_Block(m.wrap(text, font, DIRECTIONS_SIZE, width), font, DIRECTIONS_SIZE,
                            "directions"))
    labels: list[Laid] = []
    while steps:
        text = (f"Dosing schedule · Rx {content.rx_number} · {content.patient}"
                + (" (continued)" if labels else ""))
        heading, mark = _heading(text, width, m, reprint)
        room = height - _height(heading) - 3
        taken: list[_Block] = []
        while steps and _height([*taken, steps[0]]) <= room:
            taken.append(steps.pop(0))
        if not taken:
            raise _too_long(steps[0], size, "a dosing schedule label")
        labels.append(Laid(heading, False, taken, content.proof, mark))
    return labels


def lay_out(content: LabelContent, size: tuple[float, float], m: Measure,
            reprint: bool = False) -> list[Laid]:
    """The container's label, the dosing schedule label when the directions have several
    steps, and auxiliary labels for what does not fit the container's label.

    The container's label always carries the patient, the drug, the directions (or "See the
    dosing schedule label"), the quantity, the BUD, the lot, the Rx number and the opioid
    caution (domain.md §7, §13); the other details and cautions stay on it while they fit,
    each whole, and the rest goes on auxiliary labels of the same stock. ``LABEL_TOO_LONG``
    only when those essentials do not fit the container's label, or one item, sentence or
    schedule step does not fit a label of its own. ``reprint``: every label carries the
    REPRINT mark."""
    width = size[0] - 2 * PAD
    body = _Body(content, width, m)
    first = _first(content, size, m, body, reprint)
    return [first.laid, *_schedule(content, size, m, reprint),
            *_continued(content, size, m, body, first.moved_details, first.moved_cautions,
                        reprint)]


def copies_of(copies: int) -> int:
    """``copies`` checked: a whole number from 1 to :data:`MAX_COPIES`."""
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise ValueError(f"copies must be a whole number from 1 to {MAX_COPIES}")
    return copies


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


def _reprint_mark(c: canvas.Canvas, layout: Laid, left: float, top: float) -> None:
    """REPRINT, white on a black box, at the end of its header line (never over text)."""
    if layout.mark is None:
        return
    index, x, width = layout.mark
    offset, size = line_slot(layout.header, index)
    height = size * LEADING
    y = top - offset - height
    c.saveState()
    c.setFillColorRGB(0, 0, 0)
    c.rect(left + x, y, width, height, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(register()[1], MARK_SIZE)
    c.drawString(left + x + MARK_PAD, y + size * 0.2, REPRINT)
    c.restoreState()


def _draw(c: canvas.Canvas, layout: Laid, barcode: Code128, origin: tuple[float, float],
          size: tuple[float, float]) -> None:
    left, top = origin[0] + PAD, origin[1] + size[1] - PAD
    right = origin[0] + size[0] - PAD
    if layout.barcode:
        barcode.drawOn(c, right - barcode.width, top - BAR_HEIGHT)
    y = _lines(c, layout.header, left, top)
    _reprint_mark(c, layout, left, top)
    if layout.barcode:
        y = min(y, top - BAR_HEIGHT - 2)
    y -= 1.5
    c.setLineWidth(0.5)
    c.line(left, y, right, y)
    _lines(c, layout.blocks, left, y - 1.5)
    if layout.proof:
        _proof_band(c, origin, size)


def build_labels(items: Sequence[tuple[Order, Plan, Dispensing | None]],
                 profile: Profile, *, reprint: bool = False, copies: int = 1) -> bytes:
    """A PDF of patient labels on the profile's stock: for each (order, plan, dispensing) its
    container's label, its dosing schedule label when the directions have several steps and
    its auxiliary labels when needed, ``copies`` times over (1 to 20, each copy a whole set).
    Without ``dispensing`` (a verified batch) the label is a proof. ``reprint``: every label of
    every copy carries the REPRINT mark (every print after the first).

    Every label is laid out before anything is drawn, so an error never leaves half a document.
    """
    copies = copies_of(copies)
    stock = STOCKS[profile.label.stock]
    layouts = []
    for order, plan, dispensing in items:
        check_label(order, profile)
        content = label_content(order, plan, profile.pharmacy, dispensing)
        barcode = _barcode(content.rx_number)
        layouts += [(layout, barcode) for layout in
                    lay_out(content, stock.label, _pdf_measure(barcode), reprint)] * copies
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
