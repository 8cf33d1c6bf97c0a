"""The bench form of an oral liquid batch ↔ its bench entry
(:class:`compounding.bench.liquid_results.LiquidBenchEntry`).

What the form asks for is the dosage form's (:meth:`compounding.forms.DosageForm.bench_fields`:
the tablets used, the powder weighed, each stock stage made and its aliquot, every other
ingredient's amount, the final volume, the source's lot), with each other ingredient's lot and
expiry (USP <795> 2023 §8: the lots of every component used). Masses are in mg and volumes in
mL unless typed with a unit ("0.709 g"). The other ingredients are the plan's, one row each
(``ingredient_K_*``, K counted among the ingredients that are not the drug); a row the plan makes
to volume (the water) is sent only when its lot or expiry is typed, and an error of the entry's
``ingredients[n]`` is said beside row K (:func:`at_rows`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compounding import clock
from compounding.display import show
from compounding.errors import ErrorDetail
from compounding.forms import form_of
from compounding.orders.liquid import IngredientAmount, LiquidOrder, LiquidPlan

from .formdata import with_unit
from .pages import whole_number

MAX_ROWS = 12
"""The most other ingredients a bench entry carries."""


@dataclass(frozen=True, slots=True)
class Input:
    """One input of the bench form: its ``name`` (the id after ``bench-``), ``label``,
    ``unit`` (beside it), the ``value`` it shows and a ``hint``."""

    name: str
    label: str
    unit: str = ""
    value: str = ""
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Row:
    """One other ingredient at the bench: its row ``index``, the ``planned`` amount and the
    inputs of its amount (none when made to volume), lot and expiry."""

    index: int
    planned: IngredientAmount
    inputs: list[Input]


def ingredient_rows(plan: LiquidPlan) -> list[IngredientAmount]:
    """The plan's ingredients that are not the drug, in the record's order: the rows."""
    return [i for i in plan.ingredients if i.role != "active"][:MAX_ROWS]


def _number(value: Any) -> str:
    return "" if value is None else show(value, 6)


def _amount(planned: IngredientAmount) -> str:
    if planned.amount is None:
        return "to volume"
    return f"{show(planned.amount, 3)} {planned.unit}"


def bench_inputs(plan: LiquidPlan, order: LiquidOrder, bench: Any) -> dict[str, Any]:
    """The inputs of the bench form of ``plan`` (the drug's, from the dosage form's bench
    fields; one row per other ingredient; the final volume; the source's lot and expiry), with
    the values of ``bench`` (the current entry, for a correction) or of the order."""
    fields = {f.name: f for f in form_of("oral_liquid").bench_fields(plan)}
    drug: list[Input] = []
    if "tablets_used" in fields:
        drug.append(Input("tablets_used", fields["tablets_used"].label, "tablets",
                          str(bench.tablets_used if bench else plan.tablets),
                          f"{plan.tablets} planned"))
    if "powder_actual" in fields:
        weighed = (plan.stock_solution[0].powder if plan.stock_solution else plan.tablet_powder)
        drug.append(Input("powder_actual", fields["powder_actual"].label, "mg",
                          _number(bench.powder_actual if bench else None),
                          f"{show(weighed or 0, 3)} mg planned"))
    for index, stage in enumerate(plan.stock_solution or []):
        made = bench.stock[index] if bench and len(bench.stock) > index else None
        if index:
            drug.append(Input(f"stock_{index}_taken", f"Stock {stage.stage - 1} measured into "
                              f"stock {stage.stage}", "mL",
                              _number(made.taken if made else None),
                              f"{show(stage.aliquot_in or 0, 3)} mL planned"))
        drug.append(Input(f"stock_{index}_volume", fields[f"stock[{index}]"].label, "mL",
                          _number(made.volume if made else None),
                          f"{show(stage.volume, 3)} mL planned, in a volumetric flask"))
    if "aliquot_actual" in fields:
        last = (plan.stock_solution or [])[-1]
        drug.append(Input("aliquot_actual", fields["aliquot_actual"].label, "mL",
                          _number(bench.aliquot_actual if bench else None),
                          f"{show(last.aliquot, 3)} mL planned"))
    given = {i.name: i for i in order.ingredients}
    used = {i.name: i for i in (bench.ingredients if bench else [])}
    rows = []
    for index, planned in enumerate(ingredient_rows(plan)):
        entered, ordered = used.get(planned.name), given.get(planned.name)
        inputs = []
        if planned.amount is not None:
            inputs.append(Input(f"ingredient_{index}_amount", f"{planned.name}, actual",
                                planned.unit, _number(entered.amount.value if entered
                                                      and entered.amount else None),
                                f"{_amount(planned)} planned ({planned.quantity})"))
        lot = entered.lot if entered else (ordered.lot if ordered else None)
        expiry = entered.expiry if entered else (ordered.expiry if ordered else None)
        inputs += [Input(f"ingredient_{index}_lot", f"{planned.name} lot used", "", lot or ""),
                   Input(f"ingredient_{index}_expiry", f"{planned.name} expiry", "",
                         expiry.isoformat() if expiry else "", "YYYY-MM or YYYY-MM-DD")]
        rows.append(Row(index, planned, inputs))
    final = Input("final_volume", fields["final_volume"].label, "mL",
                  _number(bench.final_volume if bench else None),
                  f"{show(plan.batch_volume, 2)} mL planned; accepted "
                  f"{show(plan.final_volume_min, 2)} to {show(plan.final_volume_max, 2)} mL")
    labels = {i.name: i.label for i in [*drug, final, *(x for r in rows for x in r.inputs)]}
    labels.update(source_lot=fields["source_lot"].label,
                  source_expiry=fields["source_expiry"].label)
    return {"drug": drug, "rows": rows, "final": final, "labels": labels}


def rows_sent(form: Mapping[str, str]) -> list[int]:
    """The rows the entry's ``ingredients`` are, in order: each row weighed or measured (its
    amount input is on the form), and a row made to volume whose lot or expiry is typed."""
    sent = []
    for index in range(MAX_ROWS):
        if not form.get(f"ingredient_{index}_name"):
            continue
        typed = any((form.get(f"ingredient_{index}_{part}") or "").strip()
                    for part in ("lot", "expiry"))
        if f"ingredient_{index}_amount" in form or typed:
            sent.append(index)
    return sent


def liquid_entry(form: Mapping[str, str], stages: int) -> dict[str, Any]:
    """The bench form of a liquid batch as its bench entry (``stages``: the plan's stock
    stages): masses in mg and volumes in mL unless typed with a unit."""
    def text(name: str) -> str:
        return (form.get(name) or "").strip()

    entry: dict[str, Any] = {}
    if text("tablets_used"):
        count = whole_number(text("tablets_used"))
        entry["tablets_used"] = count if count is not None else text("tablets_used")
    if text("powder_actual"):
        entry["powder_actual"] = with_unit(text("powder_actual"), "mg")
    stock = []
    for index in range(stages):
        made = {"volume": with_unit(text(f"stock_{index}_volume"), "mL")} \
            if text(f"stock_{index}_volume") else {}
        if index and text(f"stock_{index}_taken"):
            made["taken"] = with_unit(text(f"stock_{index}_taken"), "mL")
        stock.append(made)
    if any(stock):
        entry["stock"] = stock
    if text("aliquot_actual"):
        entry["aliquot_actual"] = with_unit(text("aliquot_actual"), "mL")
    ingredients = []
    for index in rows_sent(form):
        used: dict[str, Any] = {"name": text(f"ingredient_{index}_name")}
        amount = text(f"ingredient_{index}_amount")
        if amount:
            unit = "mL" if text(f"ingredient_{index}_unit") == "mL" else "mg"
            used["amount"] = with_unit(amount, unit)
        used.update({part: text(f"ingredient_{index}_{part}") for part in ("lot", "expiry")
                     if text(f"ingredient_{index}_{part}")})
        ingredients.append(used)
    if ingredients:
        entry["ingredients"] = ingredients
    if text("final_volume"):
        entry["final_volume"] = with_unit(text("final_volume"), "mL")
    for name in ("source_lot", "source_expiry"):
        if text(name):
            entry[name] = text(name)
    entry["compounded_at"] = (text("compounded_at")
                              or clock.now().replace(microsecond=0).isoformat())
    return entry


_ENTRY_ROW = re.compile(r"((?:bench\.)?ingredients)\[(\d+)\](.*)")


def at_rows(error: ErrorDetail, form: Mapping[str, str]) -> ErrorDetail:
    """``error`` of the entry's ``ingredients[n]`` said of the form's row K it came from
    (``ingredients[K]``); ``ingredients`` alone (one missing) beside the first row."""
    found = _ENTRY_ROW.fullmatch(error.field)
    if found is None:
        return error
    sent = rows_sent(form)
    index = int(found[2])
    row = sent[index] if index < len(sent) else index
    return ErrorDetail(error.code, f"{found[1]}[{row}]{found[3]}", error.message)


_STOCK = re.compile(r"stock\[(\d)\](?:\.(volume|taken))?")
_ROW = re.compile(r"ingredients\[(\d+)\](?:\.(\w+))?")


def liquid_input(field: str) -> str | None:
    """The input of the liquid bench form an error's field belongs beside, or ``None`` for a
    field the capsules' form names alike (``final_volume``, ``source_lot``)."""
    stock = _STOCK.fullmatch(field)
    if stock:
        return f"stock_{stock[1]}_{stock[2] or 'volume'}"
    if field == "stock":
        return "stock_0_volume"
    row = _ROW.fullmatch(field)
    if row:
        part = row[2] if row[2] in ("amount", "lot", "expiry") else "amount"
        return f"ingredient_{row[1]}_{part}"
    if field == "ingredients":
        return "ingredient_0_amount"
    return None


