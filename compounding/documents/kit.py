"""The kit label: the outer label of a capsule titration kit (USP <17>; domain.md §13, §18).

One label on the kit's box or bag, 4 × 6 in (the common thermal shipping label), for the
strengths inside it, each in its own shell colour: the pharmacy with the Rx barcode, the
patient, the product ("Naltrexone HCl capsules, titration kit: 1.5 mg white, 3 mg blue, 4.5 mg
green"), every step with its dates from the start day, what the kit holds, the beyond-use date
(the earliest of its batches'), the lot of each batch, the prescriber and the cautions of the
strengths' own labels. Nothing is refused for length: a long schedule goes on to a second
label headed "(continued)". A kit label made from the order alone is a proof ("PROOF — NOT FOR
DISPENSING" across every label, each batch's provisional lot); one made with the verified
batches' lots (``dispensing``) is the dispensing label. Every user string reaches a Paragraph
through :func:`.escaping.esc` once; the header is drawn as plain strings, never parsed.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer

from compounding.bench.labeling import (
    COMPOUNDED,
    LACTOSE,
    OPIOID_WARNING,
    PROOF,
    STORAGE,
    VIVID_DREAMS,
    Dispensing,
    capsule_noun,
)
from compounding.bench.lots import lot_number
from compounding.display import count, strength
from compounding.errors import ErrorDetail, OrderError
from compounding.forms.kit import batch_orders
from compounding.orders.kit import KitOrder
from compounding.orders.models import Plan
from compounding.orders.reading import parse_order
from compounding.profile import DEFAULT_PROFILE, Profile

from .. import __name__ as _package
from .escaping import esc
from .fallback import font_for
from .fonts import register
from .regimen import AnyOrder, Regimen, long_date, printable, regimen_of
from .stock import BAR_HEIGHT, _barcode, unbroken, wrap

SIZE = (4 * inch, 6 * inch)
PAD = 0.15 * inch
NEEDED = ("pharmacy.name", "pharmacy.address", "pharmacy.phone", "prescriber.name",
          "patient.name", "rx_number")
KitDispensing = Mapping[Any, Dispensing | str] | Sequence[Dispensing]
"""The verified batches of a kit: by strength [mg] (``Fraction``, ``Decimal``, ``"3"`` or
``"3 mg"``), each batch's :class:`Dispensing` or its lot; or the batches' dispensings in the
order of the kit's strengths, lowest first."""


@dataclass(frozen=True, slots=True)
class KitLabel:
    """Every string of a kit label, in the order it prints; ``proof``: made from the order
    alone."""

    pharmacy_name: str
    pharmacy_address: str
    pharmacy_phone: str
    rx_number: str
    patient: str
    product: str
    start: str
    steps: tuple[str, ...]
    contents: str
    dates: str
    lots: str
    details: str
    cautions: tuple[str, ...]
    proof: bool


def _strength(key: Any) -> Fraction:
    text = str(key).strip()
    text = text[:-2].strip() if text.casefold().endswith("mg") else text
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise OrderError([ErrorDetail("INVALID_VALUE", "dispensing",
                                      f"“{key}” is not a strength in mg")]) from None


def batches(regimen: Regimen, profile: Profile,
            dispensing: KitDispensing | None) -> list[Dispensing]:
    """Each strength's batch as the kit label prints it, in the kit's order: its verified
    :class:`Dispensing` (a lot alone keeps the plan's dates), or, for a proof, its provisional
    lot, compounding date and beyond-use date. :class:`OrderError` (``dispensing``) when a
    strength has no batch, or a batch no strength."""
    assert regimen.kit is not None and isinstance(regimen.order, KitOrder)
    plans = regimen.kit.kit
    if dispensing is None:
        orders = [parse_order(o) for o in batch_orders(regimen.order, profile.settings)]
        return [Dispensing(lot_number(o, p.compounded_on), p.compounded_on, p.beyond_use_date)
                for o, p in zip(orders, plans, strict=True)]
    if isinstance(dispensing, Mapping):
        given = {_strength(k): v for k, v in dispensing.items()}
        found: list[Dispensing | str | None] = [
            given.pop(p.strength, given.pop(p.strength_as_ordered, None)) for p in plans]
        if given or None in found:
            made = ", ".join(strength(p.strength) for p in plans)
            raise OrderError([ErrorDetail(
                "INVALID_VALUE", "dispensing",
                f"the kit's batches are its strengths ({made}), one lot each")])
        return [d if isinstance(d, Dispensing) else
                Dispensing(str(d), p.compounded_on, p.beyond_use_date)
                for d, p in zip(found, plans, strict=True)]
    listed = list(dispensing)
    if len(listed) != len(plans) or not all(isinstance(d, Dispensing) for d in listed):
        raise OrderError([ErrorDetail(
            "INVALID_VALUE", "dispensing",
            f"the kit has {count(len(plans), 'strength')}: give one batch for each")])
    return listed


