"""The patient label in ZPL II, for Zebra thermal printers at 203 or 300 dpi (domain.md §7, §13).

The content and the layout rules are the PDF label's (:func:`.layout.lay_out`): the same blocks
in the same order and type sizes, the dosing schedule and auxiliary labels, ``LABEL_TOO_LONG``,
the proof band ("PROOF — NOT FOR DISPENSING", white on black across the middle) and a reprint's
REPRINT mark (white on black, on the Rx or heading line of every label). Only the measuring differs:
text is wrapped for the printer's scalable font 0 (a Helvetica-like face) with Helvetica's
metrics and a 10 % margin (CJK text at one type size a character), and every line is placed by
its own ``^FO``, so every field's place is known and lies inside the label. The Code 128 module
is a whole number of printer dots.

Field data is written with ``^FH`` (hexadecimal escapes) so that ``^``, ``~`` and ``_`` typed by
anyone print as themselves and never act as commands; ``^CI28`` makes the printer read UTF-8.
Reference: Zebra, "ZPL II Programming Guide" (P1012728).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from reportlab.pdfbase.pdfmetrics import stringWidth

from compounding.bench.labeling import PROOF, LabelContent

from .blocks import Laid, line_slot
from .layout import lay_out
from .stock import (
    BAR_HEIGHT,
    LEADING,
    MARK_PAD,
    MARK_SIZE,
    PAD,
    REPRINT,
    STOCKS,
    Measure,
    copies_of,
    wrap_by,
)

DPIS = (203, 300)
MODULE_DOTS = {203: 2, 300: 3}  # Code 128 narrow bar: 0.0099 in and 0.0100 in
MARGIN = 1.10  # font 0 may run wider than Helvetica's metrics
CJK = "\u2e80"  # from here on, glyphs are taken as one em wide


@dataclass(frozen=True, slots=True)
class Printer:
    """A thermal printer's resolution [dots per inch]."""

    dpi: int

    def dots(self, points: float) -> int:
        return round(points * self.dpi / 72)


