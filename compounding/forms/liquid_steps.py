"""The worksheet's steps for an oral liquid (domain.md §17; USP <795> 2023 §8: the master
formulation record's method written out for one batch): the drug (tablets crushed, a portion
of their powder, the powder weighed, or a stock made and an aliquot measured), every other
ingredient weighed or measured, levigation and geometric addition of the water, making to
volume in a calibrated cylinder, and packing; then the quality control of the finished
liquid."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from compounding.display import count, show
from compounding.forms.capsule_steps import assay_used


def ml(volume: Fraction) -> str:
    """A volume as measured: to 0.01 mL, trailing zeros dropped (``3.15 mL``)."""
    return f"{show(volume, 2)} mL"


def preparation(worked: Any, lot: str, mg: Callable[[Fraction], str]) -> list[str]:
    """The steps of one batch, each a sentence with its amounts. ``worked``: the batch
    (:class:`compounding.forms.liquid.LiquidWorked`); ``lot``: the batch's lot number, which
    names a stock's container; ``mg``: a mass [mg] printed to the balance's readability."""
    w, drug, source = worked, worked.drug, worked.order.source
    suspension = (w.mfr_record.kind or "suspension") == "suspension"
    steps: list[str] = []
    if drug.method == "stock_solution":
        for stage in drug.stock:
            what = "suspension" if suspension else "solution"
            if stage.number == 1 and stage.tablets:
                into = (f"Crush {count(stage.tablets, 'tablet')} to a fine powder, levigate "
                        f"with a little of the vehicle and make to {ml(stage.volume)}")
            elif stage.number == 1:
                into = (f"Weigh {mg(stage.powder)} of naltrexone HCl powder (assay as is "
                        f"{assay_used(source)}) and dissolve it in purified water to "
                        f"{ml(stage.volume)}")
            else:
                into = (f"Measure {ml(stage.aliquot_in)} of stock 1 with a calibrated pipette "
                        f"and make to {ml(stage.volume)}")
            steps.append(f"Stock {stage.number} ({show(stage.concentration)} mg/mL): {into} in "
                         f"a volumetric flask; mix well. Label it “Stock {stage.number}: "
                         f"naltrexone HCl {show(stage.concentration)} mg/mL {what}, lot "
                         f"{lot}-S{stage.number}, {w.compounded_on.isoformat()}”.")
        last = drug.stock[-1]
        steps.append(f"{'Shake stock ' + str(last.number) + ' well, then m' if suspension else 'M'}"
                     f"easure {ml(last.aliquot)} of stock {last.number} with a calibrated "
                     f"pipette or oral syringe for this batch.")
    elif drug.method == "api_powder":
        steps.append(f"Weigh {mg(drug.powder)} of naltrexone HCl powder (assay as is "
                     f"{assay_used(source)}); record its actual weight.")
    elif drug.method == "whole_tablets":
        steps.append(f"Crush {count(drug.tablets, 'tablet')} in a clean mortar to a fine, "
                     f"uniform powder and use all of it.")
    else:
        steps.append(f"Crush {count(drug.tablets, 'tablet')} in a clean mortar to a fine, "
                     f"uniform powder; weigh out {mg(drug.powder)} of the powder for this "
                     f"batch.")
    from compounding.formulation.liquid import scaled

    for x in scaled(w.mfr_record, w.batch_volume, w.concentration):
        if x.role == "active" or x.amount is None:
            continue
        verb = "Weigh" if x.unit == "mg" else "Measure"
        amount = mg(x.amount) if x.unit == "mg" else ml(x.amount)
        steps.append(f"{verb} {amount} of {x.name} ({x.quantity}).")
    if suspension:
        steps += ["Triturate the powders together in the mortar; levigate them with the "
                  "glycerin to a smooth paste.",
                  "Add purified water in portions, mixing after each, until it pours."]
    else:
        steps.append("Dissolve the powders in about half the batch volume of purified water, "
                     "stirring until clear; add the glycerin.")
    steps += [f"Transfer to a calibrated graduated cylinder; rinse the "
              f"{'mortar' if suspension else 'beaker'} with purified water into it; make to "
              f"{ml(w.batch_volume)} with purified water and mix well.",
              f"Pack {ml(w.volume)} into an amber bottle for the patient"
              f"{' and label it (shake well)' if suspension else ' and label it'}."]
    return steps


def quality_control(plan: Any) -> list[str]:
    """The checks on the finished liquid with their limits: the final volume, the
    appearance, the pH where the master formulation record gives one.

    >>> from compounding import plan_order
    >>> quality_control(plan_order({"form": "oral_liquid", "strength": "4.5 mg",
    ...     "days_supply": 30, "source": {"average_tablet_weight": "250 mg"}}))[0]
    'Final volume 141.75 mL (within 5 %: 134.66-148.84 mL) before packing.'
    """
    volume = plan.batch_volume
    tolerance = (plan.final_volume_max - volume) / volume * 100
    checks = [f"Final volume {ml(volume)} (within {show(tolerance)} %: "
              f"{show(plan.final_volume_min, 2)}-{show(plan.final_volume_max, 2)} mL) before "
              f"packing."]
    if plan.appearance:
        checks.append(f"Appearance: {plan.appearance}.")
    if plan.ph_range:
        checks.append(f"pH {plan.ph_range}.")
    checks.append(f"Dispensed: {ml(plan.volume)} in the bottle; the dose of "
                  f"{ml(plan.dose_volume)} measured with the {show(plan.syringe.capacity)} mL "
                  f"oral syringe (by {show(plan.syringe.graduation)} mL).")
    return checks