def _named(plan: Plan) -> str:
    """A strength as the kit names it: ``3 mg blue``."""
    return " ".join(x for x in (strength(plan.strength), plan.shell_colour) if x)


def kit_label_content(regimen: Regimen, profile: Profile,
                      made: list[Dispensing], proof: bool) -> KitLabel:
    """The strings of the kit label of ``regimen`` (a titration kit) and its batches."""
    assert regimen.kit is not None
    order, pharmacy, plans = regimen.order, profile.pharmacy, regimen.kit.kit
    assert order.patient and order.patient.name and order.prescriber and order.rx_number
    assert pharmacy.name and pharmacy.address and pharmacy.phone
    discard: date = min(d.discard_after for d in made)
    filled: date = max(d.filled for d in made)
    held = " · ".join(f"{count(p.capsules_dispensed, capsule_noun(p))} ({strength(p.strength)})"
                      for p in plans)
    cautions = [OPIOID_WARNING, COMPOUNDED, VIVID_DREAMS,
                *([LACTOSE] if regimen.contains_lactose else []), STORAGE]
    return KitLabel(
        pharmacy_name=pharmacy.name, pharmacy_address=pharmacy.address,
        pharmacy_phone=pharmacy.phone, rx_number=order.rx_number,
        patient=order.patient.name, product=regimen.product,
        start=f"Start on {long_date(regimen.start_on)}. Take them in this order:",
        steps=tuple(s.dated for s in regimen.steps),
        contents=f"Contents: {held}",
        dates=f"Discard after {discard.isoformat()} · Filled {filled.isoformat()}",
        lots="Lots: " + " · ".join(f"{_named(p)} {d.lot}" for p, d in zip(plans, made,
                                                                            strict=True)),
        details=f"Prescriber: {order.prescriber.name} · Refills: {order.refills} · "
                f"RPh ______",
        cautions=tuple(cautions), proof=proof)


class _Styles:
    def __init__(self) -> None:
        regular, bold = register()
        self.name = ParagraphStyle("name", fontName=bold, fontSize=13, leading=15)
        self.product = ParagraphStyle("product", fontName=bold, fontSize=11, leading=13,
                                      spaceBefore=2)
        self.small = ParagraphStyle("small", fontName=regular, fontSize=8, leading=9.5,
                                    spaceBefore=3)
        self.step = ParagraphStyle("step", fontName=regular, fontSize=11, leading=13,
                                   leftIndent=8, firstLineIndent=-8, spaceBefore=3)
        self.detail = ParagraphStyle("detail", fontName=regular, fontSize=7.5, leading=9,
                                     spaceBefore=3)
        self.caution = ParagraphStyle("caution", parent=self.detail, fontName=bold)


def _story(label: KitLabel) -> list[Any]:
    s = _Styles()
    return [Paragraph(esc(label.patient), s.name), Paragraph(esc(label.product), s.product),
            Paragraph(esc(label.start), s.small),
            *(Paragraph(f"•\u00a0{esc(step)}", s.step) for step in label.steps),
            Spacer(1, 3), Paragraph(esc(label.contents), s.detail),
            Paragraph(f"<b>{esc(label.dates)}</b>", s.detail),
            Paragraph(esc(label.lots), s.detail), Paragraph(esc(label.details), s.detail),
            Paragraph(esc(label.cautions[0]), s.caution),
            Paragraph(esc(" ".join(label.cautions[1:])), s.detail)]


def _header(label: KitLabel, width: float) -> list[tuple[str, str, float]]:
    """The header's lines left of the barcode: (text, font, size [pt])."""
    regular, bold = register()
    room = width - _barcode(label.rx_number).width - 6
    address = f"{label.pharmacy_address} · {unbroken(label.pharmacy_phone)}"
    lines = [(line, font_for(label.pharmacy_name, bold), 8.0)
             for line in wrap(label.pharmacy_name, font_for(label.pharmacy_name, bold), 8, room)]
    lines += [(line, font_for(address, regular), 6.5)
              for line in wrap(address, font_for(address, regular), 6.5, room)]
    rx = f"Rx {label.rx_number}"
    return [*lines, (rx, font_for(rx, bold), 9.5)]


