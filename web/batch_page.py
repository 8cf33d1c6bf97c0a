"""One batch's page: its record with its history and signatures, the step header (Printed →
Bench → Verified → Labelled) that says where the batch stands, and its forms (bench entry,
corrections, the pharmacist's signed steps, the dispensing label), drawn again with the errors
of a form that failed (:mod:`.batch_steps`, :mod:`.label_printing`). Each showing is a
``read_record`` event in the audit trail.

An oral liquid's batch has its own summary, bench form and bench results
(:mod:`.liquid_bench`, :mod:`.liquid_preview`); its steps, verification and label are a
capsule batch's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template

from compounding.bench.reconciliation import made_from_powder
from compounding.errors import CompoundingError, ErrorDetail
from compounding.forms import form_of
from compounding.orders.liquid import LiquidOrder, LiquidPlan
from compounding.records import Record

from .auth import audit, audit_log, principal
from .bench_form import bench_lots, form_name
from .inventory_pages import usable_lots
from .kept_records import LOT_NAMES, labels_printed, quarantine_flags, store
from .liquid_bench import bench_inputs, bench_results
from .liquid_preview import liquid_preview, ml, per_ml
from .wording import field_name

MAX_COPIES = 20
"""The most dispensing labels one print makes (:mod:`.label_printing`)."""


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


def _worked(record: Record) -> Any:
    """The kept order worked out again, as when it was kept; ``None`` when it can no longer be
    (its master formulation record gone from the profile kept, say)."""
    from compounding.plan import work_out

    try:
        return work_out(record.order, record.profile.settings, kept=True)
    except CompoundingError:
        return None


def _derivation(worked: Any) -> list[Any]:
    """How each number of a capsule plan was derived, as the order form's preview shows it."""
    from compounding.formulation.derivation import explain

    return [] if worked is None else explain(worked)


def _liquid(record: Record, worked: Any, bench_form: bool) -> dict[str, Any]:
    """An oral liquid batch's page: its product line, its plan in words with its working (as
    the order form's preview said it), and its bench form's inputs."""
    plan, order, bench = record.plan, record.order, record.bench
    assert isinstance(plan, LiquidPlan) and isinstance(order, LiquidOrder)
    return {"product": form_of("oral_liquid").product_line(plan), "ml": ml, "per_ml": per_ml,
            "view": liquid_preview(worked, plan) if worked is not None else None,
            "bench": bench_inputs(plan, order, bench) if bench_form else None,
            "results": bench_results(plan, order, bench) if bench else []}


def record_page(lot: str, status: int = 200, errors: list[ErrorDetail] | None = None,
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
    liquid = record.plan.form == "oral_liquid"
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
    worked = _worked(record)
    page = _liquid(record, worked, bench_form) if liquid else None
    names = (page["bench"] or {}).get("labels", {}) if page else {}
    derivation = (page["view"] or {}).get("working", []) if page else _derivation(worked)
    lots = bench_lots(made_from_powder(record.plan))
    if liquid:  # no filler, no capsule shell
        lots = {"source_lot": lots["source_lot"]}
    return render_template(
        "record.html", record=record, errors=errors or [], field_errors=by_field,
        # each error named as the form labels its input
        named_errors=[(e, names.get(form_name(e.field)) or field_name(e.field))
                      for e in errors or []],
        liquid=page,
        values=values or {}, posted=posted,
        # a signature refused at the confirmation shows it again
        confirm_scrap=confirm_scrap or (values or {}).get("confirm") == "yes",
        acknowledged={a.finding: a for a in record.acknowledgements},
        steps=steps(record, labels, worksheets),
        shown_status="new" if record.status == "printed" and not worksheets else record.status,
        labels_printed=labels, own_bench=own_bench,
        quarantine=quarantine_flags(record), printer=profile.label.printer,
        max_copies=MAX_COPIES, derivation=derivation, lot_names=LOT_NAMES,
        powder=made_from_powder(record.plan),
        kit_number=store().kits_of([record.lot_number]).get(record.lot_number),
        lot_choices={name: usable_lots(kind) for name, kind in lots.items()}
        if bench_form else {}), status
