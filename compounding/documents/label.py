"""The patient label as a PDF (domain.md §7, §13; USP <17>): its labels drawn on the profile's
stock, 4 × 2 in, 3 × 2 in or ten to a letter sheet.

Every label is laid out first (:func:`.layout.lay_out`: the container's label, its dosing schedule
and auxiliary labels; the stocks and the measuring in :mod:`.stock`), then drawn: the header
with the Rx barcode, a rule, the body. A proof (a label made from an order alone) carries "PROOF
— NOT FOR DISPENSING" across every label; a reprint carries a REPRINT mark (white on black) on
every label of every copy. Strings are drawn straight on the canvas, which never parses markup,
so they print exactly as typed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.graphics.barcode.code128 import Code128
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from compounding.bench.labeling import (
    PROOF,
    Dispensing,
    LabelContent,
    label_content,
    liquid_label_content,
)
from compounding.forms.liquid import LiquidWorked
from compounding.orders.models import Order, Plan
from compounding.plan import Worked, plan_of
from compounding.profile import Profile

from .blocks import Laid, _Block, line_slot
from .fonts import register
from .layout import lay_out
from .printable import check_label
from .stock import (
    BAR_HEIGHT,
    LEADING,
    MARK_PAD,
    MARK_SIZE,
    PAD,
    REPRINT,
    STOCKS,
    _barcode,
    _pdf_measure,
    copies_of,
)


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
    contents = []
    for order, plan, dispensing in items:
        check_label(order, profile)
        contents.append(label_content(order, plan, profile.pharmacy, dispensing))
    return draw_labels(contents, profile, reprint=reprint, copies=copies)


def content_of(worked: Worked | LiquidWorked, profile: Profile,
               dispensing: Dispensing | None = None) -> LabelContent:
    """The label's strings of a worked-out batch of any form (a capsule batch, or an oral
    liquid with its master formulation record's storage and cautions); refused as
    :func:`label_content` refuses."""
    if isinstance(worked, LiquidWorked):
        return liquid_label_content(worked.order, plan_of(worked), worked.mfr_record,
                                    profile.pharmacy, dispensing)
    return label_content(worked.order, plan_of(worked), profile.pharmacy, dispensing)


def worked_labels(items: Sequence[tuple[Worked | LiquidWorked, Dispensing | None]],
                  profile: Profile, *, reprint: bool = False, copies: int = 1) -> bytes:
    """:func:`build_labels` of worked-out batches of any form, each with its dispensing (or
    ``None``: a proof)."""
    copies = copies_of(copies)
    contents = []
    for worked, dispensing in items:
        check_label(worked.order, profile)
        contents.append(content_of(worked, profile, dispensing))
    return draw_labels(contents, profile, reprint=reprint, copies=copies)


def draw_labels(contents: Sequence[LabelContent], profile: Profile, *, reprint: bool = False,
                copies: int = 1) -> bytes:
    """The PDF of these labels' contents on the profile's stock, each laid out in full (its
    dosing schedule and auxiliary labels) before anything is drawn."""
    copies = copies_of(copies)
    stock = STOCKS[profile.label.stock]
    layouts = []
    for content in contents:
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
