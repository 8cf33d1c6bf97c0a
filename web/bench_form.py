"""The bench form of a batch's page ↔ a bench entry (or a correction's), and the inventory's
refusal of the lots typed or picked in it.

Masses are in mg unless typed with a unit ("3.6 g" is 3600 mg), weights one per line or space;
an error's field path names the input it is shown beside (:func:`form_name`). A quarantined or
expired lot is refused with every other error of the entry at once, before anything is saved.

A batch from naltrexone HCl powder (API) asks for no tablets: its form has no tablet inputs, and
what it posts is the same entry with ``tablets_used`` 0, ``tablet_powder_actual`` the powder
weighed, and the powder's lot (an API lot of the inventory) as the source lot.

A batch planned in runs of a capsule machine is entered run by run, and, where the pharmacy lists
several balances, with the balance each weighing was made on (:mod:`.run_bench`).

An oral liquid's bench form and entry are :mod:`.liquid_bench`'s: the batch's plan says which
(:func:`bench_entry`)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask import current_app
from pydantic import ValidationError

from compounding import clock
from compounding.bench.reconciliation import made_from_powder
from compounding.errors import CompoundingError, ErrorDetail, OrderError
from compounding.forms import form_of
from compounding.orders.reading import validation_errors
from compounding.records.models import bench_model, correction_model

from .formdata import with_unit
from .inventory_pages import inventory
from .kept_records import store
from .liquid_bench import at_rows, liquid_entry, liquid_input
from .pages import whole_number
from .run_bench import equipment_entry, is_weights, run_input

BENCH_FIELDS = ("tablets_used", "tablet_weights", "average_tablet_weight",
                "tablet_powder_actual", "filler_actual", "capsules_made", "capsule_weights",
                "source_lot", "source_expiry", "filler_lot", "filler_expiry", "capsule_lot",
                "capsule_expiry", "compounded_at")
MASS_FIELDS = ("average_tablet_weight", "tablet_powder_actual", "filler_actual",
               "aliquot_actual")
"""Bench inputs of one mass each, in mg unless a unit is typed ("3.6 g" is 3600 mg)."""
BENCH_LOTS = {"source_lot": "tablet", "filler_lot": "filler", "capsule_lot": "shell"}
"""The bench form's lot inputs, and the kind of inventory lot each offers and checks."""


def bench_lots(powder: bool) -> dict[str, str]:
    """:data:`BENCH_LOTS` for a batch from tablets, or from naltrexone HCl powder (``api``)."""
    return {**BENCH_LOTS, "source_lot": "api"} if powder else BENCH_LOTS


def _number(text: str) -> Any:
    """A typed count as JSON would carry it; anything else stays text for the core to refuse."""
    number = whole_number(text)
    return number if number is not None else text


_STAGE_FIELD = re.compile(r"trituration\[(\d)\]\.(taken|filler)")


def form_name(field: str) -> str:
    """The form input an error's field path belongs to: ``trituration[1].taken`` is
    ``trituration_1_taken``; ``capsule_weights[3]`` is ``capsule_weights``; a correction's
    ``bench.filler_lot`` is ``filler_lot``; an oral liquid's ``stock[1].taken`` is
    ``stock_1_taken`` and ``ingredients[2].lot`` is ``ingredient_2_lot``."""
    field = field.removeprefix("bench.")
    liquid = liquid_input(field)
    if liquid is not None:
        return liquid
    equipment = run_input(field)
    if equipment is not None:
        return equipment
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


def bench_entry(form: Any, plan: Any = None) -> dict[str, Any]:
    """The bench form as a bench entry: masses in mg unless typed with a unit; weights one per
    line or space. A batch whose ``plan`` is an oral liquid's has its own form and entry."""
    if plan is not None and plan.form == "oral_liquid":
        return liquid_entry(form, len(plan.stock_solution or []))
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
    if plan is not None and plan.runs:  # the batch's capsules and weights are the runs'
        del entry["capsule_weights"]
        entry.pop("capsules_made", None)
    return {**entry, **(equipment_entry(form, plan, _weights) if plan is not None else {})}


_QUANTITY_CODES = frozenset({"INVALID_QUANTITY", "INVALID_VALUE", "WRONG_DIMENSION"})


