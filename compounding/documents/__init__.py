"""Documents: the batch worksheet, the executed compounding record and the patient label, as
PDF bytes (reportlab), of capsules and of oral liquids alike.

Built from the core's numbers; nothing here computes a dose. The core (``compounding``) never
imports this package. Each function takes an order of either form (a capsule
:class:`~compounding.orders.models.Order`, an oral
:class:`~compounding.orders.liquid.LiquidOrder`, or the JSON of either as a mapping, an oral
liquid's with ``"form": "oral_liquid"``) and makes the document of its form.

A capsule titration kit (:class:`~compounding.orders.kit.KitOrder`) is one batch per strength,
each with its own worksheet and label (its order from :func:`compounding.forms.kit.batch_orders`);
the kit has its own documents: the kit label (:func:`kit_label_pdf`), and, for the patient, the
dosing calendar (:func:`calendar_pdf`, an oral liquid's schedule too) and the leaflet with its
wallet card (:func:`leaflet_pdf`, of any order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from compounding.bench.execution import Executed
from compounding.bench.labeling import Dispensing
from compounding.forms.liquid import LiquidWorked
from compounding.orders.liquid import LiquidOrder
from compounding.orders.models import Order
from compounding.plan import work_out
from compounding.profile import DEFAULT_PROFILE, Profile

from .calendar import calendar_pdf as calendar_pdf
from .executed import build_executed
from .kit import kit_label_pdf as kit_label_pdf
from .label import content_of, worked_labels
from .leaflet import leaflet_pdf as leaflet_pdf
from .liquid_executed import build_liquid_executed
from .liquid_worksheet import build_liquid_worksheet
from .mfr import mfr_pdf as mfr_pdf
from .worksheet import build_worksheet

OrderInput = Order | LiquidOrder | Mapping[str, Any]


def worksheet_pdf(order: OrderInput, profile: Profile | None = None, *,
                  kept: bool = False) -> bytes:
    """The batch worksheet of ``order`` (:class:`compounding.OrderError` when invalid);
    ``kept``: of a kept batch record, on its own compounding date however long ago."""
    profile = profile or DEFAULT_PROFILE
    worked = work_out(order, profile.settings, kept=kept)
    if isinstance(worked, LiquidWorked):
        return build_liquid_worksheet(worked, profile)
    return build_worksheet(worked, profile)


def executed_record_pdf(order: OrderInput, executed: Executed,
                        profile: Profile | None = None) -> bytes:
    """The executed compounding record of a kept batch (domain.md §13): ``order`` with its
    signed acknowledgements, and what the bench did
    (:class:`compounding.bench.execution.Executed`; for an oral liquid, its bench entry is a
    :class:`compounding.bench.liquid_results.LiquidBenchEntry`)."""
    profile = profile or DEFAULT_PROFILE
    worked = work_out(order, profile.settings, kept=True)
    if isinstance(worked, LiquidWorked):
        return build_liquid_executed(worked, profile, executed)
    return build_executed(worked, profile, executed)


def label_pdf(order: OrderInput, profile: Profile | None = None,
              dispensing: Dispensing | None = None, *, reprint: bool = False,
              copies: int = 1) -> bytes:
    """The patient label of ``order``: a proof ("PROOF — NOT FOR DISPENSING"), or with
    ``dispensing`` (a verified batch's lot, day and reconciled BUD) the dispensing label, with
    its dosing schedule and auxiliary labels when needed, ``copies`` times (1 to 20);
    ``reprint`` (every print after the first) marks every label REPRINT. Refused (HTTP 409)
    while a critical finding is unacknowledged. A dispensing label is of a kept batch: planned
    on the batch's own compounding date, however long ago (a reprint months later). An oral
    liquid's label also names the oral syringe, says "Shake well" for a suspension and how to
    store it."""
    profile = profile or DEFAULT_PROFILE
    worked = work_out(order, profile.settings, kept=dispensing is not None)
    return worked_labels([(worked, dispensing)], profile, reprint=reprint, copies=copies)


def label_text(order: OrderInput, profile: Profile | None = None,
               dispensing: Dispensing | None = None, *, form: str = "zpl",
               dpi: int = 203, reprint: bool = False, copies: int = 1) -> str:
    """The patient label as ZPL for a thermal printer (``form="zpl"``, at ``dpi`` 203 or 300,
    ``copies`` and ``reprint`` as :func:`label_pdf`) or its content as JSON text
    (``form="json"``); the same rules as :func:`label_pdf`."""
    import json

    from compounding.bench.labeling import content_json

    from .zpl import label_zpl

    profile = profile or DEFAULT_PROFILE
    worked = work_out(order, profile.settings, kept=dispensing is not None)
    content = content_of(worked, profile, dispensing)
    if form == "json":
        return json.dumps(content_json(content), ensure_ascii=False, indent=2) + "\n"
    return label_zpl(content, profile.label.stock, dpi, reprint=reprint, copies=copies)


def labels_pdf(orders: Sequence[OrderInput], profile: Profile | None = None) -> bytes:
    """Proof labels for several orders (of any form) in one PDF, on the profile's label
    stock."""
    profile = profile or DEFAULT_PROFILE
    return worked_labels([(work_out(o, profile.settings), None) for o in orders], profile)


__all__ = ["calendar_pdf", "executed_record_pdf", "kit_label_pdf", "label_pdf", "label_text",
           "labels_pdf", "leaflet_pdf", "worksheet_pdf"]