def _draw_header(c: Canvas, label: KitLabel, lines: list[tuple[str, str, float]],
                 page: int) -> float:
    """The header of a label (the barcode on every one; "(continued)" after the first) and
    its rule; the rule's height [pt]."""
    width, height = SIZE
    y = height - PAD
    barcode = _barcode(label.rx_number)
    barcode.drawOn(c, width - PAD - barcode.width, y - BAR_HEIGHT)
    for text, font, size in lines:
        y -= size * 1.15
        c.setFont(font, size)
        c.drawString(PAD, y + size * 0.2, text)
    if page > 1:
        more = f"Kit label (continued) · {label.patient}"
        regular = register()[0]
        y -= 8 * 1.15
        c.setFont(font_for(more, regular), 8)
        c.drawString(PAD, y + 8 * 0.2, more)
    y = min(y, height - PAD - BAR_HEIGHT) - 3
    c.setLineWidth(0.6)
    c.line(PAD, y, width - PAD, y)
    return y


def _proof_band(c: Canvas) -> None:
    """"PROOF — NOT FOR DISPENSING" across the middle of the label, over its text."""
    width, height = SIZE
    bold = register()[1]
    size = min(16.0, (width - 2 * PAD) / stringWidth(PROOF, bold, 1.0))
    c.saveState()
    c.setFillColorRGB(0.85, 0.1, 0.1, alpha=0.12)
    c.rect(0, height / 2 - size * 0.7, width, size * 1.6, stroke=0, fill=1)
    c.setFillColorRGB(0.75, 0.0, 0.0, alpha=0.55)
    c.setFont(bold, size)
    c.drawCentredString(width / 2, height / 2 - size * 0.3, PROOF)
    c.restoreState()


def draw_kit_label(label: KitLabel, profile: Profile) -> bytes:
    """The PDF of a kit label's strings, 4 × 6 in, flowing on to more labels when long."""
    width, height = SIZE
    lines = _header(label, width - 2 * PAD)
    top = sum(size * 1.15 for _, _, size in lines)
    top = max(top + 8 * 1.15, BAR_HEIGHT) + PAD + 6  # room for "(continued)" on every label
    frame = Frame(PAD, PAD, width - 2 * PAD, height - top - PAD, leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0, id="body")

    def page(c: Canvas, document: BaseDocTemplate) -> None:
        _draw_header(c, label, lines, document.page)

    def end(c: Canvas, document: BaseDocTemplate) -> None:
        if label.proof:
            _proof_band(c)

    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer, pagesize=SIZE, leftMargin=PAD, rightMargin=PAD, topMargin=PAD,
        bottomMargin=PAD, invariant=1, title=f"Kit label · Rx {label.rx_number}",
        author=profile.pharmacy.name or "", subject=label.product, creator=_package,
        pageTemplates=[PageTemplate("label", [frame], onPage=page, onPageEnd=end)])
    document.build(_story(label))
    return buffer.getvalue()


def kit_label_pdf(kit_order: AnyOrder, profile: Profile | None = None,
                  dispensing: KitDispensing | None = None) -> bytes:
    """The kit label of a capsule titration kit (a :class:`KitOrder` or its JSON): a proof of
    the order, or with ``dispensing`` (its verified batches: a mapping strength → lot or
    :class:`Dispensing`, or the batches' dispensings in the kit's order) the dispensing label,
    with each batch's lot and the earliest of their beyond-use dates. :class:`OrderError`
    naming each missing item; :class:`compounding.UnacknowledgedFindings` (HTTP 409) while a
    critical finding of the kit or one of its strengths is unacknowledged."""
    profile = profile or DEFAULT_PROFILE
    regimen = regimen_of(kit_order, profile, kept=dispensing is not None)
    if regimen.kit is None:
        raise OrderError([ErrorDetail("FIELD_REQUIRED", "schedule",
                                      "a kit label is of a titration kit: give its schedule")])
    printable(regimen, profile, NEEDED)
    made = batches(regimen, profile, dispensing)
    return draw_kit_label(kit_label_content(regimen, profile, made, dispensing is None),
                          profile)
