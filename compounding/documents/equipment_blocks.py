"""The pharmacy's equipment on its compounding records: the balance beside each amount weighed,
weighing in portions, and a capsule batch's runs on a capsule machine, on the worksheet
(:mod:`.worksheet`, :mod:`.liquid_worksheet`) and as the bench made them on the executed record
(:mod:`.executed`).

With the pharmacy's balances listed (the profile's ``[[balances]]``), each amount prints to the
readability of the balance that weighs it: a weighing of the plan (``plan.weighings``) to its
own balance's, any other mass (a geometric dilution's addition, a fill weight) to the most
precise balance whose minimum weighable quantity ≤ mass ≤ capacity (USP <1251>; USP <41>); and
each weighed component names its balance, ``Balance: analytical (0.1 mg)``. Without a list the
one balance's readability is used and nothing else changes. A weighing in equal portions gives
each portion and a blank for it. A batch filled in runs gives each run's capsules, blend and
quality control sample (at least 10 capsules a run, all of a smaller run) with blanks for the
capsules made and the run's weights; the bench's record gives each run as made and the balance
each weighing was made on (USP <795> 2023 §8: the compounding record names the equipment used).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from reportlab.lib.units import inch
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from compounding.bench.reconciliation import outside_range, weight_statistics
from compounding.display import count, show
from compounding.formulation.balances import balance_for
from compounding.orders.models import WeighingPlan
from compounding.profile import Profile

from .escaping import esc
from .tables import _grid

Sheet = Any
"""A worksheet or an executed record being built (:class:`.sheet.Sheet`); it imports this
module, so it is not named here."""

SAME = Fraction(1, 1_000_000)
"""Two masses within this [mg] are one weighing (a kept plan's masses are rounded to it)."""
BLANK = "______"
"""A blank for one number written at the bench."""
WITH_BALANCE = [w * inch for w in (1.5, 1.0, 0.8, 0.8, 1.75, 0.8, 0.65)]
"""The worksheet's components columns [pt] when each amount names its balance."""


class Scales:
    """The balances ``plan``'s amounts are weighed on, as the pharmacy's ``profile`` lists
    them (none listed: the one balance of ``[balance]``, and the record prints as it always
    has)."""

    def __init__(self, plan: Any, profile: Profile) -> None:
        self.listed = tuple(profile.balances)
        self.weighings: list[WeighingPlan] = list(getattr(plan, "weighings", None) or [])
        self.finest = min((b.readability for b in self.listed), default=None)
        self.named = bool(self.listed) or any(w.portions > 1 for w in self.weighings)
        """Whether the weighed amounts name their balance or portions (wider columns)."""

    def planned(self, mass: Fraction) -> WeighingPlan | None:
        """The plan's weighing of ``mass`` [mg], if it is one."""
        return next((w for w in self.weighings if abs(w.mass - mass) <= SAME), None)

    def step(self, mass: Fraction, default: Fraction) -> Fraction:
        """The readability [mg] ``mass`` [mg] prints to: its weighing's balance's, else the
        most precise listed balance that holds it (the finest listed when none does);
        ``default`` when the pharmacy lists no balances."""
        if not self.listed:
            return default
        planned = self.planned(mass)
        if planned is not None:
            return planned.readability
        found = balance_for(mass, self.listed)
        return found.readability if found is not None else (self.finest or default)


def balance_words(w: WeighingPlan) -> str:
    """``Balance: analytical (0.1 mg)``: the balance a weighing is made on, with its
    readability."""
    return f"Balance: {w.balance} ({show(w.readability)} mg)"


def _portion(sheet: Sheet, w: WeighingPlan) -> str:
    return sheet.mg(w.mass / w.portions)


def with_balances(sheet: Sheet, rows: Sequence[list[Any]], column: int) -> list[list[Any]]:
    """``rows`` of a components or ingredients table, each weighed amount in ``column`` (as
    ``sheet.mg`` prints it, or followed by its exact value in brackets) a paragraph of the
    amount, any portions and its balance, each on its line; unchanged when the pharmacy lists
    no balances and nothing is weighed in portions (:func:`cell` lays out either)."""
    scales: Scales = sheet.scales
    printed = {sheet.mg(w.mass): w for w in scales.weighings}
    out = []
    for row in rows:
        text = row[column] if len(row) > column else None
        found = next((w for p, w in printed.items() if isinstance(text, str)
                      and (text == p or text.startswith(p + " ("))), None)
        if found is None or not (scales.listed or found.portions > 1):
            out.append(list(row))
            continue
        said = [text]
        if found.portions > 1:
            said.append(f"in {found.portions} portions of {_portion(sheet, found)}")
        if scales.listed:
            said.append(balance_words(found))
        lines = "<br/>".join(esc(line) for line in said)
        out.append([*row[:column], sheet.markup(lines, sheet.s.small), *row[column + 1:]])
    return out


def cell(sheet: Sheet, value: Any, empty: str = "—") -> Any:
    """A table cell of a row :func:`with_balances` made: its paragraph as it is, any other
    value as text (``empty`` for none)."""
    if isinstance(value, Flowable):
        return value
    return sheet.p(str(value) if value else empty)


def portion_steps(sheet: Sheet, steps: list[str]) -> list[str]:
    """``steps`` with each weighing made in equal portions said in portions, with a blank for
    each portion and for their total: the step that weighs it (``Weigh 1104 g of ...``) says
    so, or a step of its own follows them."""
    out = list(steps)
    for w in sheet.scales.weighings:
        if w.portions < 2:
            continue
        blanks = " ".join(f"{i}. {BLANK}" for i in range(1, w.portions + 1))
        on = f" ({balance_words(w)})" if sheet.scales.listed else ""
        portions = (f" in {w.portions} portions of {_portion(sheet, w)}{on}, recording each: "
                    f"{blanks}; total {BLANK}.")
        start = f"Weigh {sheet.mg(w.mass)} of "
        at = next((i for i, s in enumerate(out) if s.startswith(start) and s.endswith(".")
                   and s.count(".") == 1), None)
        if at is None:
            out.append(f"{start}{w.what}{portions}")
        else:
            out[at] = out[at][:-1] + portions
    return out


def rounding_note(sheet: Sheet) -> str:
    """How the calculations' weighings are rounded: to the one balance's readability, or to
    each weighing's own balance's."""
    if sheet.scales.listed:
        return ("weighings are rounded to the readability of the balance each is made on "
                "(named in Components).")
    return f"weighings are rounded to the balance readability ({show(sheet.step)} mg)."


def runs_note(sheet: Sheet) -> str:
    """The fill step's pointer to the runs, when the batch is filled on a machine."""
    plan = sheet.plan
    if not plan.runs:
        return ""
    return f" Fill them on the {plan.machine} in {count(len(plan.runs), 'run')} (Runs, below)."


def _qc_total(plan: Any) -> int:
    """Capsules the runs' quality control weighs in all: each run's sample, and more when the
    pharmacy weighs more from a batch (``capsules_to_weigh``)."""
    return max(sum(r.qc_sample for r in plan.runs), plan.capsules_to_weigh)


def runs_block(sheet: Sheet) -> list[object]:
    """The runs of a batch filled on a capsule machine: the steps of each run, and a table of
    the runs with each run's capsules, blend and QC sample, and blanks for the capsules made
    and the weights of its sample."""
    plan = sheet.plan
    if not plan.runs:
        return []
    low, high = sheet.mg(plan.fill_weight_min), sheet.mg(plan.fill_weight_max)
    extra = _qc_total(plan) - sum(r.qc_sample for r in plan.runs)
    more = (f" Weigh {extra} more from any run: {_qc_total(plan)} in all." if extra > 0 else "")
    steps = (f"The batch is filled on the {plan.machine} in {count(len(plan.runs), 'run')} of "
             f"one plate each, the last one partial. For each run: set the run's empty shells "
             f"in the plate; weigh the run's blend and spread it evenly over the plate; fill "
             f"and close the capsules; count the capsules made; weigh the run's QC sample one "
             f"by one (net fill weight {low} to {high}) and set aside any outside the range. "
             f"Write each run's capsules made and weights below.{more}")
    head = ["Run", "Capsules", "Blend", "QC sample", "Capsules made", "QC net weights (mg)"]
    rows: list[list[object]] = [[sheet.p(h, sheet.s.cell_bold) for h in head]]
    for r in plan.runs:
        blanks = " ".join(f"{i}. {BLANK}" for i in range(1, r.qc_sample + 1))
        rows.append([sheet.p(str(r.run)), sheet.p(str(r.capsules)), sheet.p(sheet.mg(r.blend)),
                     sheet.p(str(r.qc_sample)), sheet.p(BLANK), sheet.p(blanks)])
    rows.append([sheet.p("All runs", sheet.s.cell_bold), sheet.p(str(plan.capsules_to_fill)),
                 sheet.p(sheet.mg(sum((r.blend for r in plan.runs), Fraction(0)))),
                 sheet.p(str(_qc_total(plan))), sheet.p(BLANK), sheet.p("")])
    return [CondPageBreak(1.5 * inch),
            KeepTogether([sheet.p(f"Runs on the {plan.machine}", sheet.s.heading),
                          sheet.p(steps, sheet.s.body), Spacer(1, 3)]),
            _grid(rows, [w * inch for w in (0.45, 0.7, 0.85, 0.7, 0.95, 3.65)])]


def runs_quality(sheet: Sheet) -> list[object]:
    """Quality control of a batch filled in runs: the range, and the weights in each run's
    row (Runs, above)."""
    plan = sheet.plan
    return [KeepTogether([
        sheet.p("Quality control", sheet.s.heading),
        sheet.p(f"Theoretical fill weight w = {sheet.mg(plan.fill_weight)}; acceptance range "
                f"90-110 %: {sheet.mg(plan.fill_weight_min)} to {sheet.mg(plan.fill_weight_max)} "
                f"net (filled capsule minus an empty shell). Each run's QC sample is weighed one "
                f"by one as the run is filled (Runs, above): {count(_qc_total(plan), 'capsule')} "
                f"in all; set aside any outside the range.", sheet.s.body)])]


def made_runs(sheet: Sheet) -> list[object]:
    """The runs as the bench made them: each run's capsules planned and made, the capsules
    weighed, their mean net weight and how many were outside the range."""
    plan, bench = sheet.plan, sheet.bench
    if not bench.runs:
        return []
    flags = outside_range(bench, plan)
    planned = {r.run: r.capsules for r in plan.runs or []}
    head = ["Run", "Planned", "Made", "Weighed", "Mean net", "Outside the range"]
    rows: list[list[object]] = [[sheet.p(h, sheet.s.cell_bold) for h in head]]
    start = 0
    for number, run in enumerate(bench.runs, start=1):
        weights = list(run.capsule_weights)
        outside = sum(flags[start:start + len(weights)])
        start += len(weights)
        mean = f"{weight_statistics(weights)[0]:.1f} mg" if weights else "—"
        rows.append([sheet.p(str(number)), sheet.p(str(planned.get(number, "—"))),
                     sheet.p(str(run.capsules_made)), sheet.p(str(len(weights))),
                     sheet.p(mean), sheet.p(str(outside))])
    machine = f" on the {plan.machine}" if plan.machine else ""
    return [KeepTogether([sheet.p(f"Runs as made{machine}", sheet.s.heading),
                          _grid(rows, [w * inch for w in (0.6, 1.0, 1.0, 1.0, 1.4, 2.3)])])]


def balances_used(sheet: Sheet) -> list[object]:
    """The balance each weighing was made on at the bench, beside the plan's: when the
    pharmacy lists its balances or the bench named one."""
    bench, scales = sheet.bench, sheet.scales
    if not (scales.listed or bench.balances_used) or not scales.weighings:
        return []
    used = {u.weighing: u.balance for u in bench.balances_used}
    head = ["Weighing", "Planned amount", "Planned balance", "Balance used"]
    rows: list[list[object]] = [[sheet.p(h, sheet.s.cell_bold) for h in head]]
    for w in scales.weighings:
        rows.append([sheet.p(w.what), sheet.p(sheet.mg(w.mass)),
                     sheet.p(f"{w.balance} ({show(w.readability)} mg)"),
                     sheet.p(used.get(w.what, "not recorded"))])
    return [KeepTogether([sheet.p("Balances used", sheet.s.heading),
                          _grid(rows, [w * inch for w in (2.2, 1.4, 1.9, 1.8)])])]


def bench_equipment(sheet: Sheet) -> list[object]:
    """What the executed record says of the equipment: the runs as made, the balances
    used."""
    return [*made_runs(sheet), *balances_used(sheet)]
