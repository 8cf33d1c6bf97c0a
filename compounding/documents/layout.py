"""The patient label laid out (domain.md §7, §13; USP <17>): the container's label, then its
dosing schedule and auxiliary labels (:mod:`.auxiliary`), on paper and in ZPL alike.

Patient name, drug line and directions come first and largest (≥ 11 pt); details and cautions
are 7 pt, and nothing is under 6 pt. Text is wrapped to the label's width, never shrunk and
never cut. The container's label always carries the patient, the drug, the directions, the
quantity, the BUD, the lot, the Rx number and the opioid caution; the other details and
cautions stay on it while they fit, each item or sentence whole, and only what does not fit goes
on an auxiliary label of the same stock (tracker issue 23). Directions of several steps (a
titration) print "See the dosing schedule label" on the container's label and their steps on a
dosing schedule label (domain.md §18). A titration kit's strength prints the steps it serves in
place of its directions, or, when they do not fit, "See the kit label and calendar for the
schedule" (the kit label and the calendar carry every step): never refused for their length.
``LABEL_TOO_LONG`` (naming the field) only when the essentials do not fit the container's
label, or one sentence or step does not fit a label of its own. The REPRINT mark's place is
kept on every print, so that a reprint is laid out as the first print was.
"""

from __future__ import annotations

from dataclasses import dataclass

from compounding.bench.labeling import SEE_KIT, SEE_KIT_SHORT, LabelContent
from compounding.errors import OrderError

from .auxiliary import _continued, _schedule
from .blocks import Laid, _Block, _Body, _height, _too_long, _Unit
from .stock import (
    DETAIL_SIZE,
    HEADING_SIZE,
    MARK_SIZE,
    PAD,
    SMALLEST,
    Measure,
    _mark_width,
    unbroken,
)


def _header(content: LabelContent, width: float, m: Measure) -> list[_Block]:
    """The container label's header, left of the barcode: the pharmacy, its address and phone,
    the Rx number."""
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
    # a kit's steps that do not fit: the container's label points to the kit label, in
    # fewer words on a small label
    pointers = (None, SEE_KIT, SEE_KIT_SHORT) if content.kit_steps else (None,)
    for pointer in pointers:
        body = _Body(content, width, m, pointer)
        try:
            first = _first(content, size, m, body, reprint)
            break
        except OrderError:
            if pointer is pointers[-1]:
                raise
    return [first.laid, *_schedule(content, size, m, reprint),
            *_continued(content, size, m, body, first.moved_details, first.moved_cautions,
                        reprint)]
