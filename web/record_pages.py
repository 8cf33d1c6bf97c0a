"""Pages of the compounding records: search, one record with its history and signatures, bench
entry, corrections, the pharmacist's signed verification, acknowledgement and scrap, reprints,
the dispensing label (as a PDF or sent to the pharmacy's label printer).
Forms post back here and redirect on success, with a confirmation shown once on the page.
Searches are posted: a patient's name never travels in a URL."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from pydantic import ValidationError
from sqlalchemy import func, select

from compounding import clock
from compounding.bench import BenchEntry, Correction, TransitionError
from compounding.documents import label_pdf, label_text
from compounding.documents.printer import send_zpl
from compounding.errors import CompoundingError, ErrorDetail, OrderError
from compounding.orders import validation_errors
from compounding.reconciliation import reconcile
from compounding.records import Record
from compounding.records.inventory import COMPONENT, QuarantineFlag
from compounding.records.schema import batches, events

from .auth import audit, audit_log, principal
from .formdata import with_unit
from .inventory_pages import inventory, usable_lots
from .records_api import (
    STATUSES,
    executed_record,
    pdf,
    reprint_worksheet,
    search_criteria,
    store,
    whole_number,
)
from .security import csrf_valid
from .signing import author, signer

bp = Blueprint("records", __name__, url_prefix="/records")

BENCH_FIELDS = ("tablets_used", "tablet_weights", "average_tablet_weight",
                "tablet_powder_actual", "filler_actual", "capsules_made", "capsule_weights",
                "source_lot", "source_expiry", "filler_lot", "filler_expiry", "capsule_lot",
                "capsule_expiry", "compounded_at")
MASS_FIELDS = ("average_tablet_weight", "tablet_powder_actual", "filler_actual",
               "aliquot_actual")
"""Bench inputs of one mass each, in mg unless a unit is typed ("3.6 g" is 3600 mg)."""
BENCH_LOTS = {"source_lot": "tablet", "filler_lot": "filler", "capsule_lot": "shell"}
"""The bench form's lot inputs, and the kind of inventory lot each offers and checks."""
LOT_NAMES = {"tablet": "Tablet", "api": "API powder", "filler": "Filler",
             "shell": "Capsule shell"}
MAX_COPIES = 20
NOTICES = {"bench": "Bench results saved.", "correction": "Correction saved.",
           "acknowledgement": "Acknowledgement signed.", "scrap": "Batch scrapped.",
           "verified": "Batch verified.", "rejected": "Batch rejected."}
"""The confirmation shown once on the record's page after each step is saved."""


def _listing(args: Any, status: int = 200):
    errors: list[ErrorDetail] = []
    found = []
    if any(args.get(k) for k in args if k != "csrf_token"):
        try:
            criteria = search_criteria(args)
            found = store().search(**criteria)
            audit("search", None, criteria={k: str(v) for k, v in criteria.items()},
                  results=[s.lot_number for s in found])
        except CompoundingError as exc:
            errors = exc.errors
    else:
        found = store().search(limit=50)
        audit("search", None, criteria={}, results=[s.lot_number for s in found])
    return render_template("records.html", found=found, args=args, errors=errors,
                           statuses=STATUSES), (422 if errors else status)


@bp.get("")
def index():
    return _listing({})


@bp.post("")
def search():
    if not csrf_valid(request.form.get("csrf_token")):
        return _listing({}, 400)
    return _listing(request.form)


# -- the page ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Step:
    """One step of the header (Printed → Bench → Verified → Labelled): ``state`` is ``done``,
    ``current`` or ``todo``; ``current`` marks the one the batch is at (``aria-current``);
    ``words`` say it, so that nothing is told by colour alone."""

    name: str
    state: str
    words: str
    current: bool = False


def steps(record: Record, labels: int, worksheets: int = 0) -> list[Step]:
    """Where the batch stands: the step it waits for is current (a new batch waits for its
    worksheet to be printed, a printed one for its bench results, a compounded one for a
    pharmacist's verification, a verified one for its label); a labelled batch has done them
    all. ``labels`` and ``worksheets``: how many of each were printed."""
    status = record.status
    names = ("Printed", "Bench", "Verified", "Labelled")
    if record.archived or status == "scrapped":
        reached = {"printed": 0, "compounded": 1, "rejected": 1, "verified": 2}.get(
            _status_before_scrap(record), 0)
        if reached == 0 and worksheets == 0:
            reached = -1
        why = "archived" if record.archived else "scrapped"
        return [Step(name, "done" if i <= reached else "todo",
                     "Done" if i <= reached else f"Not reached: the batch was {why}")
                for i, name in enumerate(names)]
    if status == "printed" and worksheets == 0:
        at, waiting = 0, "Current step: print the worksheet"
    elif status == "printed":
        at, waiting = 1, "Current step: enter the bench results"
    elif status == "rejected":
        at, waiting = 1, "Current step: rejected, correct the bench results"
    elif status == "compounded":
        at, waiting = 2, "Current step: waiting for a pharmacist's verification"
    elif labels == 0:
        at, waiting = 3, "Current step: print the dispensing label"
    else:
        at, waiting = 4, ""
    found = []
    for i, name in enumerate(names):
        if i < at:
            words = (_times("Done: printed", labels) if i == 3
                     else _times("Done: worksheet printed", worksheets) if i == 0 and worksheets
                     else "Done: the bench results came without a printed worksheet"
                     if i == 0 else "Done")
            found.append(Step(name, "done", words, current=at == 4 and i == 3))
        elif i == at:
            found.append(Step(name, "current", waiting, current=True))
        else:
            found.append(Step(name, "todo", "Not yet"))
    return found


