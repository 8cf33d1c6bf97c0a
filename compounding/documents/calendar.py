"""The patient's dosing calendar: the schedule day by day, to tick off (domain.md §18).

A row a day, or, for a schedule longer than eight weeks, a row a week (each within one step, so
that a row never mixes two doses): the dates, the day numbers of the schedule, the dose [mg]
and what to take, a capsule's shell colour (its name, and a swatch of it) and how many, or an
oral liquid's volume [mL], and a box to tick for each dose. The dates are counted from the
start day (a kit's ``start_on``, else the compounding date). Letter paper; every user string
reaches a Paragraph through :func:`.escaping.esc` once.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from compounding.display import count, show, strength
from compounding.profile import DEFAULT_PROFILE, Profile

from .. import __name__ as _package
from .escaping import esc
from .fonts import register
from .pages import numbered_canvas
from .regimen import WEEKDAYS, AnyOrder, Regimen, Step, day_month, long_date, printable, regimen_of

DAILY_UP_TO = 56
"""[days] A schedule of up to eight weeks prints a row a day; a longer one, a row a week."""
MARGIN = 0.6 * inch
BOX = 9.0  # [pt] a tick box's side
MAX_BOX_ROWS = 4  # doses a day drawn as rows of boxes at most


def _day(day: date) -> str:
    """``Mon 23 Nov``."""
    return f"{WEEKDAYS[day.weekday()][:3]} {day_month(day)}"


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the calendar: its ``dates`` and schedule ``days``, the ``dose`` and what to
    ``take``, the shell ``colour`` and its tick boxes (``columns`` × ``rows``: a day's doses
    across; a week's days across and its doses a day down)."""

    dates: str
    days: str
    dose: str
    take: str
    colour: str | None
    columns: int
    rows: int


def rows_of(regimen: Regimen) -> list[Row]:
    """The calendar's rows: a day each, or for a schedule longer than :data:`DAILY_UP_TO`
    days, a week each, counted from each step's first day (a step's last week may be
    shorter)."""
    weekly = regimen.days > DAILY_UP_TO
    out = []
    for step in regimen.steps:
        length = 7 if weekly else 1
        for first in range(step.first_day, step.last_day + 1, length):
            last = min(first + length - 1, step.last_day)
            start = step.first_date + timedelta(days=first - step.first_day)
            end = start + timedelta(days=last - first)
            dates = _day(start) if first == last else (
                f"{_day(start)} – {_day(end)}" if start.year == end.year else
                f"{_day(start)} {start.year} – {_day(end)} {end.year}")
            days = str(first) if first == last else f"{first}–{last}"
            doses = min(step.doses_per_day, MAX_BOX_ROWS)
            out.append(Row(dates, days, f"{show(step.dose)} mg", _take(step), step.colour,
                           last - first + 1 if weekly else doses, doses if weekly else 1))
    return out


def _take(step: Step) -> str:
    """``1 white capsule at bedtime``; ``4.5 mL twice daily``."""
    return f"{step.amount} {step.when}"


def swatch_colour(name: str | None) -> colors.Color | None:
    """The colour a shell's colour name draws in (``blue``, ``light blue``), or ``None`` when
    it is not a colour reportlab knows by name (then only the name prints)."""
    if not name:
        return None
    try:
        found = colors.toColor(name.replace(" ", "").casefold())
    except ValueError:
        return None
    return found if isinstance(found, colors.Color) else None


class Swatch(Flowable):
    """A capsule drawn in its shell colour, outlined (a white shell on white paper)."""

    def __init__(self, colour: colors.Color) -> None:
        super().__init__()
        self.colour, self.width, self.height = colour, 18.0, 8.0

    def draw(self) -> None:
        c = self.canv
        c.setStrokeColor(colors.Color(0.3, 0.3, 0.3))
        c.setLineWidth(0.6)
        c.setFillColor(self.colour)
        c.roundRect(0, 0, self.width, self.height, self.height / 2, stroke=1, fill=1)


class Boxes(Flowable):
    """Empty boxes to tick, ``columns`` across and ``rows`` down."""

    def __init__(self, columns: int, rows: int) -> None:
        super().__init__()
        self.columns, self.rows = columns, rows
        self.width = columns * (BOX + 3)
        self.height = rows * (BOX + 3) - 3

    def draw(self) -> None:
        c = self.canv
        c.setLineWidth(0.8)
        for row in range(self.rows):
            for column in range(self.columns):
                c.rect(column * (BOX + 3), self.height - (row + 1) * (BOX + 3) + 3, BOX, BOX,
                       stroke=1, fill=0)


