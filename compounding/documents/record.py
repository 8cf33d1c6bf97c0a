"""What every executed compounding record shares, whatever its dosage form (USP <795> 2023:
the compounding record of a batch as made): the header with the day and time of the bench
work, the beyond-use date worked out again from the lots used and the record's status; the
plan's and the bench's findings with their signed acknowledgements; the release with the
signatures, their meaning and time; and the record's history. The capsule record
(:mod:`.executed`) and the oral liquid's (:mod:`.liquid_executed`) add what the bench entered
for their form.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether

from compounding.bench.execution import Executed
from compounding.profile import Profile
from compounding.screening.wording import printed_text

from .sheet import Sheet
from .source_table import bud_line
from .tables import _grid


class ExecutedRecord(Sheet):
    """The parts of an executed record every form shares; a form's record class puts it
    before its worksheet class (``class _Executed(ExecutedRecord, _Worksheet)``), so that the
    header's rows are the worksheet's with the bench's day, BUD and status."""

    title = "Executed compounding record"

    def __init__(self, worked: Any, profile: Profile, executed: Executed) -> None:
        super().__init__(worked, profile)
        self.x = executed
        self.bench: Any = executed.bench
        self.lot = executed.lot

    def made(self) -> str:
        """What the bench made, for the release's yield."""
        raise NotImplementedError

    def local(self, at: datetime) -> str:
        """A time in the pharmacy's own zone (the profile's), as its people read it:
        ``2026-11-22 10:00 CST``; the API keeps UTC."""
        return _moment(at.astimezone(ZoneInfo(self.profile.settings.time_zone)))

    def header_rows(self) -> list[tuple[str, str]]:
        x = self.x
        replaced = {
            "Compounding date": f"{x.compounded_on.isoformat()} (bench work at "
                                f"{self.local(x.bench.compounded_at)})",
            "Beyond-use date": f"{x.beyond_use_date.isoformat()} (worked out from the lots used)",
        }
        rows = [(k, replaced.get(k, v)) for k, v in super().header_rows()]
        return [*rows, ("Status", x.status)]

    def findings(self) -> list[object]:
        bench = [(f, self.x.acknowledgement_of(f)) for f in self.x.findings]
        return [*super().findings(),
                *self.finding_table("Findings at the bench", bench)]

    def release(self) -> list[object]:
        x = self.x
        table = self.pairs(self.release_rows(
            bud_line(x.beyond_use_date, x.beyond_use_rationale, self.w), "", self.made()))
        signed = [[self.p(h, self.s.cell_bold) for h in ("Signed by", "Licence", "Meaning",
                                                          "Time")]]
        signed += [[self.p(s.name), self.p(s.licence or "—"), self.p(printed_text(s.meaning)),
                    self.p(self.local(s.at))] for s in x.signatures]
        signatures = (_grid(signed, [w * inch for w in (1.9, 1.1, 2.9, 1.4)])
                      if x.signatures else self.p("No signatures yet.", self.s.body))
        return [KeepTogether([self.p("Release", self.s.heading), table]),
                KeepTogether([self.p("Signatures", self.s.heading), signatures])]

    def history(self) -> list[object]:
        rows = [[self.p(h, self.s.cell_bold) for h in ("#", "Step", "Status after", "Who",
                                                        "Time", "Why")]]
        rows += [[str(s.number), s.action, s.status, self.p(s.author or "—"),
                  self.p(self.local(s.at)), self.p(s.reason)] for s in self.x.history]
        return [self.p("History", self.s.heading),
                _grid(rows, [w * inch for w in (0.35, 1.2, 0.95, 1.5, 1.3, 2.0)])]


def _moment(at: datetime) -> str:
    """A time as a person reads it: ``2026-11-22 10:00 UTC``, ``2026-11-22 04:00 CST``, or with
    its offset when its zone has no abbreviation (``UTC−06:00``)."""
    offset = at.utcoffset()
    if not offset:
        return f"{at:%Y-%m-%d %H:%M} UTC"
    zone = at.tzname()
    if zone and not zone.startswith(("+", "-", "UTC")):
        return f"{at:%Y-%m-%d %H:%M} {zone}"
    seconds = int(offset.total_seconds())
    sign, minutes = ("−" if seconds < 0 else "+"), abs(seconds) // 60
    return f"{at:%Y-%m-%d %H:%M} UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"
