"""Where the capsules' lactose comes from: a filler or filler grade, or the source tablets'
excipients (domain.md §4 and §14).

Lactose is detected by name in any filler, grade or excipient named, blends included ("MCC/lactose
blend", "Cellactose", "milk sugar"), through the filler table (:mod:`.fillers`). US and UK
naltrexone tablet labels list lactose, so tablets whose excipients are not given are taken to
contain it; the label never claims "lactose-free".
"""

from __future__ import annotations

from .fillers import fillers_named
from .models import Order


def _names_lactose(text: str) -> bool:
    return any(entry.contains_lactose for entry in fillers_named(text))


def lactose_sources(order: Order) -> list[str]:
    """Each source of lactose in the batch, in words for the pharmacist ([] when there is none):
    "the filler “MCC/lactose blend”", "the naltrexone tablets (excipient “milk sugar”)"."""
    found = []
    if _names_lactose(order.filler.name):
        found.append(f"the filler “{order.filler.name}”")
    elif order.filler.grade is not None and _names_lactose(order.filler.grade):
        found.append(f"the filler grade “{order.filler.grade}”")
    excipients = order.source.excipients
    if not excipients:
        found.append("the naltrexone tablets (their excipients are not given; US and UK "
                     "tablets contain lactose)")
    else:
        named = [x for x in excipients if _names_lactose(x)]
        if named:
            found.append(f"the naltrexone tablets (excipient “{named[0]}”)")
    return found