def bench_results(plan: LiquidPlan, order: LiquidOrder, bench: Any) -> list[tuple[str, str, str]]:
    """What the bench entered beside what was planned, one row per item: the drug, each
    stock stage, every other ingredient with its lot, the final volume and the source's lot."""
    def ml(value: Any) -> str:
        return "—" if value is None else f"{show(value, 3)} mL"

    def mg(value: Any) -> str:
        return "—" if value is None else f"{show(value, 3)} mg"

    rows = []
    if plan.source_kind == "tablets":
        rows.append(("Tablets crushed", str(plan.tablets), str(bench.tablets_used)))
    if plan.method in ("exact_portion", "api_powder") or (
            plan.method == "stock_solution" and plan.source_kind == "api_powder"):
        weighed = plan.stock_solution[0].powder if plan.stock_solution else plan.tablet_powder
        what = ("Naltrexone HCl powder" if plan.source_kind == "api_powder"
                else "Tablet powder")
        rows.append((what, mg(weighed), mg(bench.powder_actual)))
    for index, stage in enumerate(plan.stock_solution or []):
        made = bench.stock[index] if len(bench.stock) > index else None
        if index:
            rows.append((f"Stock {stage.stage - 1} measured into stock {stage.stage}",
                         ml(stage.aliquot_in), ml(made.taken if made else None)))
        rows.append((f"Stock {stage.stage} made to", ml(stage.volume),
                     ml(made.volume if made else None)))
    if plan.stock_solution:
        rows.append(("Stock aliquot for the batch", ml(plan.stock_solution[-1].aliquot),
                     ml(bench.aliquot_actual)))
    used = {i.name: i for i in bench.ingredients}
    for planned in ingredient_rows(plan):
        entered = used.get(planned.name)
        amount = (f"{show(entered.amount.value, 3)} {entered.amount.unit}"
                  if entered and entered.amount else "to volume" if planned.amount is None
                  else "—")
        lot = (f"; lot {entered.lot}" if entered and entered.lot else "") + (
            f", expires {entered.expiry.isoformat()}" if entered and entered.expiry else "")
        rows.append((planned.name, _amount(planned), amount + lot))
    rows.append(("Final volume", f"{show(plan.batch_volume, 2)} mL (accept "
                                 f"{show(plan.final_volume_min, 2)} to "
                                 f"{show(plan.final_volume_max, 2)} mL)",
                 ml(bench.final_volume)))
    source = order.source
    rows.append(("Naltrexone HCl powder lot" if plan.source_kind == "api_powder"
                 else "Tablet lot",
                 (source.lot or "—") + (f", expires {source.expiry.isoformat()}"
                                        if source.expiry else ""),
                 (bench.source_lot or "—") + (f", expires {bench.source_expiry.isoformat()}"
                                              if bench.source_expiry else "")))
    return rows
