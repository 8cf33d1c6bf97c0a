"""What the records' API (:mod:`.records_api`) and the records' pages (:mod:`.record_pages`)
share: the app's store of records, the profile every plan of the app is made under (the
pharmacy's own formulary), search criteria read from a query or a form, the PDFs of a kept
record printed again (the worksheet, the executed record; each print in the audit trail), how
many dispensing labels a batch had printed, and the quarantined lots that hold its label
back."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Response, current_app
from sqlalchemy import func, select

from compounding.bench.results import TransitionError
from compounding.documents import executed_record_pdf, worksheet_pdf
from compounding.errors import ErrorDetail, OrderError
from compounding.profile import Profile
from compounding.records import Record, Store
from compounding.records.inventory import COMPONENT, QuarantineFlag
from compounding.records.schema import batches, events

from .auth import audit
from .inventory_pages import inventory
from .pages import whole_number

STATUSES = ("printed", "compounded", "verified", "rejected", "scrapped")
SEARCH_TEXT = ("patient", "patient_id", "prescription_id", "rx_number", "lot_number",
               "source_lot", "filler_lot")
SEARCH_FIELDS = (*SEARCH_TEXT, "date_from", "date_to", "status", "limit", "offset")
LOT_NAMES = {"tablet": "Tablet", "api": "API powder", "filler": "Filler",
             "shell": "Capsule shell"}
"""Each kind of inventory lot as a sentence names it."""


def store() -> Store:
    return current_app.extensions["records"]


def planning_profile() -> Profile:
    """The pharmacy's profile planning under the pharmacy's own formulary, as its records keep
    it (a plan follows an approved version, never a draft or a built-in record): every plan the
    app makes (the API's, the order form's preview, FHIR orders, label proofs) is the plan of
    the batch record :meth:`compounding.records.Store.create` would keep from the same order."""
    profile: Profile = current_app.config["PROFILE"]
    return profile.with_formulary(tuple(store().formulary().formulary().entries()))


def search_criteria(args: Any) -> dict[str, Any]:
    """Query parameters as search criteria; a bad value is an error naming the parameter."""
    errors, criteria = [], {}
    for name in SEARCH_TEXT:
        if args.get(name):
            criteria[name] = args[name][:120]
    for name in ("date_from", "date_to"):
        if args.get(name):
            try:
                criteria[name] = date.fromisoformat(args[name])
            except ValueError:
                errors.append(ErrorDetail("INVALID_DATE", name, "must be a date YYYY-MM-DD"))
    if args.get("status"):
        if args["status"] in STATUSES:
            criteria["status"] = args["status"]
        else:
            errors.append(ErrorDetail("INVALID_VALUE", "status",
                                      f"must be one of {', '.join(STATUSES)}"))
    for name, default, top in (("limit", 50, 500), ("offset", 0, 10**9)):
        raw = args.get(name, str(default))
        number = whole_number(raw)
        if number is not None and number <= top:
            criteria[name] = number
        else:
            errors.append(ErrorDetail("INVALID_VALUE", name, f"must be a whole number up to "
                                                             f"{top}"))
    if errors:
        raise OrderError(errors)
    return criteria


# -- the PDFs of a kept record ------------------------------------------------------------------

_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def pdf(content: bytes, name: str) -> Response:
    """A PDF that opens in the browser, ready to print (``inline``), with a file name for
    saving it that keeps only letters, digits, ``.``, ``_`` and ``-``."""
    response = Response(content, mimetype="application/pdf")
    safe = _UNSAFE_IN_FILE_NAME.sub("_", name)[:80]
    response.headers["Content-Disposition"] = f'inline; filename="{safe}"'
    return response


def reprint_worksheet(record: Record) -> Response:
    response = pdf(worksheet_pdf(record.labelled_order(), record.profile, kept=True),
                   f"worksheet-{record.lot_number}.pdf")
    response.headers["X-Lot-Number"] = record.lot_number
    audit("worksheet_print", record.lot_number, copies=1)
    return response


def executed_record(record: Record) -> Response:
    """The executed compounding record of a batch with bench results (409
    ``BATCH_NOT_COMPOUNDED`` before any)."""
    response = pdf(executed_record_pdf(record.labelled_order(), record.executed(),
                                       record.profile),
                   f"record-{record.lot_number}.pdf")
    response.headers["X-Lot-Number"] = record.lot_number
    audit("record_print", record.lot_number, copies=1)
    return response


# -- the dispensing label -----------------------------------------------------------------------

def labels_printed(lot: str) -> int:
    """How many dispensing labels of batch ``lot`` were printed (the change feed's ``label``
    events): every print after the first is a reprint."""
    with store().engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(
                events.join(batches, events.c.batch_id == batches.c.id))
            .where(batches.c.lot_number == lot, events.c.action == "label")).scalar_one()


def quarantine_flags(record: Record) -> list[QuarantineFlag]:
    """The quarantined component lots batch ``record`` used, while it is not scrapped."""
    if record.status == "scrapped":
        return []
    return inventory().quarantine_flags(record.lot_number)


def quarantine_refusal(record: Record) -> TransitionError | None:
    """``LOT_QUARANTINED`` (409) for each quarantined lot the batch used: no dispensing label
    is printed from it, first print or reprint, until a pharmacist has dealt with it."""
    problems = [ErrorDetail(
        "LOT_QUARANTINED", f"{COMPONENT[flag.lot.kind]}_lot",
        f"{LOT_NAMES[flag.lot.kind]} lot {flag.lot.lot} is quarantined "
        f"({flag.lot.quarantine_reason}): no dispensing label is printed for batch "
        f"{record.lot_number}, which used it. Set the batch aside and tell the pharmacist in "
        f"charge; scrap it if it cannot be used.") for flag in quarantine_flags(record)]
    return TransitionError(problems) if problems else None