def said(errors: list[ErrorDetail], form: Any) -> list[ErrorDetail]:
    """The errors of a bench form as it says them (:func:`plain`), an oral liquid's other
    ingredients by the form's row (:func:`.liquid_bench.at_rows`)."""
    if "final_volume" in form:  # an oral liquid's form
        return [_unread(at_rows(e, form)) for e in errors]
    if "run_0_capsules_made" in form:  # the batch's capsules and weights are its runs'
        errors = [e for e in errors if not _of_runs(e)]
    return [plain(e) for e in errors]


def _of_runs(error: ErrorDetail) -> bool:
    """An error of the batch's capsules made or of one of its weights that only repeats a
    run's (a run's count not read, so no sum; a run's weight not read): said at the run."""
    field = error.field.removeprefix("bench.")
    return ((field == "capsules_made" and error.code == "FIELD_REQUIRED")
            or field.startswith("capsule_weights["))


_LIQUID_UNITS = {"powder_actual": "mg", "aliquot_actual": "mL", "final_volume": "mL"}
_LIKE = {"mg": "708.75, or a number with its unit, like 0.709 g",
         "mL": "141.5, or a number with its unit, like 0.1415 L"}


def _unread(error: ErrorDetail) -> ErrorDetail:
    """An amount of an oral liquid's bench form that could not be read as one, asked for in
    the unit beside its input (an ingredient's own unit is in its message)."""
    name = form_name(error.field)
    unit = _LIQUID_UNITS.get(name, "mL" if name.startswith("stock_") else None)
    if error.code not in ("INVALID_QUANTITY", "WRONG_DIMENSION") or unit is None:
        return error
    return ErrorDetail(error.code, error.field,
                       f"{error.message}: enter a number in {unit}, like {_LIKE[unit]}")


def plain(error: ErrorDetail) -> ErrorDetail:
    """A mass the bench form could not read, asked for as the field shows it."""
    name = form_name(error.field)
    if error.code in _QUANTITY_CODES and (name in MASS_FIELDS or name.startswith("trituration_")
                                          or name in ("capsule_weights", "tablet_weights")
                                          or is_weights(name)):
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


def _refused_lots(entry: dict[str, Any], path: str, powder: bool) -> list[ErrorDetail]:
    """An error for each lot typed or picked at the bench that the inventory received and that
    is quarantined, or expired on the day of the bench work; a lot never received is left to
    the core's own rules."""
    stock, day = inventory(), _bench_day(entry)
    found = []
    for name, kind in bench_lots(powder).items():
        typed = entry.get(name)
        if isinstance(typed, str) and (problem := stock.refusal(kind, typed, path + name,
                                                                 on=day)):
            found.append(problem)
    return found


def _whole_check(record: Any, entry: dict[str, Any], reason: str | None) -> None:
    """Refuse a quarantined or expired lot before anything is saved, with every other error
    the entry has (``OrderError``), so that the form shows them all at once, each beside its
    field."""
    path = "" if reason is None else "bench."
    refused = _refused_lots(entry, path, made_from_powder(record.plan))
    if not refused:
        return
    others: list[ErrorDetail] = []
    try:
        if reason is None:
            parsed = bench_model(record.plan).model_validate(entry)
        else:
            parsed = correction_model(record.plan).model_validate(
                {"reason": reason, "bench": entry}).bench
        form_of(record.plan.form).reconcile(parsed, record.plan, record.order,
                                            record.profile.settings)
    except ValidationError as exc:
        others = validation_errors(exc)
    except CompoundingError as exc:
        others = [ErrorDetail(e.code, path + e.field, e.message) for e in exc.errors]
    taken = {(e.code, e.field) for e in refused}
    raise OrderError(refused + [e for e in others if (e.code, e.field) not in taken])


def checked(lot: str, form: Any, reason: str | None) -> dict[str, Any]:
    """The bench entry ``form`` gives for batch ``lot`` (with no tablets used, for a capsule
    batch from naltrexone HCl powder, whose form asks for none), once :func:`_whole_check`
    finds no lot to refuse."""
    record = store().get(lot)
    entry = bench_entry(form, record.plan)
    if made_from_powder(record.plan) and record.plan.form != "oral_liquid":
        entry.setdefault("tablets_used", 0)
    _whole_check(record, entry, reason)
    return entry
