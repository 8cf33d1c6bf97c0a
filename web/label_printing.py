"""Printing a batch's dispensing label from its page: copies, and where it goes (a PDF, or the
pharmacy's label printer when the profile sets one); every print after the first is marked
REPRINT, and each is in the audit trail, the print count and the change feed."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, request, session, url_for

from compounding.documents import label_pdf, label_text
from compounding.documents.printer import send_zpl
from compounding.errors import CompoundingError, ErrorDetail

from .auth import audit
from .batch_page import MAX_COPIES, record_page
from .kept_records import labels_printed, pdf, quarantine_refusal, store
from .pages import whole_number
from .security import csrf_valid
from .signing import author


def _label_options(form: Any) -> tuple[int, str, list[ErrorDetail]]:
    """Copies (1 to 20; 1 when the form sends none) and where the label goes (``pdf`` when
    none is said, or ``printer``: the profile's label printer, when one is set)."""
    errors = []
    typed = form.get("copies")
    copies = 1 if typed is None else whole_number(typed.strip())
    if copies is None or not 1 <= copies <= MAX_COPIES:
        errors.append(ErrorDetail("INVALID_VALUE", "copies",
                                  f"enter how many labels to print, a whole number from 1 "
                                  f"to {MAX_COPIES}"))
        copies = 1
    destination = form.get("destination") or "pdf"
    if destination not in ("pdf", "printer"):
        errors.append(ErrorDetail("INVALID_VALUE", "destination",
                                  "choose PDF or Label printer"))
    elif destination == "printer" and not current_app.config["PROFILE"].label.printer:
        errors.append(ErrorDetail("INVALID_VALUE", "destination",
                                  "no label printer is set up for this pharmacy: print the "
                                  "PDF, or ask the administrator to set the printer's "
                                  "address"))
    return copies, destination, errors


def _copies(count: int) -> str:
    return f"{count} cop{'y' if count == 1 else 'ies'}"


def label(lot: str):
    """Print the dispensing label: the record page's print form posts here with its token,
    the number of copies and where to print (PDF, or the pharmacy's label printer when the
    profile sets one). Every print after the first is marked REPRINT. Printing is recorded
    (the audit trail with copies, reprint and destination; the print count; the feed), so it
    is never a GET: a link or a navigation from another site, which the session cookie
    (SameSite=Lax) rides along, is 405 and prints nothing. A batch that cannot be labelled
    (not verified, its history broken, a quarantined lot used) shows its page with why."""
    record = store().get(lot)
    form = request.form
    values = {k: form.get(k, "") for k in ("copies", "destination")}
    if not csrf_valid(form.get("csrf_token")):
        return record_page(lot, 400, [ErrorDetail("CSRF_FAILED", "form",
                                                  "This form has expired or did not come from "
                                                  "this page; print the label again from the "
                                                  "batch's page.")])
    copies, destination, errors = _label_options(form)
    if errors:
        return record_page(lot, 422, errors, values, posted="label-")
    problems = store().chain_problems(record.lot_number)
    if problems and not record.chain_problem:
        record = record.model_copy(update={"chain_problem": problems[0].split(": ", 1)[1]})
    printer = current_app.config["PROFILE"].label
    response = None
    try:
        order, dispensing = record.order_for_label(), record.dispensing()
        if (held := quarantine_refusal(record)) is not None:
            raise held
        reprint = labels_printed(record.lot_number) > 0
        if destination == "printer":
            host, port = printer.printer_address
            send_zpl(label_text(order, record.profile, dispensing, form="zpl",
                                reprint=reprint, copies=copies), host, port)
        else:
            response = pdf(label_pdf(order, record.profile, dispensing, reprint=reprint,
                                     copies=copies), f"label-{record.lot_number}.pdf")
    except CompoundingError as exc:
        return record_page(lot, exc.status, exc.errors, values, posted="label-")
    sent = f"printer {printer.printer}" if destination == "printer" else "pdf"
    audit("label_print", record.lot_number, copies=copies, reprint=reprint,
          format="zpl" if destination == "printer" else "pdf", destination=sent,
          revision=record.revision)
    store().label_printed(record.lot_number, author().user_id)
    if response is not None:
        response.headers["X-Lot-Number"] = record.lot_number
        return response
    session["notice"] = (f"Sent {_copies(copies)} to the label printer at {printer.printer}"
                         f"{', marked REPRINT' if reprint else ''}.")
    return redirect(url_for("records.show", lot=record.lot_number), code=303)
