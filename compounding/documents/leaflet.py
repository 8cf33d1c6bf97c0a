"""The patient leaflet: how to take low-dose naltrexone, what to expect, how to stay safe with
opioids, how to store it, in the patient's name, with a wallet card to cut out.

The words are :mod:`.leaflet_text`'s (each paragraph with its sources); this module fills in the
order's fields, numbers the sources in the order they are first cited ("[1]") and lists them at
the foot. The wallet card is an ID-1 card (ISO/IEC 7810: 85.6 × 54 mm) inside a dashed cut
line. Letter paper; every user string reaches a Paragraph through :func:`.escaping.esc` once
(a paragraph's fields are filled in as plain text, then the whole is escaped).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch, mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from compounding.display import strength
from compounding.profile import DEFAULT_PROFILE, Profile

from .. import __name__ as _package
from . import leaflet_text as words
from .escaping import esc
from .fonts import register
from .pages import numbered_canvas
from .regimen import AnyOrder, Regimen, day_month, long_date, printable, regimen_of
from .stock import unbroken

MARGIN = 0.75 * inch
CARD = (85.6 * mm, 54 * mm)
"""The wallet card: ISO/IEC 7810 ID-1, the size of a bank card."""
NEEDED = ("patient.name", "pharmacy.name", "pharmacy.phone")
_FIELD = re.compile(r"\{(\w+)\}")


def fields_of(regimen: Regimen, profile: Profile) -> dict[str, str]:
    """The values of the wording's ``{fields}`` for this order (empty: not said)."""
    order, pharmacy = regimen.order, profile.pharmacy
    assert order.patient and order.patient.name and pharmacy.name and pharmacy.phone
    key = ""
    if regimen.kit is not None and regimen.colours:
        key = words.COLOURS.format(key=", ".join(
            f"{p.shell_colour} capsules are {strength(p.strength)}" for p in regimen.kit.kit
            if p.shell_colour))
    discard = regimen.beyond_use_date
    return {"patient": order.patient.name, "product": regimen.product,
            "pharmacy": pharmacy.name, "phone": pharmacy.phone,
            "rx_number": order.rx_number or "", "start": long_date(regimen.start_on),
            "colours": key, "handling": regimen.handling, "storage": regimen.storage,
            "discard": f"{day_month(discard)} {discard.year}", "record": regimen.record}


def _filled(template: str, fields: dict[str, str]) -> str | None:
    """``template`` with its fields filled in, or ``None`` when one of them is empty."""
    names = _FIELD.findall(template)
    if any(not fields.get(name) for name in names):
        return None
    return template.format(**{name: fields[name] for name in names})


@dataclass
class _Citations:
    """The sources cited so far, numbered in the order they are first cited."""

    fields: dict[str, str]
    numbers: dict[str, int]

    def mark(self, keys: tuple[str, ...]) -> str:
        """`` [1, 2]`` for these sources (a source whose fields are empty is not cited)."""
        cited = []
        for key in keys:
            if _filled(words.SOURCES[key], self.fields) is None:
                continue
            cited.append(self.numbers.setdefault(key, len(self.numbers) + 1))
        return f" [{', '.join(str(n) for n in cited)}]" if cited else ""

    def listed(self) -> list[str]:
        """The sources cited, numbered: ``1. Younger J, ...``."""
        return [f"{number}. {_filled(words.SOURCES[key], self.fields)}"
                for key, number in sorted(self.numbers.items(), key=lambda kv: kv[1])]


class _Styles:
    def __init__(self) -> None:
        regular, bold = register()
        self.title = ParagraphStyle("title", fontName=bold, fontSize=18, leading=22)
        self.subtitle = ParagraphStyle("subtitle", fontName=bold, fontSize=13, leading=16,
                                       spaceAfter=4)
        self.heading = ParagraphStyle("heading", fontName=bold, fontSize=13, leading=16,
                                      spaceBefore=10, spaceAfter=3)
        self.body = ParagraphStyle("body", fontName=regular, fontSize=11, leading=14.5,
                                   spaceBefore=3)
        self.step = ParagraphStyle("step", parent=self.body, leftIndent=14,
                                   firstLineIndent=-9)
        self.small = ParagraphStyle("small", fontName=regular, fontSize=8, leading=10,
                                    spaceBefore=1)


