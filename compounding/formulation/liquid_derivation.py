"""How each number of an oral liquid batch was derived: formula, inputs written in, result.

What the worksheet prints and the web preview shows, so that a pharmacist can check every number
with a pencil (USP <795> 2023 §8: the calculations of the compounding record). Values are the
exact ones of :func:`compounding.forms.liquid.work_out`; one with more than three decimals also
shows its exact fraction. The syringe line says why each smaller syringe cannot measure the
dose, not only which one can.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from compounding.display import count, show, show_exact
from compounding.formulation.derivation import Step
from compounding.formulation.liquid import surplus_volume_limit


def _ml(value: Fraction) -> str:
    return f"{show_exact(value)} mL"


def syringe_reasons(volumes: list[Fraction], syringes: Any) -> list[str]:
    """Why each syringe of the table does or does not measure ``volumes`` [mL], smallest first.

    >>> from compounding.orders.liquid import DEFAULT_SYRINGES
    >>> syringe_reasons([Fraction(9, 2)], DEFAULT_SYRINGES)[2]
    '5 mL marked every 0.2 mL: 4.5 ÷ 0.2 = 22.5 marks, not a whole number'
    """
    said = []
    for s in sorted(syringes, key=lambda s: (s.capacity, s.graduation)):
        name = f"{show(s.capacity)} mL marked every {show(s.graduation)} mL"
        too_big = [v for v in volumes if v > s.capacity]
        if too_big:
            said.append(f"{name}: holds less than {show(max(too_big))} mL")
            continue
        uneven = [v for v in volumes if (v / s.graduation).denominator != 1]
        if uneven:
            v = uneven[0]
            said.append(f"{name}: {show(v)} ÷ {show(s.graduation)} = {show(v / s.graduation)} "
                        f"marks, not a whole number")
        else:
            marks = ", ".join(f"{show(v)} mL = {v / s.graduation} marks" for v in volumes)
            said.append(f"{name}: measures it ({marks})")
    return said


def explain_liquid(worked: Any) -> list[Step]:
    """The working of one liquid batch, in the order a pharmacist checks it. ``worked``:
    :class:`compounding.forms.liquid.LiquidWorked`."""
    w, x, c = worked, show_exact, worked.concentration
    steps: list[Step] = []
    for s in w.steps:
        label = "v" if len(w.steps) == 1 else f"v (days {s.first_day}–" \
                                                f"{s.first_day + (s.days or 1) - 1})"
        steps.append(Step(label, "Dose volume", "v = d ÷ c",
                          f"{x(s.dose)} mg ÷ {x(c)} mg/mL", _ml(s.volume)))
    volumes = [s.volume for s in w.steps]
    reasons = syringe_reasons(volumes, w.settings.syringes)
    steps.append(Step("", "Oral syringe", "the smallest that holds v and whose marks divide it",
                      "; ".join(reasons),
                      f"{show(w.syringe.capacity)} mL by {show(w.syringe.graduation)} mL"))
    if w.order.volume is not None:
        steps.append(Step("V", "Volume dispensed", "V as ordered", _ml(w.volume), _ml(w.volume)))
    else:
        working = " + ".join(f"{x(s.volume)} × {s.doses_per_day} × {s.days or w.days_supply}"
                             for s in w.steps)
        steps.append(Step("V", "Volume dispensed", "V = Σ v × doses a day × days", working,
                          _ml(w.volume)))
    pct, least = w.settings.liquid_overage_percent, w.settings.liquid_overage_minimum
    steps.append(Step("e", "Overage", f"e = max({x(pct)} % of V, {x(least)} mL)",
                      f"max({x(w.volume * pct / 100)}, {x(least)})", _ml(w.overage)))
    made = w.volume + w.overage
    steps.append(Step("Vb", "Batch volume", "Vb = V + e", f"{x(w.volume)} + {x(w.overage)}",
                      _ml(made)))
    if w.batch_volume_reason and w.drug.method != "whole_tablets":
        steps.append(Step("Vb", "Batch volume, raised", "the smallest batch whose weighings "
                          "reach the minimum weighable quantity", w.batch_volume_reason,
                          _ml(w.batch_volume)))
    drug = w.drug
    source = w.order.source
    if drug.method == "whole_tablets":
        S = source.strength
        steps.append(Step("T", "Whole tablets", "T = ⌈c × Vb ÷ S⌉",
                          f"⌈{x(c)} × {x(made)} ÷ {x(S)}⌉", count(drug.tablets, "tablet")))
        steps.append(Step("Vb", "Batch volume, whole tablets", "Vb = T × S ÷ c",
                          f"{drug.tablets} × {x(S)} ÷ {x(c)} (over V by "
                          f"{x(w.batch_volume - w.volume)} mL; at most "
                          f"{x(surplus_volume_limit(w.volume, w.settings))} mL)",
                          _ml(w.batch_volume)))
    D = c * w.batch_volume
    steps.append(Step("D", "Naltrexone HCl in the batch", "D = c × Vb",
                      f"{x(c)} × {x(w.batch_volume)}", f"{x(D)} mg"))
    if drug.method == "exact_portion":
        S, W = source.strength, source.average_tablet_weight
        steps.append(Step("T", "Tablets crushed", "T = ⌈D ÷ (S × (1 − loss))⌉",
                          f"⌈{x(D)} ÷ ({x(S)} × {x(1 - w.settings.crushing_loss_percent / 100)})⌉",
                          count(drug.tablets, "tablet")))
        steps.append(Step("P", "Tablet powder to weigh", "P = D × W ÷ S",
                          f"{x(D)} × {x(W)} ÷ {x(S)}", f"{x(drug.powder)} mg"))
    elif drug.method == "api_powder":
        steps.append(Step("P", "Naltrexone HCl powder to weigh", "P = D ÷ assay as is",
                          f"{x(D)} ÷ {x(source.assay_as_is)}", f"{x(drug.powder)} mg"))
    elif drug.method == "stock_solution":
        for st in drug.stock:
            what = (f"{count(st.tablets, 'tablet')} × {x(source.strength)} mg" if st.tablets
                    else f"{x(st.powder)} mg × {x(source.assay_as_is)}" if st.powder
                    else f"{x(st.aliquot_in)} mL × {x(drug.stock[0].concentration)} mg/mL")
            steps.append(Step(f"c{st.number}", f"Stock {st.number}",
                              "drug ÷ flask volume (a 1-2-5 value)",
                              f"{what} = {x(st.drug)} mg in {x(st.volume)} mL",
                              f"{x(st.concentration)} mg/mL"))
        last = drug.stock[-1]
        steps.append(Step("a", f"Aliquot of stock {last.number}", "a = D ÷ c_stock",
                          f"{x(D)} ÷ {x(last.concentration)}", _ml(last.aliquot)))
    for name, per_ml in _weighed(w):
        steps.append(Step("", name, "10 × q × Vb (q % w/v is q g per 100 mL)",
                          f"{x(per_ml)} mg/mL × {x(w.batch_volume)}",
                          f"{x(per_ml * w.batch_volume)} mg"))
    for name, share in _measured(w):
        steps.append(Step("", name, "q ÷ 100 × Vb (q % v/v)",
                          f"{x(share)} × {x(w.batch_volume)}", _ml(share * w.batch_volume)))
    return steps


def _weighed(worked: Any) -> list[tuple[str, Fraction]]:
    return [(i.name, Fraction(i.quantity) * 10) for i in worked.mfr_record.ingredients
            if i.role != "active" and i.unit == "% w/v" and i.quantity is not None]


def _measured(worked: Any) -> list[tuple[str, Fraction]]:
    return [(i.name, Fraction(i.quantity) / 100) for i in worked.mfr_record.ingredients
            if i.role != "active" and i.unit == "% v/v" and i.quantity is not None]
