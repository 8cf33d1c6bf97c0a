"""How each number of a batch was derived: formula, inputs written in, result (domain.md §3).

What the worksheet prints and the web preview shows, so a pharmacist can check every number with
a pencil. Values are the exact ones of :func:`compounding.plan.work_out`; a value with more than
three decimals also shows its exact fraction.

From naltrexone HCl powder (API) there are no tablets: the powder per capsule is p = d ÷ a, a
being the assay as is from the lot's certificate of analysis (USP <795> 2023 §8), and the
powder weighed is N × p (an exact portion) or the first stage of a trituration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from compounding.display import count, show_exact
from compounding.formulation.batch import HCL_PER_BASE, QC_HIGH, QC_LOW, Batch
from compounding.formulation.capsules import BY_SIZE
from compounding.formulation.fill import MG_PER_G
from compounding.orders.models import Source
from compounding.plan import Worked


@dataclass(frozen=True, slots=True)
class Step:
    """One line of working: ``symbol`` (may be empty), ``name``, ``formula``, ``working`` (the
    formula with the inputs written in) and ``result`` with its unit."""

    symbol: str
    name: str
    formula: str
    working: str
    result: str


FILL_BASIS_NAMES = {
    "pack_stat": "pack stat given with the order (calibrated for this lot and size)",
    "pharmacy_pack_stat": "the pharmacy's calibrated pack stat for this size",
    "density": "filler density × capsule volume",
    "default_chart": "chart value (Formulating Capsules Guide, Avicel PH-105)",
}


def explain(worked: Worked) -> list[Step]:
    """The working of one batch, in the order a pharmacist checks it."""
    order, b, x = worked.order, worked.batch, show_exact
    d, S, W = worked.strength, order.source.strength, order.source.average_tablet_weight
    n, e, N = b.capsules_dispensed, b.overage_capsules, b.capsules_required
    steps: list[Step] = []
    if worked.overage_percent is not None:
        pct = worked.overage_percent
        steps.append(Step("e", "Overage", "e = ⌈n × pct / 100⌉",
                          f"⌈{n} × {x(pct)} / 100⌉ = ⌈{x(n * pct / 100)}⌉", count(e, "capsule")))
    else:
        steps.append(Step("e", "Overage", "e as ordered", f"{e}", count(e, "capsule")))
    steps.append(Step("N", "Capsules required", "N = n + e", f"{n} + {e}", count(N, "capsule")))
    if order.strength_basis == "base":
        steps.append(Step("d", "Strength as naltrexone HCl", "d = base × 377.87 / 341.41",
                          f"{x(order.strength)} × 377.87 / 341.41",
                          f"{x(order.strength * HCL_PER_BASE)} mg"))
    if order.source.powder:
        return [*steps, *_powder_steps(worked)]
    if b.method == "whole_tablets":
        steps.append(Step("T", "Tablets to crush", "T = ⌈N × d / S⌉",
                          f"⌈{N} × {x(d)} / {x(S)}⌉ = ⌈{x(N * d / S)}⌉",
                          count(b.tablets, "tablet")))
    elif b.method == "trituration":
        steps.append(Step("T₁", "Tablets for trituration 1 (an aliquot takes at most 90 %)",
                          "T₁ ≥ N × d / (0.9 × S)",
                          f"{N} × {x(d)} / (0.9 × {x(S)}) = {x(N * d / (S * 9 / 10))}",
                          count(b.tablets, "tablet")))
    else:
        kept = 1 - worked.settings.crushing_loss_percent / 100
        steps.append(Step("T", "Tablets to crush (the portion takes at most "
                          f"{x(kept * 100)} % of the powder)", "T = ⌈N × d / (S × (1 − loss))⌉",
                          f"⌈{N} × {x(d)} / ({x(S)} × {x(kept)})⌉ = ⌈{x(N * d / (S * kept))}⌉",
                          count(b.tablets, "tablet")))
    assert W is not None  # every tablet order gives the measured tablet weight
    p, f = b.tablet_powder_per_capsule, b.filler_per_capsule
    steps.append(Step("p", "Tablet powder per capsule", "p = d × W / S",
                      f"{x(d)} × {x(W)} / {x(S)}", f"{x(p)} mg"))
    steps += _fill_steps(worked)
    C = b.capsule_equivalents
    if b.method == "whole_tablets":
        steps += [
            Step("C", "Capsule equivalents", "C = T × S / d", f"{b.tablets} × {x(S)} / {x(d)}",
                 x(C)),
            Step("", "Capsules to fill", "⌊C⌋", f"⌊{x(C)}⌋", count(b.capsules_to_fill, "capsule")),
            Step("", "Tablet powder (all of it)", "T × W", f"{b.tablets} × {x(W)}",
                 f"{x(b.tablet_powder)} mg"),
            Step("", "Filler", "C × f", f"{x(C)} × {x(f)}", f"{x(b.filler_total)} mg"),
            Step("", "Blend", "C × w", f"{x(C)} × {x(b.fill_weight)}",
                 f"{x(b.blend_total)} mg"),
            Step("", "Naltrexone in batch", "T × S", f"{b.tablets} × {x(S)}",
                 f"{x(b.naltrexone_total)} mg"),
        ]
    elif b.trituration is not None:
        steps += _trituration_steps(b, N, d, x)
    else:
        steps += _portion_steps(worked)
    return [*steps, _qc_step(worked)]


def _fill_steps(worked: Worked) -> list[Step]:
    """F, f and w: the filler alone, the filler per capsule and the fill weight."""
    order, b, x = worked.order, worked.batch, show_exact
    F, DF = worked.pack_stat, order.density_factor
    p, f = b.tablet_powder_per_capsule, b.filler_per_capsule
    steps: list[Step] = []
    if worked.basis == "density":
        volume, density = BY_SIZE[order.capsule.size].volume, order.filler.density
        assert density is not None  # the density basis is chosen only when it is given
        steps.append(Step("F", "Filler alone per capsule", "F = density × volume × 1000",
                          f"{x(density)} g/mL × {x(volume)} mL × {MG_PER_G}", f"{x(F)} mg"))
    else:
        steps.append(Step("F", "Filler alone per capsule", "F = pack stat",
                          FILL_BASIS_NAMES[worked.basis], f"{x(F)} mg"))
    steps.append(Step("f", "Filler per capsule", "f = F − p / DF",
                      f"{x(F)} − {x(p)} / {x(DF)}", f"{x(f)} mg"))
    steps.append(Step("w", "Fill weight per capsule", "w = p + f", f"{x(p)} + {x(f)}",
                      f"{x(b.fill_weight)} mg"))
    return steps


def _portion_steps(worked: Worked) -> list[Step]:
    """The batch of an exact portion: N capsules, the source powder N × p weighed out."""
    b, x, N, d = worked.batch, show_exact, worked.batch.capsules_required, worked.strength
    p, f = b.tablet_powder_per_capsule, b.filler_per_capsule
    return [
        Step("C", "Capsule equivalents", "C = N", f"{N}", f"{N}"),
        Step("", "Capsules to fill", "N", f"{N}", count(N, "capsule")),
        Step("", f"{_capital(b.powder_name)} to weigh out", "N × p", f"{N} × {x(p)}",
             f"{x(b.tablet_powder)} mg"),
        Step("", "Filler", "N × f", f"{N} × {x(f)}", f"{x(b.filler_total)} mg"),
        Step("", "Blend", "N × w", f"{N} × {x(b.fill_weight)}", f"{x(b.blend_total)} mg"),
        Step("", "Naltrexone in batch", "N × d", f"{N} × {x(d)}",
             f"{x(b.naltrexone_total)} mg"),
    ]


def _qc_step(worked: Worked) -> Step:
    """The QC range of a capsule's net weight."""
    b, x = worked.batch, show_exact
    step = worked.settings.balance_readability
    return Step("", "QC range per capsule",
                f"90 % × w up, 110 % × w down, to the balance's {x(step)} mg",
                f"{x(QC_LOW * b.fill_weight)} ↑ to {x(QC_HIGH * b.fill_weight)} ↓",
                f"{x(b.fill_weight_min)} to {x(b.fill_weight_max)} mg")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _assay_step(source: Source) -> Step:
    """a, the assay as is [mg/mg], from the certificate of analysis: as stated, or the dried
    assay × (1 − water)."""
    x, a = show_exact, source.assay_as_is
    assert a is not None  # an API powder order without an assay is refused
    cited = "(certificate of analysis)"
    if source.assay_basis == "dried":
        water = source.water or Fraction(0)
        return Step("a", "Assay as is", "a = assay (dried) × (1 − water)",
                    f"{x(source.assay or Fraction(0))} % × (1 − {x(water)} %) {cited}",
                    f"{x(a)} mg/mg")
    return Step("a", "Assay as is", "a = assay as is",
                f"{x(source.assay or Fraction(0))} % {cited}", f"{x(a)} mg/mg")


