"""Naltrexone tablet products and their excipients, as their labels list them.

A tablet crushed for LDN carries its excipients into every capsule: ReVia's label lists lactose
monohydrate among them (ReVia prescribing information, Teva Women's Health, 2013). The table
(``compounding/data/tablet_products.csv``) names each product by a word of its name (a brand)
or of its manufacturer, with the label each row came from; an order's own
``source.excipients`` always come first.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from compounding.screening.medtext import words


@dataclass(frozen=True, slots=True)
class TabletProduct:
    """One product: how an order names it (``match`` in its ``field``, ``product`` or
    ``manufacturer``), its excipients, and the label they come from."""

    match: str
    field: str
    product: str
    excipients: tuple[str, ...]
    label: str


@cache
def tablet_products() -> tuple[TabletProduct, ...]:
    """The table, read once."""
    text = (resources.files("compounding") / "data" / "tablet_products.csv").read_text("utf-8")
    rows = csv.DictReader(io.StringIO("".join(
        line for line in text.splitlines(keepends=True) if not line.startswith("#"))))
    return tuple(TabletProduct(r["match"].strip().casefold(), r["field"].strip(),
                               r["product"].strip(),
                               tuple(x.strip() for x in r["excipients"].split(";")),
                               r["label"].strip()) for r in rows)


def tablet_product(product: str | None, manufacturer: str | None) -> TabletProduct | None:
    """The product an order's source names, by its brand in ``product`` or its
    ``manufacturer``; ``None`` when the table does not know it.

    >>> tablet_product("ReVia 50 mg tablet", None).excipients[3]
    'lactose monohydrate'
    >>> tablet_product("Naltrexone HCl 50 mg tablet", "Sun Pharma").label[:40]
    'Naltrexone hydrochloride tablets USP lab'
    >>> tablet_product("Naltrexone HCl 50 mg tablet", "Accord") is None
    True
    """
    given = {"product": f" {' '.join(words(product or ''))} ",
             "manufacturer": f" {' '.join(words(manufacturer or ''))} "}
    for row in tablet_products():
        if f" {row.match} " in given[row.field]:
            return row
    return None
