"""Refuse, before anything is drawn, a document with a character no font here can print.

Every string of the order, of the pharmacy's details and of the bench entry is looked at; a
character that neither the shipped DejaVu nor an installed Noto Sans CJK has
(:func:`.fallback.missing`) is refused with ``CHARACTER_NOT_PRINTABLE``, naming the field, so a
label never carries a patient's name as empty boxes. And, before an order is kept, that its
patient label can be laid out on the profile's stock, as a PDF and as ZPL (``LABEL_TOO_LONG``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from compounding.bench.labeling import draft_content, liquid_draft_content
from compounding.errors import ErrorDetail, OrderError
from compounding.forms.liquid import LiquidWorked
from compounding.orders.liquid import LiquidOrder
from compounding.orders.models import Order
from compounding.plan import plan_of, work_out
from compounding.profile import Profile

from . import fallback
from .layout import lay_out
from .stock import STOCKS, _barcode, _pdf_measure
from .zpl import DPIS, zpl_layout


def strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in ``value`` (JSON-like) with its API v1 path (``patient.name``,
    ``concurrent_medications[0].text``)."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")


def _describe(chars: str) -> str:
    return ", ".join(f"“{c}” (U+{ord(c):04X})" for c in chars)


def check(order: Order | LiquidOrder, profile: Profile, bench: Any = None, *,
          label: bool = True) -> None:
    """:class:`OrderError` naming every field of the order, the pharmacy's details and the
    ``bench`` entry with a character that cannot be printed (the worksheet prints them all),
    and, for an order (no ``bench``) unless ``label`` is false, ``LABEL_TOO_LONG`` when its
    patient label cannot be printed on the profile's stock (:func:`check_label_fits`): the
    records keep an order only if its worksheet and its label can print."""
    fields = [*strings(order.model_dump(mode="json")),
              *strings(profile.pharmacy.model_dump(mode="json"), "profile.pharmacy")]
    if bench is not None:
        fields += strings(bench.model_dump(mode="json"), "bench")
    refuse(fields)
    if label and bench is None:
        check_label_fits(order, profile)


def check_label_fits(order: Order | LiquidOrder, profile: Profile) -> None:
    """``LABEL_TOO_LONG`` (naming the field) when the order's patient label cannot be laid out
    on the profile's stock, as a PDF or as ZPL at 203 or 300 dpi: when the container's label
    cannot hold what it must carry, or one sentence or dosing step does not fit a label of its
    own (:func:`.layout.lay_out`; everything else goes on schedule and auxiliary labels). An
    order that lacks an item of the label is not looked at: that is refused when the label is
    printed, as an unacknowledged finding is."""
    worked = work_out(order, profile.settings)
    content = (liquid_draft_content(worked.order, plan_of(worked), worked.mfr_record,
                                    profile.pharmacy)
               if isinstance(worked, LiquidWorked) else
               draft_content(worked.order, plan_of(worked), profile.pharmacy))
    if content is None:
        return
    lay_out(content, STOCKS[profile.label.stock].label, _pdf_measure(_barcode(content.rx_number)))
    for dpi in DPIS:
        zpl_layout(content, profile.label.stock, dpi)


def check_bench(entry: Any, prefix: str = "") -> None:
    """The same for a bench entry (printed on the executed record), its fields named under
    ``prefix``."""
    refuse(strings(entry.model_dump(mode="json"), prefix))


def check_label(order: Order | LiquidOrder, profile: Profile) -> None:
    """The same for what a label prints: the patient, directions, prescriber, Rx and lot
    numbers and the pharmacy's details (a label is made hundreds at a time: no dump)."""
    pharmacy = profile.pharmacy
    refuse([("patient.name", order.patient.name if order.patient else None),
            ("directions", order.directions),
            ("prescriber.name", order.prescriber.name if order.prescriber else None),
            ("rx_number", order.rx_number), ("lot_number", order.lot_number),
            ("profile.pharmacy.name", pharmacy.name),
            ("profile.pharmacy.address", pharmacy.address),
            ("profile.pharmacy.phone", pharmacy.phone)])


def refuse(fields: Iterable[tuple[str, str | None]]) -> None:
    """:class:`OrderError` naming each field whose text has a character no font here has."""
    hint = ("" if fallback.installed() else "; installing Debian's fonts-noto-cjk adds Chinese, "
            "Japanese and Korean")
    errors = []
    for field, text in fields:
        lacking = fallback.missing(text) if text else ""
        if lacking:
            them = "it" if len(lacking) == 1 else "them"
            errors.append(ErrorDetail(
                "CHARACTER_NOT_PRINTABLE", field,
                f"{_describe(lacking[:5])} cannot be printed: no font on this workbench has "
                f"{them}. Leave {them} out, or ask the administrator to install a font that "
                f"has {them}{hint}."))
    if errors:
        raise OrderError(errors)