def _times(words: str, count: int) -> str:
    return f"{words} {count} time{'' if count == 1 else 's'}"


def _status_before_scrap(record: Record) -> str:
    """The status a scrapped (or archived) batch had reached before it ended."""
    for revision in reversed(record.revisions):
        if revision.status != "scrapped":
            return revision.status
    return "printed"


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


def _derivation(record: Record) -> list[Any]:
    """How each number of the plan was derived, as the order form's preview shows it; none
    when the order can no longer be worked out today (its compounding date long past)."""
    from compounding.derivation import explain
    from compounding.plan import work_out

    try:
        return explain(work_out(record.order, record.profile.settings, kept=True))
    except CompoundingError:
        return []


def _page(lot: str, status: int = 200, errors: list[ErrorDetail] | None = None,
          values: dict[str, str] | None = None, confirm_scrap: bool = False,
          posted: str | None = None):
    """The record's page; after a form of it failed, ``posted`` names that form (its ids'
    prefix: ``bench-``, ``ack-``, ``verify-``, ``scrap-``, ``label-``) and only that form shows
    the ``values`` it sent and the ``errors`` by field, exactly as they were sent."""
    record = store().get(lot)
    audit("read_record", record.lot_number)
    by_field: dict[str, list[ErrorDetail]] = {}
    for error in errors or []:
        by_field.setdefault(form_name(error.field), []).append(error)
    profile = current_app.config["PROFILE"]
    me = principal().user
    signs = "pharmacist" in me.roles
    labels = labels_printed(record.lot_number)
    worksheets = audit_log().count("worksheet_print", record.lot_number)
    # the two-person rule, told before she signs: whoever entered or corrected the bench
    # results does not verify them (unless the pharmacy allows it)
    own_bench = (record.status == "compounded" and signs
                 and not profile.records.allow_self_verification
                 and me.id in record.bench_authors())
    bench_form = record.status in ("printed", "compounded", "rejected") and not record.archived
    return render_template(
        "record.html", record=record, errors=errors or [], field_errors=by_field,
        values=values or {}, posted=posted,
        # a signature refused at the confirmation shows it again
        confirm_scrap=confirm_scrap or (values or {}).get("confirm") == "yes",
        acknowledged={a.finding: a for a in record.acknowledgements},
        steps=steps(record, labels, worksheets),
        shown_status="new" if record.status == "printed" and not worksheets else record.status, labels_printed=labels, own_bench=own_bench,
        quarantine=quarantine_flags(record), printer=profile.label.printer,
        max_copies=MAX_COPIES, derivation=_derivation(record), lot_names=LOT_NAMES,
        lot_choices={name: usable_lots(kind) for name, kind in BENCH_LOTS.items()}
        if bench_form else {}), status


@bp.get("/<lot>")
def show(lot: str):
    return _page(lot)


# -- the bench form ------------------------------------------------------------------------------

def _number(text: str) -> Any:
    """A typed count as JSON would carry it; anything else stays text for the core to refuse."""
    number = whole_number(text)
    return number if number is not None else text


_STAGE_FIELD = re.compile(r"trituration\[(\d)\]\.(taken|filler)")


def form_name(field: str) -> str:
    """The form input an error's field path belongs to: ``trituration[1].taken`` is
    ``trituration_1_taken``; ``capsule_weights[3]`` is ``capsule_weights``; a correction's
    ``bench.filler_lot`` is ``filler_lot``."""
    field = field.removeprefix("bench.")
    stage = _STAGE_FIELD.fullmatch(field)
    return f"trituration_{stage[1]}_{stage[2]}" if stage else field.split("[")[0]


_HAS_UNIT = re.compile(r"[0-9.]\s*[^\W\d_]", re.UNICODE)