def _powder_steps(worked: Worked) -> list[Step]:
    """The working from naltrexone HCl powder (API): the assay as is, p = d ÷ a, the fill, and
    the exact portion or the trituration; no tablets."""
    b, x, N, d = worked.batch, show_exact, worked.batch.capsules_required, worked.strength
    source = worked.order.source
    a = source.assay_as_is
    assert a is not None
    steps = [_assay_step(source),
             Step("p", "Naltrexone HCl powder per capsule", "p = d ÷ a", f"{x(d)} ÷ {x(a)}",
                  f"{x(b.tablet_powder_per_capsule)} mg"),
             *_fill_steps(worked)]
    if b.trituration is not None:
        steps += _trituration_steps(b, N, d, x, assay=a)
    else:
        steps += _portion_steps(worked)
    return [*steps, _qc_step(worked)]


def _trituration_steps(b: Batch, N: int, d: Fraction, x: Callable[[Fraction], str],
                      assay: Fraction | None = None) -> list[Step]:
    """The working of a trituration (domain.md §9): each stage, the aliquot, the batch. From
    naltrexone HCl powder of ``assay`` as is [mg/mg], stage 1 weighs the powder P₁, a whole
    number of the balance's least weighable amounts, holding D₁ = P₁ × a."""
    t = b.trituration
    assert t is not None
    steps = []
    for s in t.stages:
        k = s.number
        if k == 1 and assay is not None:
            units = t.tablets
            steps.append(Step("P₁", "Naltrexone HCl powder for trituration 1 (weighed)",
                              "P₁ = k × u", f"{units} × {x(s.taken / units)} (u: the "
                              f"balance's minimum weighable quantity)", f"{x(s.taken)} mg"))
            drug = f"D₁ = P₁ × a = {x(s.taken)} × {x(assay)} = {x(s.drug)} mg"
        elif k == 1:
            steps.append(Step("P₁", "Tablet powder for trituration 1 (all of it)", "T₁ × W",
                              f"{b.tablets} × {x(s.taken / b.tablets)}", f"{x(s.taken)} mg"))
            drug = f"D₁ = T₁ × S = {x(s.drug)} mg"
        else:
            steps.append(Step("A₁", "Trituration 1 taken for trituration 2", "A₁",
                              "the least that keeps every weighing in range",
                              f"{x(s.taken)} mg"))
            drug = f"A₁ × c₁ = {x(s.taken)} × {x(t.stages[0].concentration)} / 1000 = " \
                   f"{x(s.drug)} mg"
        steps += [
            Step(f"M{SUB[k]}", f"Trituration {k}, total", f"M{SUB[k]} = drug / c{SUB[k]}",
                 f"{drug}; {x(s.drug)} / {x(s.concentration)} × 1000", f"{x(s.total)} mg"),
            Step(f"c{SUB[k]}", f"Trituration {k}, concentration (1-2-5 series)",
                 f"c{SUB[k]} = drug / M{SUB[k]}", f"{x(s.drug)} mg / {x(s.total / 1000)} g",
                 f"{x(s.concentration)} mg/g"),
            Step("", f"Filler for trituration {k}", f"M{SUB[k]} − {'P₁' if k == 1 else 'A₁'}",
                 f"{x(s.total)} − {x(s.taken)}", f"{x(s.filler)} mg"),
        ]
    c = t.concentration
    return [*steps,
            Step("A", f"Aliquot of trituration {len(t.stages)}", "A = N × d / c",
                 f"{N} × {x(d)} / {x(c)} × 1000", f"{x(t.aliquot)} mg"),
            Step("", "Capsules to fill", "N", f"{N}", count(N, "capsule")),
            Step("", "Blend", "N × w", f"{N} × {x(b.fill_weight)}", f"{x(b.blend_total)} mg"),
            Step("", "Filler for the batch", "N × w − A",
                 f"{x(b.blend_total)} − {x(t.aliquot)}", f"{x(b.filler_total)} mg"),
            Step("", "Naltrexone in batch", "A × c = N × d",
                 f"{x(t.aliquot)} × {x(c)} / 1000", f"{x(b.naltrexone_total)} mg")]


SUB = {1: "₁", 2: "₂"}
