"""A label's text as blocks of lines, and a label as laid out (:class:`Laid`).

The body of the container's label in the order it prints: what it must carry (patient, drug,
directions or the pointer to the dosing schedule label, an oral liquid's handling line: shake
well and the syringe; quantity, BUD and lot, the opioid caution) and what may move,
each item or sentence whole, to an auxiliary label (the details, then the other cautions)
(tracker issue 23); and ``LABEL_TOO_LONG``, naming the field, for a block no label holds.
Shared by the container's label (:mod:`.layout`) and the dosing schedule and auxiliary labels
(:mod:`.auxiliary`), on paper and in ZPL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import inch

from compounding.bench.labeling import OPIOID_WARNING, SEE_SCHEDULE, LabelContent, sentences
from compounding.errors import ErrorDetail, OrderError

from .stock import (
    CAUTION_SIZE,
    DETAIL_SIZE,
    DIRECTIONS_SIZE,
    DRUG_SIZE,
    LEADING,
    NAME_SIZE,
    Measure,
)


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


@dataclass(frozen=True, slots=True)
class _Unit:
    """One item or whole sentence that stays on the container's label or moves, whole, to an
    auxiliary label; ``field`` names the order field it prints, if any."""

    text: str
    field: str | None = None


class _Body:
    """The text of a label's body, in the order it prints: the blocks that must be on the
    container's label (patient, drug, directions or the pointer to the schedule label, an
    oral liquid's handling line, quantity, BUD and lot, the opioid caution) and the units
    that may move (the details, then the other cautions, sentence by sentence). A titration
    kit's strength prints the steps it serves, each on its own lines, in place of the
    directions, or, when they do not fit, ``pointer`` (to the kit label)."""

    def __init__(self, content: LabelContent, width: float, m: Measure,
                 pointer: str | None = None) -> None:
        self.width, self.m = width, m
        if content.kit_steps and pointer is None:
            directions = [self.block(step, m.regular, DIRECTIONS_SIZE, "directions")
                          for step in content.kit_steps]
        else:
            text = pointer or (SEE_SCHEDULE if content.schedule else content.directions)
            directions = [self.block(text, m.regular, DIRECTIONS_SIZE, "directions")]
        self.essential = [
            self.block(content.patient, m.bold, NAME_SIZE, "patient.name"),
            self.block(content.drug, m.bold, DRUG_SIZE, "strength"),
            *directions,
            *([self.block(content.handling, m.bold, CAUTION_SIZE)] if content.handling else []),
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
    """The height of ``blocks``, one under the other [pt]."""
    return sum(b.height for b in blocks)


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