def _mass(text: str) -> str:
    """A mass typed in a field in mg: a bare number is in mg; a unit typed is read ("3.6 g" is
    3600 mg), as on the order form."""
    return with_unit(text, "mg")


def _weights(text: str) -> list[str]:
    """Weights typed one per line or separated by spaces or commas, each in mg or with its own
    unit: "131 0.130 g 129mg" is 131 mg, 130 mg and 129 mg."""
    typed: list[str] = []
    for token in text.replace(",", " ").split():
        if typed and token[0].isalpha() and not _HAS_UNIT.search(typed[-1]):
            typed[-1] = f"{typed[-1]} {token}"  # a unit after its number
        else:
            typed.append(token)
    return [_mass(weight) for weight in typed]


def bench_entry(form: Any) -> dict[str, Any]:
    """The bench form as a bench entry: masses in mg unless typed with a unit; weights one per
    line or space."""
    value = {k: (form.get(k) or "").strip() for k in BENCH_FIELDS}
    entry: dict[str, Any] = {}
    for name in ("tablets_used", "capsules_made"):
        if value[name]:
            entry[name] = _number(value[name])
    for name in ("tablet_powder_actual", "filler_actual", "average_tablet_weight"):
        if value[name]:
            entry[name] = _mass(value[name])
    entry["capsule_weights"] = _weights(value["capsule_weights"])
    if value["tablet_weights"]:
        entry["tablet_weights"] = _weights(value["tablet_weights"])
    for name in ("source_lot", "source_expiry", "filler_lot", "filler_expiry", "capsule_lot",
                 "capsule_expiry"):
        if value[name]:
            entry[name] = value[name]
    stages = []
    for index in range(2):
        stage = {part: _mass(text) for part in ("taken", "filler")
                 if (text := (form.get(f"trituration_{index}_{part}") or "").strip())}
        if stage or f"trituration_{index}_filler" in form:
            stages.append(stage)
    if stages:
        entry["trituration"] = stages
    if (aliquot := (form.get("aliquot_actual") or "").strip()):
        entry["aliquot_actual"] = _mass(aliquot)
    moment = value["compounded_at"]
    entry["compounded_at"] = moment or clock.now().replace(microsecond=0).isoformat()
    return entry


_QUANTITY_CODES = frozenset({"INVALID_QUANTITY", "INVALID_VALUE", "WRONG_DIMENSION"})


def _plain(error: ErrorDetail) -> ErrorDetail:
    """A mass the bench form could not read, asked for as the field shows it."""
    name = form_name(error.field)
    if error.code in _QUANTITY_CODES and (name in MASS_FIELDS or name.startswith("trituration_")
                                          or name in ("capsule_weights", "tablet_weights")):
        return ErrorDetail(error.code, error.field,
                           f"{error.message}: enter a number in mg, like 748, or a number "
                           f"with its unit, like 0.748 g")
    return error


def _bench_day(entry: dict[str, Any]) -> date:
    """The pharmacy's date of the bench work: when it was done if typed, else today."""
    zone = current_app.config["PROFILE"].settings.time_zone
    try:
        return clock.day_of(datetime.fromisoformat(str(entry.get("compounded_at"))), zone)
    except ValueError:
        return clock.today(zone)


def _refused_lots(entry: dict[str, Any], path: str) -> list[ErrorDetail]:
    """An error for each lot typed or picked at the bench that the inventory received and that
    is quarantined, or expired on the day of the bench work; a lot never received is left to
    the core's own rules."""
    stock, day = inventory(), _bench_day(entry)
    found = []
    for name, kind in BENCH_LOTS.items():
        typed = entry.get(name)
        if isinstance(typed, str) and (problem := stock.refusal(kind, typed, path + name,
                                                                 on=day)):
            found.append(problem)
    return found


def _whole_check(lot: str, entry: dict[str, Any], reason: str | None) -> None:
    """Refuse a quarantined or expired lot before anything is saved, with every other error
    the entry has (``OrderError``), so that the form shows them all at once, each beside its
    field."""
    path = "" if reason is None else "bench."
    refused = _refused_lots(entry, path)
    if not refused:
        return
    others: list[ErrorDetail] = []
    try:
        if reason is None:
            parsed = BenchEntry.model_validate(entry)
        else:
            parsed = Correction.model_validate({"reason": reason, "bench": entry}).bench
        record = store().get(lot)
        reconcile(parsed, record.plan, record.order, record.profile.settings)
    except ValidationError as exc:
        others = validation_errors(exc)
    except CompoundingError as exc:
        others = [ErrorDetail(e.code, path + e.field, e.message) for e in exc.errors]
    taken = {(e.code, e.field) for e in refused}
    raise OrderError(refused + [e for e in others if (e.code, e.field) not in taken])


