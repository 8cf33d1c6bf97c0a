"""The labels after the container's: the dosing schedule label and the auxiliary labels.

Directions of several steps (a titration, domain.md §18) print their steps on a dosing schedule
label, each step whole, numbered from 1; what the container's label has no room for (the
details, then the cautions, each item or sentence whole) goes on auxiliary labels of the same
stock, in order, as many as it takes (tracker issue 23). Each carries a heading naming the Rx
number and the patient, with room for the REPRINT mark. ``LABEL_TOO_LONG`` only for one step,
item or sentence that no label holds.
"""

from __future__ import annotations

from compounding.bench.labeling import LabelContent

from .blocks import Laid, _Block, _Body, _height, _too_long, _Unit
from .stock import DIRECTIONS_SIZE, HEADING_SIZE, PAD, Measure, _mark_width


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
