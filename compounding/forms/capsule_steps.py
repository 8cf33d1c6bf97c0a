"""The worksheet's steps for capsules, from the source to the first weighings: crush the
tablets and weigh their powder, or weigh the naltrexone HCl powder (its assay as is), then each
trituration stage (its filler added by geometric dilution as a factor of what was weighed, and
its container's label) and the batch's aliquot and filler (USP <795> 2023 §8: the master
formulation record's method, written out for one batch)."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

from compounding.display import count, show


def assay_used(source: Any) -> str:
    """The assay as is the amounts use, as a percentage: ``99.2 %``."""
    return f"{show((source.assay_as_is or Fraction(0)) * 100, 4)} %"


def preparation(worked: Any, lot: str, mg: Callable[[Fraction], str]) -> list[str]:
    """The steps from the source to the two weighings the geometric dilution starts from:
    crushing the tablets or weighing the powder, each trituration stage with its label, the
    aliquot and the filler. ``worked``: the batch worked out
    (:class:`compounding.forms.capsules.Worked`); ``lot``: the batch's lot number, which
    names each trituration's container; ``mg``: a mass [mg] as the worksheet prints it, to
    the balance's readability."""
    b, o, w = worked.batch, worked.order, worked
    powder = mg(b.tablet_powder)
    if o.source.powder:
        start = (f"weigh {powder} of naltrexone HCl powder (assay as is "
                 f"{assay_used(o.source)})")
        first = f"{start}; record its actual weight. "
    else:
        crush = (f"Crush {count(b.tablets, 'tablet')} in a clean mortar to a fine, uniform "
                 f"powder. ")
        first = (f"{crush}Weigh all of the powder (theoretical {powder}); record its actual "
                 f"weight. ")
    if b.trituration is None:
        if o.source.powder:
            step = f"{start[0].upper()}{start[1:]} for this batch."
        else:
            step = crush + (f"Weigh out {powder} of the powder for this batch."
                            if b.method == "exact_portion" else
                            f"Use all of the powder (theoretical {powder}); record its actual "
                            f"weight.")
        return [step, f"Weigh {mg(b.filler_total)} of {o.filler.name}."]
    t = b.trituration
    steps = []
    for s in t.stages:
        label = (f"Label its container: “Trituration {s.number}: naltrexone HCl "
                 f"{show(s.concentration)} mg/g, lot {lot}-T{s.number}, "
                 f"{w.compounded_on.isoformat()}, use by {w.beyond_use_date.isoformat()}”.")
        if s.number == 1:
            head = f"Trituration 1 ({show(s.concentration)} mg/g): {first}"
        else:
            head = (f"Trituration 2 ({show(s.concentration)} mg/g): weigh "
                    f"{mg(s.taken)} of trituration 1. ")
        start_mass = b.tablet_powder if s.number == 1 else s.taken
        weighed = "P (the powder weighed)" if s.number == 1 else "A (the amount weighed)"
        ratio = s.total / start_mass - 1
        add = (f"Add {o.filler.name} by geometric dilution: {weighed} × "
               f"({show(s.total)} ÷ {show(start_mass)} − 1) = {weighed[0]} × {show(ratio, 6)} "
               f"of filler, {mg(s.filler)} for exactly "
               f"{mg(start_mass)}, so that the trituration stays at "
               f"{show(s.concentration)} mg/g whatever {weighed[0]} is. "
               f"{weighed[0]} = ________ mg × {show(ratio, 6)} = filler ________ mg; total "
               f"________ mg. Mix until uniform. " if s.filler else
               "Add no filler: the powder itself is trituration 1. ")
        steps.append(head + add + label)
    steps += [f"Weigh {mg(t.aliquot)} of trituration {len(t.stages)} for this batch.",
              f"Weigh {mg(b.filler_total)} of {o.filler.name}."]
    return steps
