"""Where the capsules' lactose comes from: a filler or filler grade, or the source tablets'
excipients (domain.md §4 and §14).

Lactose is detected by name in any filler, grade or excipient named, blends included ("MCC/lactose
blend", "Cellactose", "milk sugar"), through the filler table (:mod:`.fillers`). The tablets'
excipients are the order's own list, else the products table's (:mod:`.products`: ReVia's label
lists lactose monohydrate), with the label named; US and UK naltrexone tablet labels list
lactose, so tablets the table does not know are taken to contain it; the label never claims
"lactose-free". Naltrexone HCl powder (API) carries no excipient.
"""

from __future__ import annotations

from compounding.formulation.fillers import fillers_named
from compounding.orders.models import Order, Source
from compounding.screening.products import tablet_product


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
    return found + source_lactose(order.source)


def source_lactose(source: Source) -> list[str]:
    """The source's lactose, in words ([] for naltrexone HCl powder, which has no excipient):
    the tablets' own excipient list, else the products table's, else the assumption that
    tablets the table does not know contain it."""
    found: list[str] = []
    if source.powder:
        return found
    excipients = source.excipients
    known = None if excipients else tablet_product(source.product, source.manufacturer)
    if known is not None:
        named = [x for x in known.excipients if _names_lactose(x)]
        if named:
            found.append(f"the naltrexone tablets ({known.product}: “{named[0]}”, from "
                         f"{known.label})")
    elif not excipients:
        found.append("the naltrexone tablets (their excipients are not given; US and UK "
                     "tablets contain lactose)")
    else:
        named = [x for x in excipients if _names_lactose(x)]
        if named:
            found.append(f"the naltrexone tablets (excipient “{named[0]}”)")
    return found