def _bench_step(lot: str, entry: dict[str, Any], reason: str | None) -> dict[str, Any]:
    """``entry``, once :func:`_whole_check` finds no lot to refuse."""
    _whole_check(lot, entry, reason)
    return entry


# -- the steps -----------------------------------------------------------------------------------

def _step(lot: str, action: str, run: Callable[[Any, int | None], Record], posted: str,
          notice: str | Callable[[Record], str]):
    """Check the form's token, run the step, go back to the record with ``notice`` shown once
    (errors shown there, in the form ``posted``, with what it sent)."""
    form = request.form
    values = {k: v for k, v in form.items() if k not in ("csrf_token", "password")}
    if not csrf_valid(form.get("csrf_token")):
        return _page(lot, 400, [ErrorDetail("CSRF_FAILED", "form", "This form has expired; "
                                            "check the values and submit again.")], values,
                     posted=posted)
    try:
        record = run(form, whole_number(form.get("revision")))
    except CompoundingError as exc:
        errors = [_plain(e) for e in exc.errors] if posted == "bench-" else exc.errors
        return _page(lot, exc.status, errors, values, posted=posted)
    data = record.revisions[-1].data or {}
    audit(action, record.lot_number, revision=record.revision,
          meaning=data.get("signature", {}).get("meaning"))
    session["notice"] = notice(record) if callable(notice) else notice
    return redirect(url_for("records.show", lot=record.lot_number), code=303)


@bp.post("/<lot>/bench")
def bench(lot: str):
    return _step(lot, "bench", lambda form, expected: store().enter_bench(
        lot, _bench_step(lot, bench_entry(form), None), author(), expected), "bench-",
        NOTICES["bench"])


@bp.post("/<lot>/correction")
def correction(lot: str):
    def run(form: Any, expected: int | None) -> Record:
        reason = form.get("reason", "").strip()
        entry = _bench_step(lot, bench_entry(form), reason)
        return store().correct(lot, {"reason": reason, "bench": entry}, author(), expected)

    return _step(lot, "correction", run, "bench-", NOTICES["correction"])


def _signed(form: Any) -> Any:
    return signer(form.get("password", ""))


@bp.post("/<lot>/verification")
def verification(lot: str):
    """No decision is made for the pharmacist: neither Approve nor Reject sent is an error
    beside the choice, and nothing is signed."""
    rules = current_app.config["PROFILE"].records

    def run(form: Any, expected: int | None) -> Record:
        decision = form.get("decision", "").strip()
        if decision not in ("approve", "reject"):
            raise OrderError([ErrorDetail("FIELD_REQUIRED", "decision",
                                          "choose Approve or Reject")])
        return store().verify(
            lot, {"decision": decision, "reason": form.get("reason", "").strip() or None},
            _signed(form), expected=expected,
            allow_self_verification=rules.allow_self_verification,
            account_change_window_days=rules.account_change_window_days)

    return _step(lot, "signature", run, "verify-", lambda record: NOTICES[record.status])


@bp.post("/<lot>/acknowledgement")
def acknowledgement(lot: str):
    return _step(lot, "signature", lambda form, expected: store().acknowledge(
        lot, {k: form.get(k, "").strip() for k in ("finding", "reason")}, _signed(form),
        expected=expected), "ack-", NOTICES["acknowledgement"])


@bp.post("/<lot>/scrap")
def scrap(lot: str):
    """Two steps, no script needed: the first post asks to confirm (nothing changes); the
    confirmation, signed, scraps the batch. The form posts to ``#scrap``, so the page comes
    back scrolled to the confirmation."""
    if request.form.get("confirm") != "yes":
        if not csrf_valid(request.form.get("csrf_token")):
            return _page(lot, 400, [ErrorDetail("CSRF_FAILED", "form", "This form has expired; "
                                                "check the values and submit again.")])
        return _page(lot, confirm_scrap=True)
    return _step(lot, "signature", lambda form, expected: store().scrap(
        lot, {"reason": form.get("reason", "").strip()}, _signed(form), expected=expected),
        "scrap-", NOTICES["scrap"])


@bp.get("/<lot>/worksheet.pdf")
def worksheet(lot: str):
    return reprint_worksheet(store().get(lot))


@bp.get("/<lot>/record.pdf")
def executed(lot: str):
    return executed_record(store().get(lot))


# -- the dispensing label ------------------------------------------------------------------------

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


@bp.post("/<lot>/label.pdf")
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
        return _page(lot, 400, [ErrorDetail("CSRF_FAILED", "form", "This form has expired or "
                                            "did not come from this page; print the label "
                                            "again from the batch's page.")])
    copies, destination, errors = _label_options(form)
    if errors:
        return _page(lot, 422, errors, values, posted="label-")
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
        return _page(lot, exc.status, exc.errors, values, posted="label-")
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