class _Styles:
    def __init__(self) -> None:
        regular, bold = register()
        self.title = ParagraphStyle("title", fontName=bold, fontSize=16, leading=19)
        self.body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=12.5,
                                   spaceBefore=2)
        self.cell = ParagraphStyle("cell", fontName=regular, fontSize=10, leading=12)
        self.head = ParagraphStyle("head", parent=self.cell, fontName=bold)


def _heading(regimen: Regimen, profile: Profile, s: _Styles) -> list[Any]:
    order, pharmacy = regimen.order, profile.pharmacy
    assert order.patient and order.patient.name
    weekly = regimen.days > DAILY_UP_TO
    about = [f"Rx {order.rx_number}" if order.rx_number else "",
             *(x for x in (pharmacy.name, pharmacy.phone) if x)]
    out: list[Any] = [
        Paragraph(f"Dosing calendar for {esc(order.patient.name)}", s.title),
        Paragraph(f"<b>{esc(regimen.product)}</b>", s.body),
        Paragraph(esc(" · ".join(x for x in about if x)), s.body),
        Paragraph(esc(f"Start on {long_date(regimen.start_on)}; "
                      f"{count(regimen.days, 'day')} in all."), s.body)]
    if regimen.kit is not None and regimen.colours:
        key = " · ".join(f"{p.shell_colour} capsules: {strength(p.strength)}"
                         for p in regimen.kit.kit if p.shell_colour)
        out.append(Paragraph(esc(f"Capsule colours: {key}."), s.body))
    if regimen.handling:
        out.append(Paragraph(esc(regimen.handling), s.body))
    tick = ("Tick a box for each day's dose (one row a week)." if weekly else
            "Tick a box each time you take a dose.")
    out += [Paragraph(esc(tick), s.body), Spacer(1, 6)]
    return out


def _table(rows: list[Row], weekly: bool, width: float, s: _Styles) -> Table:
    head = ["Dates" if weekly else "Date", "Days" if weekly else "Day", "Dose", "",
            "Take", "Done"]
    data: list[list[Any]] = [[Paragraph(esc(h), s.head) for h in head]]
    for row in rows:
        colour = swatch_colour(row.colour)
        data.append([Paragraph(esc(row.dates), s.cell), Paragraph(esc(row.days), s.cell),
                     Paragraph(esc(row.dose), s.cell), Swatch(colour) if colour else "",
                     Paragraph(esc(row.take), s.cell), Boxes(row.columns, row.rows)])
    first = (2.0 if weekly else 1.1) * inch
    done = 7 * (BOX + 3) + 12 if weekly else MAX_BOX_ROWS * (BOX + 3) + 12
    widths = [first, 0.6 * inch, 0.7 * inch, 0.4 * inch]
    widths += [width - sum(widths) - done, done]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    return table


def calendar_pdf(order: AnyOrder, profile: Profile | None = None, *,
                 start_on: date | None = None, kept: bool = False) -> bytes:
    """The patient's dosing calendar of ``order``: a titration kit (:class:`KitOrder` or its
    JSON), an oral liquid (with a ``schedule`` or one dose) or a capsule batch; started on
    ``start_on`` (default: the kit's ``start_on``, else the compounding date).
    :class:`OrderError` when the order is invalid or names no patient;
    :class:`compounding.UnacknowledgedFindings` (HTTP 409) while a critical finding is
    unacknowledged."""
    profile = profile or DEFAULT_PROFILE
    regimen = regimen_of(order, profile, start_on, kept=kept)
    printable(regimen, profile, ("patient.name",))
    s = _Styles()
    width = letter[0] - 2 * MARGIN
    weekly = regimen.days > DAILY_UP_TO
    story = [*_heading(regimen, profile, s), _table(rows_of(regimen), weekly, width, s)]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=letter, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, invariant=1, title="Dosing calendar",
        author=profile.pharmacy.name or "", subject=regimen.product, creator=_package)
    footer = f"Dosing calendar · {regimen.product}"
    document.build(story, canvasmaker=numbered_canvas(footer, MARGIN))
    return buffer.getvalue()
