"""What a patient's documents say about taking the medicine: the regimen of an order of any form.

The kit label (:mod:`.kit`), the calendar (:mod:`.calendar`) and the leaflet (:mod:`.leaflet`)
print the same steps with the same dates. A :class:`Regimen` is worked out once from the
order's plan: a titration kit's steps (:class:`compounding.orders.kit.KitPlan`), an oral
liquid's (one step, or a schedule, in mL), or a capsule batch's one step; each step with its
days counted from the start day, its dates, the amount of a dose in the patient's words ("1
blue capsule", "4.5 mL") and the line the labels print. Nothing here computes a dose: the plans
do. Dates are written in English words, never by the machine's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from compounding.bench.labeling import (
    STORAGE,
    capsule_noun,
    drug_line,
    liquid_drug_line,
    liquid_handling,
    liquid_schedule,
)
from compounding.display import count, show, strength
from compounding.errors import ErrorDetail, OrderError, UnacknowledgedFindings
from compounding.forms.kit import plan_kit
from compounding.forms.liquid import LiquidWorked
from compounding.orders.kit import KitOrder, KitPlan
from compounding.orders.liquid import LiquidOrder, LiquidPlan
from compounding.orders.models import MfrUsed, Order, Plan
from compounding.orders.reading import parse_any
from compounding.plan import plan_of, work_out
from compounding.profile import Profile
from compounding.screening.findings import Finding

from .printable import refuse, strings

AnyOrder = Order | LiquidOrder | KitOrder | Mapping[str, Any]
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def day_month(day: date, year: bool = False) -> str:
    """``23 Nov`` (``23 Nov 2026`` with ``year``)."""
    return f"{day.day} {MONTHS[day.month - 1][:3]}" + (f" {day.year}" if year else "")


def span(first: date, last: date) -> str:
    """The dates of a step or a week: ``23 Nov – 6 Dec``; with the years when it ends in
    another year (``21 Dec 2026 – 19 Jan 2027``); one day: ``23 Nov``."""
    if first == last:
        return day_month(first)
    years = first.year != last.year
    return f"{day_month(first, years)} – {day_month(last, years)}"


def long_date(day: date) -> str:
    """``Monday 23 November 2026``."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def when(doses_per_day: int, timing: str | None) -> str:
    """How often, in the labels' words: the timing of one dose a day ("at bedtime"), else
    "twice daily"."""
    if doses_per_day == 1 and timing:
        return timing
    return {1: "once daily", 2: "twice daily", 3: "three times daily"}.get(
        doses_per_day, f"{doses_per_day} times daily")


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the regimen: days ``first_day``-``last_day`` of the schedule and their
    dates, the ``dose`` [mg] taken ``doses_per_day`` times a day as ``amount`` ("1 white
    capsule", "4.5 mL"), the shell ``colour`` (capsules of a kit), ``when`` ("at bedtime") and
    ``line``, the step as its labels print it."""

    first_day: int
    last_day: int
    first_date: date
    last_date: date
    dose: Fraction
    doses_per_day: int
    amount: str
    colour: str | None
    when: str
    line: str

    @property
    def dated(self) -> str:
        """The line with its dates: ``Days 1–14 (23 Nov – 6 Dec): take 1 white capsule
        (1.5 mg) by mouth at bedtime``."""
        days = f"Days {self.first_day}–{self.last_day}"
        dates = f"{days} ({span(self.first_date, self.last_date)})"
        if self.line.startswith(f"{days}: "):
            return dates + self.line[len(days):]
        return f"{dates}: {self.line[:1].lower()}{self.line[1:]}"


@dataclass(frozen=True, slots=True)
class Regimen:
    """The regimen of an order: the parsed ``order``, its ``form`` (``kit``, ``capsules`` or
    ``oral_liquid``), the ``product`` line, the ``steps``, the ``start_on`` day, the
    ``storage`` (from the master formulation record), the earliest ``beyond_use_date``, an
    oral liquid's ``handling`` line (shake well, the syringe), whether it ``contains_lactose``,
    the ``findings`` of its plans (a kit's own and each strength's), the master formulation
    ``record`` it is made under (its name, id and version) and the ``kit`` plan of a titration
    kit."""

    order: Order | LiquidOrder | KitOrder
    form: str
    product: str
    steps: list[Step]
    start_on: date
    storage: str
    beyond_use_date: date
    handling: str
    contains_lactose: bool
    findings: list[Finding]
    record: str
    kit: KitPlan | None = None

    @property
    def days(self) -> int:
        """The schedule's length [days]."""
        return self.steps[-1].last_day

    @property
    def colours(self) -> list[str]:
        """The shell colours, one a strength, in the order of the steps."""
        return list(dict.fromkeys(s.colour for s in self.steps if s.colour))


def _step(first: int, days: int, start: date, dose: Fraction, per_day: int, amount: str,
          colour: str | None, timing: str | None, line: str) -> Step:
    last = first + days - 1
    return Step(first, last, start + timedelta(days=first - 1), start + timedelta(days=last - 1),
                dose, per_day, amount, colour, when(per_day, timing), line)


def record_storage(plan: Plan, profile: Profile) -> str:
    """How to store capsules: the storage of the master formulation record the batch follows,
    or the label's standard storage."""
    if plan.mfr is not None:
        for entry in profile.settings.formulary_of().versions(plan.mfr.id):
            if entry.mfr.version == plan.mfr.version and entry.mfr.storage.strip():
                return sentence(entry.mfr.storage)
    return STORAGE


def record_name(mfr: MfrUsed | None) -> str:
    """``Naltrexone HCl capsules from tablets (LDN-CAPS-TAB-MCC, version 1)``; empty for a plan
    kept before the formulary."""
    return f"{mfr.name} ({mfr.id}, version {mfr.version})" if mfr else ""


def sentence(text: str) -> str:
    """``text`` with a capital and a full stop."""
    text = text.strip().rstrip(".")
    return f"{text[:1].upper()}{text[1:]}."


def kit_product(kit: KitPlan) -> str:
    """``Naltrexone HCl capsules, titration kit: 1.5 mg white, 3 mg blue, 4.5 mg green``."""
    base = any(p.strength_basis == "base" for p in kit.kit)
    parts = [" ".join(x for x in (strength(p.strength_as_ordered if base else p.strength),
                                  p.shell_colour) if x) for p in kit.kit]
    name = "Naltrexone (as base) capsules" if base else "Naltrexone HCl capsules"
    return f"{name}, titration kit: {', '.join(parts)}"


def _kit(order: KitOrder, profile: Profile, start_on: date | None,
         kept: bool = False) -> Regimen:
    kit = plan_kit(order, profile.settings, kept=kept)
    start = start_on or kit.start_on
    steps = [_step(s.first_day, s.last_day - s.first_day + 1, start, s.dose, s.doses_per_day,
                   count(s.capsules_per_dose, f"{s.shell_colour} capsule" if s.shell_colour
                         else "capsule"),
                   s.shell_colour, order.timing, s.directions) for s in kit.schedule]
    return Regimen(order, "kit", kit_product(kit), steps, start,
                   record_storage(kit.kit[0], profile),
                   min(p.beyond_use_date for p in kit.kit), "",
                   any(p.contains_lactose for p in kit.kit),
                   [*kit.findings, *(f for p in kit.kit for f in p.findings)],
                   record_name(kit.kit[0].mfr), kit)


def _liquid(worked: LiquidWorked, start_on: date | None) -> Regimen:
    plan: LiquidPlan = plan_of(worked)
    order = worked.order
    start = start_on or getattr(order, "start_on", None) or plan.compounded_on
    lines = liquid_schedule(plan) if len(plan.steps) > 1 else ()
    steps = []
    for index, s in enumerate(plan.steps):
        days = s.days if s.days is not None else plan.days_supply - s.first_day + 1
        line = lines[index] if len(lines) == len(plan.steps) else plan.directions
        steps.append(_step(s.first_day, days, start, s.dose, s.doses_per_day,
                           f"{show(s.dose_volume)} mL", None, plan.sig.timing, line))
    return Regimen(order, "oral_liquid", liquid_drug_line(plan), steps, start,
                   sentence(plan.storage), plan.beyond_use_date, liquid_handling(plan),
                   plan.contains_lactose, plan.findings, record_name(plan.mfr))


def _capsules(plan: Plan, order: Order, profile: Profile, start_on: date | None) -> Regimen:
    if plan.kit_steps:
        raise OrderError([ErrorDetail(
            "INVALID_VALUE", "kit_steps", "this is one strength of a titration kit: its "
                                          "calendar and leaflet are the kit's, made from the "
                                          "kit's order")])
    start = start_on or plan.compounded_on
    sig = plan.sig
    step = _step(1, plan.days_supply, start, plan.strength * sig.capsules_per_dose,
                 sig.doses_per_day, count(sig.capsules_per_dose, capsule_noun(plan)),
                 plan.shell_colour, sig.timing, plan.directions)
    return Regimen(order, "capsules", drug_line(plan), [step], start,
                   record_storage(plan, profile), plan.beyond_use_date, "",
                   plan.contains_lactose, plan.findings, record_name(plan.mfr))


def regimen_of(order: AnyOrder, profile: Profile, start_on: date | None = None, *,
               kept: bool = False) -> Regimen:
    """The regimen of ``order`` (a titration kit, an oral liquid, a capsule batch, or the
    JSON of any), started on ``start_on`` (default: the kit's ``start_on``, else the
    compounding date); :class:`OrderError` when the order is invalid. ``kept``: a kept
    order, planned on its own compounding date however long ago (a reprint)."""
    parsed = parse_any(order)
    if isinstance(parsed, KitOrder):
        return _kit(parsed, profile, start_on, kept)
    worked = work_out(parsed, profile.settings, kept=kept)
    if isinstance(worked, LiquidWorked):
        return _liquid(worked, start_on)
    return _capsules(plan_of(worked), worked.order, profile, start_on)


def printable(regimen: Regimen, profile: Profile, needed: tuple[str, ...]) -> None:
    """Refuse, before anything is drawn, a patient document that lacks what it prints:
    ``FIELD_REQUIRED`` naming each of ``needed`` (``patient.name``, ``rx_number``,
    ``prescriber.name``, ``pharmacy.name``, ``pharmacy.address``, ``pharmacy.phone``) that is
    missing; ``CHARACTER_NOT_PRINTABLE`` naming a field no font here prints;
    :class:`UnacknowledgedFindings` (HTTP 409) while a critical finding is unacknowledged, as
    for the labels."""
    order, pharmacy = regimen.order, profile.pharmacy
    given = {"patient.name": order.patient.name if order.patient else None,
             "rx_number": order.rx_number,
             "prescriber.name": order.prescriber.name if order.prescriber else None,
             "pharmacy.name": pharmacy.name, "pharmacy.address": pharmacy.address,
             "pharmacy.phone": pharmacy.phone}
    missing = [ErrorDetail("FIELD_REQUIRED", field, f"is required on this document: give it "
                                                    f"in {where(field)}")
               for field in needed if not given[field]]
    if missing:
        raise OrderError(missing)
    refuse([*strings(order.model_dump(mode="json")),
            *strings(pharmacy.model_dump(mode="json"), "profile.pharmacy")])
    unacknowledged = [f for f in regimen.findings if f.needs_acknowledgement]
    if unacknowledged:
        raise UnacknowledgedFindings([
            ErrorDetail("CRITICAL_UNACKNOWLEDGED", f.field,
                        f"{f.code}: {f.message} A pharmacist must acknowledge it (name and "
                        f"reason) before this document is printed.")
            for f in unacknowledged])


def where(field: str) -> str:
    """Where a missing item is given: the pharmacy's profile or the order."""
    return "the pharmacy's profile" if field.startswith("pharmacy.") else "the order"
