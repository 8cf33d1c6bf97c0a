"""The source of a batch and its master formulation record, as the worksheet and the executed
record print them (:mod:`.worksheet`, :mod:`.executed`).

The formula a batch is made under, by the record's name, id and version, and the beyond-use
date with the record's own rationale (USP <795> 2023: the compounding record names its master
formulation record). The source: commercial tablets crushed (the tablets, the measured average
tablet weight W) or naltrexone HCl powder weighed (its product, lot and expiry, and the assay
from the lot's certificate of analysis, with the assay as is the amounts use); the components'
rows, the check of the source, and the steps from the source to the first weighings.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from compounding.display import count, show
from compounding.forms.capsule_steps import assay_used as _assay_used
from compounding.orders.models import MfrUsed, Source

if TYPE_CHECKING:
    from compounding.forms.liquid import LiquidWorked
    from compounding.plan import Worked

Sheet = Any
"""A worksheet or an executed record being built (``worksheet._Worksheet``,
``executed._Executed``): both import this module, so it names neither."""

BUILT_IN = "built-in record, not approved by this pharmacy"


def formula_line(mfr: MfrUsed | None) -> str:
    """The master formulation record in words: ``<name>, <id> version <n>``, and that it is the
    workbench's own record when it is one (no pharmacist of this pharmacy approved it)."""
    if mfr is None:
        return "no master formulation record named"
    line = f"{mfr.name}, {mfr.id} version {mfr.version}"
    return f"{line} ({BUILT_IN})" if mfr.built_in else line


def record_bud(worked: Worked | LiquidWorked) -> str | None:
    """The record's own BUD rationale (``mfr.bud_rationale``: its USP <795> Table 4 category or
    its stability study, with its days). A Table 4 record's storage condition is left out: the
    release's Storage row under it prints the storage; a study's stays, its BUD holding only
    under the study's condition."""
    mfr = worked.mfr
    if mfr is None:
        return None
    entry = next((e for e in worked.settings.formulary_of().versions(mfr.id)
                  if e.mfr.version == mfr.version), None)
    bud = entry.mfr.bud if entry is not None else None
    if bud is not None and bud.kind == "usp_table4":
        return mfr.bud_rationale.replace(f", {bud.storage_condition}", "", 1)
    return mfr.bud_rationale


def bud_line(day: date, rationale: str, worked: Worked | LiquidWorked) -> str:
    """The beyond-use date with the plan's rationale, then the record's own."""
    line = f"{day.isoformat()}: {rationale}"
    record = record_bud(worked)
    return f"{line}; master formulation record: {record}" if record else line


def tablet_weight(source: Source) -> str:
    """W, the measured average tablet weight [mg] (every tablet order gives it)."""
    assert source.average_tablet_weight is not None
    return show(source.average_tablet_weight)


def percent(fraction: Fraction) -> str:
    """A share [mg/mg] as a percentage: ``99.2 %``."""
    return f"{show(fraction * 100, 4)} %"


def assay_stated(source: Source) -> str:
    """The certificate's assay with its basis: ``99.2 % as is``, or ``99.6 % on the dried
    basis, water 0.4 %``."""
    assay = f"{show(source.assay or 0, 4)} %"
    if source.assay_basis == "dried":
        return f"{assay} on the dried basis, water {show(source.water or 0, 4)} %"
    return f"{assay} as is"


def assay_used(source: Source) -> str:
    """The assay as is the amounts use: ``99.2 %``."""
    return _assay_used(source)


def source_rows(sheet: Sheet) -> list[list[object]]:
    """The components' rows of the source: product, manufacturer, lot, expiry, theoretical."""
    o, b = sheet.order, sheet.batch
    src = o.source
    ndc = f"; NDC {src.ndc}" if src.ndc else ""
    weigh = "weigh out" if b.method == "exact_portion" else "all of it"
    if src.powder:
        weigh = "weigh out" if b.trituration is None else "weigh out, for trituration 1"
        return [[f"{src.product_name} ({weigh}){ndc}; certificate of analysis: assay "
                 f"{assay_stated(src)}; assay as is used: {assay_used(src)}",
                 src.manufacturer, src.lot, src.expiry, sheet.mg(b.tablet_powder)]]
    if b.trituration is not None:
        weigh = "all of it, for trituration 1"
    return [
        [f"{src.product_name} (immediate release){ndc}", src.manufacturer, src.lot, src.expiry,
         count(b.tablets, "tablet")],
        [f"Tablet powder ({weigh}); measured average tablet weight "
         f"W = {tablet_weight(src)} mg",
         "", "", "", sheet.mg(b.tablet_powder)],
    ]


def source_check(sheet: Sheet) -> str:
    """The procedure's check of the source: the tablets' average weight, weighed again, or
    the powder's certificate of analysis."""
    src = sheet.order.source
    if src.powder:
        return (f"Check the certificate of analysis of the naltrexone HCl powder, lot "
                f"{src.lot or '—'}: assay {assay_stated(src)}. The amounts below use an assay as "
                f"is of {assay_used(src)}.")
    return (f"Confirm the average tablet weight of this lot: weigh 10 tablets one by one "
            f"(W used: {tablet_weight(src)} mg). Tablets: "
            + " ".join(f"{i}. ______" for i in range(1, 11))
            + " mg; mean W = ________ mg. Enter the weights with the bench results.")


def source_note(sheet: Sheet) -> str:
    """The calculations' note on the source's inputs: S and W, or the assay as is."""
    src = sheet.order.source
    if src.powder:
        return (f"assay as is = {assay_used(src)} (certificate of analysis: assay "
                f"{assay_stated(src)})")
    return (f"S = {show(src.strength)} mg per tablet; W = {tablet_weight(src)} mg per tablet "
            f"(measured)")


def executed_source_rows(sheet: Sheet) -> list[list[object]]:
    """The executed record's rows of the source, planned and as used: the tablets and their
    powder, or the naltrexone HCl powder weighed."""
    o, b, e = sheet.order, sheet.batch, sheet.x.bench
    src = o.source
    actual = f"{show(e.tablet_powder_actual)} mg"
    if src.powder:
        return [[f"Naltrexone HCl powder ({src.product_name}; assay as is "
                 f"{assay_used(src)})", src.manufacturer, e.source_lot, e.source_expiry,
                 sheet.mg(b.tablet_powder), actual]]
    return [
        [f"{src.product_name} (immediate release)", src.manufacturer, e.source_lot,
         e.source_expiry, count(b.tablets, "tablet"), count(e.tablets_used, "tablet")],
        ["Tablet powder", None, None, None, sheet.mg(b.tablet_powder), actual],
    ]