class WalletCard(Flowable):
    """The wallet card inside its dashed cut line: "I take naltrexone (an opioid blocker)",
    why it matters, the patient's name, the pharmacy and its phone. Its type shrinks (to 70 %
    at most) until its text fits the card."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__()
        self.fields = fields
        self.width, self.height = CARD

    def _paragraphs(self, scale: float) -> list[Paragraph]:
        regular, bold = register()
        title = ParagraphStyle("card-title", fontName=bold, fontSize=11 * scale,
                               leading=13.5 * scale, spaceAfter=3 * scale)
        text = ParagraphStyle("card", fontName=regular, fontSize=8.5 * scale,
                              leading=10.5 * scale, spaceAfter=2 * scale)
        name = ParagraphStyle("card-name", parent=text, fontName=bold, fontSize=9.5 * scale,
                              leading=11.5 * scale, spaceBefore=3 * scale)
        return [Paragraph(esc(words.CARD_TITLE), title),
                *(Paragraph(esc(line), text) for line in words.CARD_LINES),
                Paragraph(esc(words.CARD_NAME.format(patient=self.fields["patient"])), name),
                Paragraph(esc(words.CARD_PHARMACY.format(
                    pharmacy=self.fields["pharmacy"], phone=unbroken(self.fields["phone"]))),
                    text)]

    def _laid(self) -> list[tuple[Paragraph, float]]:
        pad = 4 * mm
        room_w, room_h = self.width - 2 * pad, self.height - 2 * pad
        scale = 1.0
        while True:
            laid = [(p, p.wrap(room_w, room_h)[1]) for p in self._paragraphs(scale)]
            used = sum(h + p.getSpaceAfter() + p.getSpaceBefore() for p, h in laid)
            if used <= room_h or scale <= 0.7:
                return laid
            scale -= 0.05

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setDash(4, 3)
        c.setStrokeColor(colors.Color(0.35, 0.35, 0.35))
        c.setLineWidth(0.7)
        c.roundRect(0, 0, self.width, self.height, 3 * mm, stroke=1, fill=0)
        c.restoreState()
        pad = 4 * mm
        y = self.height - pad
        for paragraph, height in self._laid():
            y -= paragraph.getSpaceBefore() + height
            paragraph.drawOn(c, pad, y)
            y -= paragraph.getSpaceAfter()


def _story(regimen: Regimen, fields: dict[str, str]) -> list[Any]:
    s = _Styles()
    cite = _Citations(fields, {})
    story: list[Any] = [Paragraph(esc(words.TITLE), s.title),
                        Paragraph(esc(words.FOR.format(patient=fields["patient"])), s.subtitle),
                        Paragraph(esc(_filled(words.INTRODUCTION.text, fields) or ""), s.body)]
    for section in words.SECTIONS:
        story.append(Paragraph(esc(section.heading), s.heading))
        for paragraph in section.paragraphs:
            if paragraph.text == "{steps}":
                lines = ([step.dated for step in regimen.steps] if len(regimen.steps) > 1
                         else [regimen.steps[0].line])
                story += [Paragraph(f"•\u00a0{esc(line)}", s.step) for line in lines]
                continue
            text = _filled(paragraph.text, fields)
            if text is not None:
                story.append(Paragraph(esc(text + cite.mark(paragraph.sources)), s.body))
    card = WalletCard(fields)
    story.append(KeepTogether([
        Paragraph(esc(words.CARD_HEADING), s.heading),
        Paragraph(esc(f"\u2702 {words.CARD_CUT}{cite.mark(words.CARD_SOURCES)}"), s.small),
        Spacer(1, 4), card]))
    story += [Paragraph(esc(words.SOURCES_HEADING), s.heading),
              *(Paragraph(esc(line), s.small) for line in cite.listed())]
    return story


def leaflet_pdf(order: AnyOrder, profile: Profile | None = None, *,
                start_on: date | None = None, kept: bool = False) -> bytes:
    """The patient leaflet of ``order`` (a titration kit, an oral liquid or a capsule batch,
    or the JSON of any), in the patient's name, with the wallet card and its sources; the
    first day is ``start_on`` (default: the kit's ``start_on``, else the compounding date).
    :class:`OrderError` naming a missing patient name or pharmacy name or phone;
    :class:`compounding.UnacknowledgedFindings` (HTTP 409) while a critical finding is
    unacknowledged."""
    profile = profile or DEFAULT_PROFILE
    regimen = regimen_of(order, profile, start_on, kept=kept)
    printable(regimen, profile, NEEDED)
    fields = fields_of(regimen, profile)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=letter, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, invariant=1, title=words.TITLE, author=fields["pharmacy"],
        subject=regimen.product, creator=_package)
    footer = f"{words.TITLE} · {fields['pharmacy']} · {fields['phone']}"
    document.build(_story(regimen, fields), canvasmaker=numbered_canvas(footer, MARGIN))
    return buffer.getvalue()