@lru_cache(maxsize=65536)
def _em(word: str, font: str) -> float:
    """A word's width in font 0 [em]: Helvetica's metrics + 10 %; a glyph Helvetica lacks
    (CJK) counts one em."""
    if max(word, default=" ") >= CJK:
        return float(len(word))
    return stringWidth(word, font, 1.0) * MARGIN


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines for font 0 (the same text wraps the same way: the cautions and the pharmacy's
    lines are wrapped once)."""
    return list(_wrapped(text, font, size, width))


@lru_cache(maxsize=4096)
def _wrapped(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """Lines for font 0, in ems of the type size."""
    return tuple(wrap_by(text, lambda words: _em(words, font), width / size))


def _width(text: str, font: str, size: float) -> float:
    """The width of ``text`` in font 0 at ``size`` [pt]."""
    return _em(text, font) * size


def _modules(rx_number: str) -> int:
    """Code 128 modules of the Rx barcode, quiet zones aside, at most: start, every character
    in code set B, check (11 each) and stop (13). The printer may pack digit pairs in set C,
    which only makes the barcode narrower, never wider than the room kept for it."""
    return 11 * (len(rx_number) + 2) + 13


_ESCAPES = str.maketrans({"_": "_5F", "^": "_5E", "~": "_7E"})


def _escape(text: str) -> str:
    """Field data for ``^FH``: ``_``, ``^`` and ``~`` as hexadecimal escapes."""
    return text.translate(_ESCAPES)


def _field(x: int, y: int, height: int, text: str, bold: bool) -> str:
    width = height if bold else round(height * 0.9)
    return f"^FO{x},{y}^A0N,{height},{width}^FH^FD{_escape(text)}^FS"


def _lines(printer: Printer, blocks: list, x: float, y: float) -> tuple[list[str], float]:
    out = []
    left = printer.dots(x)
    for block in blocks:
        height, bold, step = printer.dots(block.size), block.font.endswith("Bold"), \
            block.size * LEADING
        for line in block.lines:
            out.append(_field(left, printer.dots(y), height, line, bold))
            y += step
    return out, y


def _label(laid: Laid, content: LabelContent, size: tuple[float, float], printer: Printer,
           barcode_width: float) -> str:
    width, height = size
    out = ["^XA", "^CI28", f"^PW{printer.dots(width)}", f"^LL{printer.dots(height)}", "^LH0,0"]
    header, y = _lines(printer, laid.header, PAD, PAD)
    out += header
    if laid.mark is not None:
        index, x, mark_width = laid.mark
        offset, line = line_slot(laid.header, index)
        top, box = printer.dots(PAD + offset), printer.dots(line * LEADING)
        text = printer.dots(MARK_SIZE)
        out.append(f"^FO{printer.dots(PAD + x)},{top}^GB{printer.dots(mark_width)},{box},{box}"
                   f"^FS")
        out.append(f"^FO{printer.dots(PAD + x + MARK_PAD)},{top + (box - text) // 2}"
                   f"^A0N,{text},{text}^FR^FH^FD{REPRINT}^FS")
    if laid.barcode:
        module = MODULE_DOTS[printer.dpi]
        x = printer.dots(width - PAD) - round(barcode_width * printer.dpi / 72)
        out.append(f"^FO{x},{printer.dots(PAD)}^BY{module},3,{printer.dots(BAR_HEIGHT)}"
                   f"^BCN,{printer.dots(BAR_HEIGHT)},N,N,N^FH^FD{_escape(content.rx_number)}^FS")
        y = max(y, PAD + BAR_HEIGHT + 2)
    y += 1.5
    out.append(f"^FO{printer.dots(PAD)},{printer.dots(y)}^GB{printer.dots(width - 2 * PAD)},1,1"
               f"^FS")
    body, _ = _lines(printer, laid.blocks, PAD, y + 1.5)
    out += body
    if laid.proof:
        band = printer.dots(14)
        top = printer.dots(height / 2) - band // 2
        out.append(f"^FO0,{top}^GB{printer.dots(width)},{band},{band}^FS")
        out.append(f"^FO0,{top + band // 6}^FB{printer.dots(width)},1,0,C^FR"
                   f"^A0N,{band * 2 // 3},{band * 2 // 3}^FH^FD{_escape(PROOF)}^FS")
    out.append("^XZ")
    return "\n".join(out) + "\n"


def zpl_layout(content: LabelContent, stock: str = "4x2", dpi: int = 203,
               reprint: bool = False) -> tuple[list[Laid], tuple[float, float], float]:
    """The labels as the printer's font lays them out (``LABEL_TOO_LONG`` as on paper), their
    size and the barcode's width [pt]."""
    if dpi not in DPIS:
        raise ValueError(f"dpi must be one of {DPIS}")
    size = STOCKS["4x2" if stock == "letter" else stock].label
    module_pt = MODULE_DOTS[dpi] * 72 / dpi
    barcode_width = _modules(content.rx_number) * module_pt
    measure = Measure(_wrap, "Helvetica", "Helvetica-Bold", barcode_width, BAR_HEIGHT,
                      width=_width)
    return lay_out(content, size, measure, reprint), size, barcode_width


def label_zpl(content: LabelContent, stock: str = "4x2", dpi: int = 203, *,
              reprint: bool = False, copies: int = 1) -> str:
    """The container's label (with its dosing schedule and auxiliary labels when needed) as
    ZPL, ``copies`` times over (1 to 20, each copy a whole set); ``stock`` is the profile's
    label stock (a letter sheet prints as 4 × 2 in labels). ``reprint``: every label of every
    copy carries the REPRINT mark."""
    copies = copies_of(copies)
    laid, size, barcode_width = zpl_layout(content, stock, dpi, reprint)
    printer = Printer(dpi)
    return "".join(_label(label, content, size, printer, barcode_width)
                   for label in laid) * copies
