"""Label stocks and how a label's text is measured, shared by the PDF label (:mod:`.label`) and
the ZPL label (:mod:`.zpl`).

The type sizes and spacing of every label, the stocks (4 × 2 in, 3 × 2 in, a letter sheet of ten
4 × 2 in labels), the word wrap both labels use (each with its own measure), the PDF's measure
(its embedded fonts and its Code 128 Rx barcode), the REPRINT mark's width and the number of
copies a print may ask for.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import letter
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth

from .fallback import font_for
from .fonts import register

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


def _mark_width(m: Measure) -> float:
    """The REPRINT mark's box: the word in bold at its size, and its padding [pt]."""
    return m.width(REPRINT, m.bold, MARK_SIZE) + 2 * MARK_PAD


def copies_of(copies: int) -> int:
    """``copies`` checked: a whole number from 1 to :data:`MAX_COPIES`."""
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise ValueError(f"copies must be a whole number from 1 to {MAX_COPIES}")
    return copies


def _barcode(rx_number: str) -> Code128:
    """The Rx number as the PDF label's Code 128 barcode."""
    return Code128(rx_number, barHeight=BAR_HEIGHT, barWidth=BAR_WIDTH, humanReadable=False)


def _pdf_measure(barcode: Code128) -> Measure:
    """How the PDF label measures: its embedded fonts (CJK in the fallback), ``barcode``."""
    regular, bold = register()
    return Measure(wrap, regular, bold, barcode.width, BAR_HEIGHT, font_for)

