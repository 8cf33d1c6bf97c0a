"""A titration kit's page (the ``kits`` blueprint, ``/kits/<number>``): the kit's status (open,
or released once every batch in it is verified, with what holds it back), its schedule with
the dates from its first day, its batches, one per strength (shell colour, lot, status, a link
to each batch's page, where the worksheet, bench, verification and label apply per batch),
and its documents: the kit label (a pharmacist prints it once the kit is released), the
patient's calendar and the leaflet, each printed from the kit's order with the acknowledgements
signed on its batches' pages. Each showing is a ``read_kit`` event in the audit trail, each
print a ``kit_label_print`` or ``kit_document_print``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, render_template, request

from compounding.bench.results import TransitionError
from compounding.documents import calendar_pdf, kit_label_pdf, leaflet_pdf
from compounding.errors import CompoundingError, ErrorDetail
from compounding.records import Record
from compounding.records.kits import Kit, labelled_kit_order

from .auth import audit, principal
from .kept_records import pdf, quarantine_refusal, store
from .kit_preview import schedule_rows
from .security import csrf_valid

bp = Blueprint("kits", __name__, url_prefix="/kits")

STATUS_WORDS = {"open": "open: not every batch is verified yet",
                "released": "released: every batch is verified"}


def kit_page(number: int, status: int = 200, errors: list[ErrorDetail] | None = None):
    """The kit's page (with the ``errors`` of a print that was refused)."""
    kit = store().kit(number)
    audit("read_kit", f"kit {kit.id}", lots=kit.lots)
    return render_template("kit.html", kit=kit, errors=errors or [], rows=schedule_rows(kit),
                           status_words=STATUS_WORDS[kit.status],
                           created=request.args.get("created") == "1",
                           signs="pharmacist" in principal().user.roles), status


@bp.get("/<int:number>")
def show(number: int):
    return kit_page(number)


def _batches(kit: Kit) -> list[Record]:
    """The kit's batch records, lowest strength first."""
    return [store().get(lot) for lot in kit.lots]


@bp.post("/<int:number>/label.pdf")
def label(number: int):
    """The kit label, printed by a pharmacist once the kit is released (every batch verified,
    its history whole, no quarantined lot used): each batch's lot and the earliest beyond-use
    date. Printing is recorded (``kit_label_print``), so it is never a GET."""
    if not csrf_valid(request.form.get("csrf_token")):
        return kit_page(number, 400, [ErrorDetail(
            "CSRF_FAILED", "form", "This form has expired or did not come from this page; "
                                   "print the kit label again from the kit's page.")])
    kit = store().kit(number)
    try:
        if kit.status != "released":
            raise TransitionError([ErrorDetail(
                "BATCH_NOT_VERIFIED", "status",
                f"kit {kit.id} is {kit.status}: " + "; ".join(kit.held))])
        records = _batches(kit)
        for record in records:
            record.order_for_label()  # verified, whole, not archived
            if (held := quarantine_refusal(record)) is not None:
                raise held
        body = kit_label_pdf(labelled_kit_order(kit, records), records[0].profile,
                             [r.dispensing() for r in records])
    except CompoundingError as exc:
        return kit_page(number, exc.status, exc.errors)
    audit("kit_label_print", f"kit {kit.id}", lots=kit.lots)
    return pdf(body, f"kit-{kit.id}-label.pdf")


def _patient_document(number: int, name: str, make: Callable[..., bytes]) -> Any:
    kit = store().kit(number)
    try:
        records = _batches(kit)
        body = make(labelled_kit_order(kit, records), records[0].profile, kept=True)
    except CompoundingError as exc:
        return kit_page(number, exc.status, exc.errors)
    audit("kit_document_print", f"kit {kit.id}", document=name, lots=kit.lots)
    return pdf(body, f"kit-{kit.id}-{name}.pdf")


@bp.get("/<int:number>/calendar.pdf")
def calendar(number: int):
    """The patient's calendar of the kit: each day (or week) with its date from the kit's
    first day, the capsule's colour and how many."""
    return _patient_document(number, "calendar", calendar_pdf)


@bp.get("/<int:number>/leaflet.pdf")
def leaflet(number: int):
    """The patient's leaflet: how to take the kit, what to expect, opioid blockade, storage,
    in the patient's name."""
    return _patient_document(number, "leaflet", leaflet_pdf)
