"""The order form's preview of an oral liquid batch, in plain words with its working: the dose
volume and the oral syringe that measures it (and why a smaller one cannot), the volume to
dispense and the batch volume, the drug (tablets, a portion of their powder, the powder
weighed, or a stock), every other ingredient scaled, and how each number was derived.

Every result is the plan's own (:func:`compounding.forms.liquid.plan_of`); the working writes
its inputs into its formula. Sources: Fawcett, Morgan & Woods, Ann Pharmacother
1997;31:1291-5 (the formula per 100 mL); USP <795> (2023) §8 (the record's method scaled to one
batch) and Table 4 (the beyond-use date); the syringe table and the overage are the pharmacy's
settings.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from compounding.display import count, show, show_exact
from compounding.forms import form_of
from compounding.formulation.batch import HCL_PER_BASE
from compounding.formulation.derivation import Step
from compounding.formulation.liquid import smallest_batch
from compounding.orders.liquid import LiquidPlan, Syringe

METHODS = {"whole_tablets": "Whole tablets", "exact_portion": "Exact portion",
           "api_powder": "Naltrexone HCl powder weighed", "stock_solution": "Stock"}
"""Each way the drug gets into a liquid batch, as the preview names it."""


def ml(volume: Fraction | int) -> str:
    """A volume as the preview shows it [mL]: to 0.001 mL, trailing zeros dropped."""
    return f"{show(volume, 3)} mL"


def per_ml(concentration: Fraction | int) -> str:
    """A concentration [mg/mL]: to 0.0001 mg/mL (``1.0043 mg/mL``)."""
    return f"{show(concentration)} mg/mL"


def mg(mass: Fraction | int) -> str:
    """A mass [mg]: to 0.001 mg; from 10 g in g."""
    return f"{show(Fraction(mass) / 1000, 6)} g" if mass >= 10_000 else f"{show(mass, 3)} mg"


def _syringe(s: Syringe) -> str:
    return f"{show(s.capacity)} mL"


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def syringe_reasons(volumes: list[Fraction], chosen: Syringe,
                    syringes: tuple[Syringe, ...] | list[Syringe]) -> str:
    """Why ``chosen`` measures the dose volumes [mL]: each smaller syringe of the pharmacy's
    table holds less, or is not marked at a volume; ``chosen`` is.

    >>> from compounding.orders.liquid import DEFAULT_SYRINGES
    >>> syringe_reasons([Fraction(9, 2)], DEFAULT_SYRINGES[3], DEFAULT_SYRINGES)
    ... # doctest: +NORMALIZE_WHITESPACE
    'the 1 mL and 3 mL syringes hold less than 4.5 mL; the 5 mL syringe is marked every 0.2 mL
    and cannot measure 4.5 mL; the 10 mL syringe, marked every 0.5 mL, can'
    """
    order = sorted(syringes, key=lambda s: (s.capacity, s.graduation))
    smaller = [s for s in order if (s.capacity, s.graduation) < (chosen.capacity,
                                                                  chosen.graduation)]
    largest = max(volumes)
    short = [s for s in smaller if s.capacity < largest]
    said = []
    if short:
        plural = len(short) > 1
        said.append(f"the {_listed([_syringe(s) for s in short])} syringe{'s' if plural else ''}"
                    f" hold{'' if plural else 's'} less than {ml(largest)}")
    for s in smaller:
        if s in short:
            continue
        missed = [ml(v) for v in volumes if (v / s.graduation).denominator != 1]
        said.append(f"the {_syringe(s)} syringe is marked every {ml(s.graduation)} and cannot "
                    f"measure {_listed(missed)}")
    said.append(f"the {_syringe(chosen)} syringe, marked every {ml(chosen.graduation)}, can")
    return "; ".join(said)


def liquid_preview(worked: Any, plan: LiquidPlan) -> dict[str, Any]:
    """What the preview shows of a liquid batch (``worked``: its
    :class:`compounding.forms.liquid.LiquidWorked`), in words, with its working."""
    c = plan.concentration
    doses = "; ".join(f"{show(s.dose)} mg ÷ {show(c)} mg/mL = {ml(s.dose_volume)}"
                      for s in plan.steps)
    volumes = [s.dose_volume for s in plan.steps]
    pre = max(plan.volume + plan.overage_volume,
              smallest_batch(worked.mfr_record, worked.settings)[0])
    return {
        "product": form_of("oral_liquid").product_line(plan),
        "method": METHODS[plan.method],
        "batch_ml": ml(plan.batch_volume),
        "final_volume": f"{show(plan.final_volume_min, 2)} to "
                        f"{show(plan.final_volume_max, 2)} mL",
        "method_reason": plan.method_reason[:1].upper() + plan.method_reason[1:],
        "dose": "; ".join(f"{ml(s.dose_volume)} ({show(s.dose)} mg)" for s in plan.steps),
        "syringe": f"{_syringe(plan.syringe)} oral syringe, marked every "
                   f"{ml(plan.syringe.graduation)}",
        "syringe_working": f"{doses}; "
                           f"{syringe_reasons(volumes, plan.syringe, worked.settings.syringes)}",
        "volume": _volume_words(worked, plan),
        "batch_volume": _batch_words(plan, pre),
        "drug": _drug_rows(worked, plan),
        "ingredients": [(i.name, i.quantity, f"to {ml(plan.batch_volume)}" if i.amount is None else
                         mg(i.amount) if i.unit == "mg" else ml(i.amount))
                        for i in plan.ingredients],
        "working": working(worked, plan, pre),
    }


def _volume_words(worked: Any, plan: LiquidPlan) -> str:
    step = plan.steps[0]
    a_day = f"{ml(step.dose_volume)} × {step.doses_per_day} a day"
    if worked.order.volume is not None:
        return f"{ml(plan.volume)} as ordered: {count(plan.days_supply, 'day')} at {a_day}"
    if len(plan.steps) > 1:
        return f"{ml(plan.volume)}: the schedule's {count(plan.days_supply, 'day')}"
    return f"{ml(plan.volume)}: {a_day} × {count(plan.days_supply, 'day')}"


def _batch_words(plan: LiquidPlan, pre: Fraction) -> str:
    made = f"{ml(plan.volume)} to dispense + {ml(plan.overage_volume)} overage"
    if plan.method == "whole_tablets":
        return (f"{ml(plan.batch_volume)}: the volume {count(plan.tablets, 'whole tablet')} "
                f"make at {show(plan.concentration)} mg/mL ({made} = {ml(pre)} needed)")
    if plan.batch_volume_reason:
        return f"{ml(plan.batch_volume)}: {plan.batch_volume_reason}"
    return f"{ml(plan.batch_volume)} ({made})"


def _drug_rows(worked: Any, plan: LiquidPlan) -> list[tuple[str, str]]:
    """The drug of the batch as the summary lists it."""
    rows = [("Naltrexone HCl in the batch", mg(plan.drug_total))]
    source = worked.order.source
    if plan.method == "whole_tablets":
        rows.append(("Tablets to crush", f"{plan.tablets}, all of their powder"))
    elif plan.method == "exact_portion":
        rows += [("Tablets to crush", str(plan.tablets)),
                 ("Tablet powder to weigh", f"{mg(plan.tablet_powder or 0)} of the powder")]
    elif plan.method == "api_powder":
        rows.append(("Naltrexone HCl powder to weigh",
                     f"{mg(plan.tablet_powder or 0)} ({mg(plan.drug_total)} ÷ "
                     f"{show(source.assay_as_is, 6)})"))
    for s in plan.stock_solution or []:
        start = (count(s.tablets, "tablet") if s.tablets else
                 f"{mg(s.powder)} of naltrexone HCl powder" if s.powder is not None else
                 f"{ml(s.aliquot_in or 0)} of stock {s.stage - 1}")
        rows.append((f"Stock {s.stage}", f"{start} made to {ml(s.volume)}: "
                                         f"{show(s.concentration)} mg/mL; "
                                         f"{ml(s.aliquot)} of it measured"))
    return rows


def working(worked: Any, plan: LiquidPlan, pre: Fraction) -> list[Step]:
    """How each number of the liquid batch was derived, in the order a pharmacist checks it;
    ``pre``: the batch volume before whole tablets set it [mL]."""
    x, c, order = show_exact, plan.concentration, worked.order
    mfr = plan.mfr
    steps = [Step("c", "Concentration", "as ordered" if order.concentration else
                  "the record's, for this dose",
                  f"{mfr.name} ({mfr.id}, version {mfr.version})" if mfr else "",
                  f"{x(c)} mg/mL")]
    if plan.strength_basis == "base":
        steps.append(Step("d", "Dose as naltrexone HCl", "d = base × 377.87 / 341.41",
                          f"{x(plan.strength_as_ordered)} × {x(HCL_PER_BASE)}",
                          f"{x(plan.strength)} mg"))
    for s in plan.steps:
        steps.append(Step("v", "Dose volume", "v = d ÷ c", f"{x(s.dose)} ÷ {x(c)}",
                          ml(s.dose_volume)))
    g = plan.syringe.graduation
    steps.append(Step("", "Oral syringe", "the smallest that holds v and is marked at v",
                      "; ".join(f"{x(s.dose_volume)} ÷ {x(g)} = {x(s.dose_volume / g)} marks"
                                for s in plan.steps),
                      f"{_syringe(plan.syringe)} by {ml(g)}"))
    step = plan.steps[0]
    if order.volume is not None:
        steps += [Step("V", "Volume to dispense", "V as ordered", x(plan.volume),
                       ml(plan.volume)),
                  Step("", "Days' supply", "⌊V ÷ (v × n)⌋",
                       f"⌊{x(plan.volume)} ÷ ({x(step.dose_volume)} × {step.doses_per_day})⌋",
                       count(plan.days_supply, "day"))]
    else:
        steps.append(Step("V", "Volume to dispense", "V = Σ v × n × days",
                          " + ".join(f"{x(s.dose_volume)} × {s.doses_per_day} × "
                                     f"{s.days or plan.days_supply}" for s in plan.steps),
                          ml(plan.volume)))
    settings = worked.settings
    steps.append(Step("o", "Overage", "o = max(pct % × V, minimum)",
                      f"max({x(settings.liquid_overage_percent)} % × {x(plan.volume)}, "
                      f"{x(settings.liquid_overage_minimum)})", ml(plan.overage_volume)))
    steps.append(Step("Vb", "Batch volume", "Vb = V + o",
                      f"{x(plan.volume)} + {x(plan.overage_volume)}",
                      ml(plan.volume + plan.overage_volume)))
    if pre != plan.volume + plan.overage_volume:
        steps.append(Step("Vb", "Batch volume, raised", "the least batch the balance weighs",
                          plan.batch_volume_reason, ml(pre)))
    steps += _drug_steps(worked, plan, pre)
    steps += [Step("", i.name, _scale_formula(i.quantity), _scale_working(i.quantity,
                                                                          plan.batch_volume),
                   mg(i.amount) if i.unit == "mg" else ml(i.amount))
              for i in plan.ingredients if i.role != "active" and i.amount is not None]
    tolerance = (plan.final_volume_max - plan.batch_volume) / plan.batch_volume * 100
    steps.append(Step("", "Final volume accepted", "Vb ± tolerance",
                      f"{x(plan.batch_volume)} ± {x(tolerance)} %",
                      f"{show(plan.final_volume_min, 2)} to {show(plan.final_volume_max, 2)} mL"))
    steps.append(Step("", "Beyond-use date", "", plan.beyond_use_rationale,
                      plan.beyond_use_date.isoformat()))
    return steps


def _drug_steps(worked: Any, plan: LiquidPlan, pre: Fraction) -> list[Step]:
    x, c, source = show_exact, plan.concentration, worked.order.source
    S, W = source.strength, source.average_tablet_weight
    if plan.method == "whole_tablets":
        drug = c * pre
        return [Step("D", "Naltrexone HCl needed", "D = c × Vb", f"{x(c)} × {x(pre)}",
                     mg(drug)),
                Step("T", "Whole tablets", "T = ⌈D ÷ S⌉", f"⌈{x(drug)} ÷ {x(S)}⌉",
                     count(plan.tablets, "tablet")),
                Step("Vb", "Batch volume, made", "Vb = T × S ÷ c",
                     f"{plan.tablets} × {x(S)} ÷ {x(c)}", ml(plan.batch_volume)),
                Step("", "Surplus over V", "Vb − V", f"{x(plan.batch_volume)} − "
                     f"{x(plan.volume)}", ml(plan.batch_volume - plan.volume))]
    steps = [Step("D", "Naltrexone HCl in the batch", "D = c × Vb",
                  f"{x(c)} × {x(plan.batch_volume)}", mg(plan.drug_total))]
    if plan.method == "exact_portion":
        loss = 1 - worked.settings.crushing_loss_percent / 100
        steps += [Step("T", "Tablets to crush", "T = ⌈D ÷ (S × (1 − loss))⌉",
                       f"⌈{x(plan.drug_total)} ÷ ({x(S)} × {x(loss)})⌉ = "
                       f"⌈{x(plan.drug_total / (S * loss))}⌉", count(plan.tablets, "tablet")),
                  Step("P", "Tablet powder to weigh", "P = D × W ÷ S",
                       f"{x(plan.drug_total)} × {x(W)} ÷ {x(S)}", mg(plan.tablet_powder or 0))]
    elif plan.method == "api_powder":
        steps.append(Step("P", "Naltrexone HCl powder to weigh", "P = D ÷ a",
                          f"{x(plan.drug_total)} ÷ {x(source.assay_as_is)}",
                          mg(plan.tablet_powder or 0)))
    for s in plan.stock_solution or []:
        start = (f"{s.tablets} × {x(S)}" if s.tablets else
                 f"{x(s.powder)} × {x(source.assay_as_is)}" if s.powder is not None else
                 f"{x(s.aliquot_in or 0)} × stock {s.stage - 1}")
        steps.append(Step(f"C{s.stage}", f"Stock {s.stage}", "drug ÷ volume",
                          f"({start}) ÷ {x(s.volume)} = {x(s.drug)} ÷ {x(s.volume)}",
                          f"{x(s.concentration)} mg/mL"))
        into = plan.drug_total if s.stage == len(plan.stock_solution or []) else None
        formula = "A = D ÷ C" if into is not None else "aliquot into the next stage"
        steps.append(Step(f"A{s.stage}", f"Aliquot of stock {s.stage}", formula,
                          f"{x(into)} ÷ {x(s.concentration)}" if into is not None else "",
                          ml(s.aliquot)))
    return steps


def _scale_formula(quantity: str) -> str:
    if quantity.endswith("% w/v"):
        return f"{quantity}: 10 × q × Vb (mg)"
    if quantity.endswith("% v/v"):
        return f"{quantity}: q ÷ 100 × Vb (mL)"
    return f"{quantity} × Vb"


def _scale_working(quantity: str, batch_volume: Fraction) -> str:
    q = show_exact(Fraction(quantity.split()[0]))
    if quantity.endswith("% w/v"):
        return f"10 × {q} × {show_exact(batch_volume)}"
    if quantity.endswith("% v/v"):
        return f"{q} ÷ 100 × {show_exact(batch_volume)}"
    return f"{q} × {show_exact(batch_volume)}"
