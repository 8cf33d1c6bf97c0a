"""The order form's titration schedule: its step editor's rows ↔ an API v1.2 order's
``schedule``, for capsules (a titration kit, one batch per strength:
:class:`compounding.orders.kit.KitOrder`) or an oral liquid (one bottle:
:class:`compounding.orders.liquid.LiquidOrder`).

The dosing is chosen (``dosing``): one dose, or a titration schedule, whose steps are rows of
inputs ``schedule.N.dose`` [mg], ``schedule.N.doses_per_day`` and ``schedule.N.days`` [days].
Without a script the form has :data:`ROWS` rows; a script (``static/kit.js``) adds and removes
rows, up to :data:`MAX_STEPS`. A row left empty is ignored; the rows sent are renumbered from 0
before the order is made (:func:`compacted`), so that the order's ``schedule[n]`` is row ``n``
and an error for it is shown beside that row ("Step 2 dose"). With a schedule, the one dose's
inputs (strength, quantity, doses a day, directions) are ignored; for capsules so is the batch
lot number (each strength's batch is given its own).

LDN is started low and raised in steps held for weeks (1.5 mg nightly for 14 days, 3 mg for
14 days, 4.5 mg for 30 days: Younger, Parkitny & McLain, Clin Rheumatol 2014;33:451-9).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from compounding.display import show
from compounding.errors import ErrorDetail

ROWS = 6
"""The step rows the form has without a script (empty rows are ignored)."""
MAX_STEPS = 12
"""The most steps a schedule has (:class:`compounding.orders.kit.KitOrder`)."""
LEAVES = ("dose", "doses_per_day", "days")
MAX_CAPSULES_PER_DOSE = 10
"""With ``combine``, a dose is at most this many capsules of a lower strength
(:mod:`compounding.forms.kit`)."""

KIT_CHOICES: dict[str, list[tuple[str, str]]] = {
    "dosing": [("one", "One dose"), ("schedule", "Titration schedule (steps)")]}
KIT_DEFAULTS = {"dosing": "one", "timing": "at bedtime"}
STEP_LABELS = {f"schedule.{i}.{leaf}": f"Step {i + 1} {words}" for i in range(MAX_STEPS + 1)
               for leaf, words in (("dose", "dose"), ("doses_per_day", "doses a day"),
                                   ("days", "days"))}
"""Each step input's label (the rows' inputs are labelled by it: the table's headers say it
too), to one row more than a schedule takes (a 13th step sent is shown again, refused)."""
KIT_CONTROLS = frozenset({*STEP_LABELS, "dosing", "combine", "start_on", "timing", "schedule"})

ASKS = {"dose": "Enter a number, like 1.5 (in mg, as the column says), or a number with its "
                "unit, like 1500 mcg.",
        "doses_per_day": "Enter a whole number, like 1.",
        "days": "Enter a whole number of days, from 1 to 366, like 14."}
"""What a step input whose value is not one asks for."""

CAPSULE_ONE_DOSE = ("strength", "quantity", "doses_per_day", "directions", "lot_number", "sig")
LIQUID_ONE_DOSE = ("strength", "days_supply", "directions")
TO_SCHEDULE = ("strength", "quantity", "doses_per_day", "directions", "sig", "strengths",
               "days_supply")
"""A kit order's fields (or a batch's) the form has no input for once a schedule is chosen:
their errors are shown beside the step editor."""


def scheduled(values: Mapping[str, str]) -> bool:
    """Whether the form's dosing is a titration schedule."""
    return values.get("dosing") == "schedule"


def filled_rows(values: Mapping[str, str]) -> list[int]:
    """The step rows with anything typed, by their index on the form."""
    found = set()
    for key, value in values.items():
        parts = key.split(".")
        if (len(parts) == 3 and parts[0] == "schedule" and parts[2] in LEAVES
                and re.fullmatch(r"[0-9]{1,2}", parts[1]) and str(value).strip()):
            found.add(int(parts[1]))
    return sorted(found)


def compacted(values: Mapping[str, str]) -> dict[str, str]:
    """The form's values with its filled step rows renumbered from 0 (empty rows dropped, at
    most :data:`MAX_STEPS`; a 13th is kept as the 13th, for the core to refuse)."""
    out = {k: v for k, v in values.items() if not k.startswith("schedule.")}
    for new, old in enumerate(filled_rows(values)[:MAX_STEPS + 1]):
        for leaf in LEAVES:
            out[f"schedule.{new}.{leaf}"] = values.get(f"schedule.{old}.{leaf}", "")
    return out


def rows_shown(values: Mapping[str, str]) -> int:
    """How many rows the form draws: :data:`ROWS`, or one more than those filled."""
    return min(MAX_STEPS + 1, max(ROWS, len(filled_rows(values)) + 1))


def _unit(typed: str) -> str:
    return typed if re.search(r"[0-9.]\s*[^\W\d_]", typed) else f"{typed} mg"


def _whole(text: str) -> int | str:
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else text


def steps(values: Mapping[str, str]) -> list[dict[str, Any]]:
    """The schedule the (compacted) rows describe (unvalidated: the core checks each value)."""
    out = []
    for i in filled_rows(values):
        typed = {leaf: (values.get(f"schedule.{i}.{leaf}") or "").strip() for leaf in LEAVES}
        step: dict[str, Any] = {}
        if typed["dose"]:
            step["dose"] = _unit(typed["dose"])
        for leaf in ("doses_per_day", "days"):
            if typed[leaf]:
                step[leaf] = _whole(typed[leaf])
        out.append(step)
    return out


def schedule_order(values: Mapping[str, str], order: dict[str, Any]) -> dict[str, Any]:
    """``order`` (what the form's other inputs gave) with the schedule instead of one dose:
    for capsules a titration kit (with ``combine``, ``start_on`` and ``timing``), for an oral
    liquid one bottle (the timing its sig's)."""
    liquid = order.get("form") == "oral_liquid"
    drop = LIQUID_ONE_DOSE if liquid else CAPSULE_ONE_DOSE
    out = {k: v for k, v in order.items() if k not in drop}
    out["schedule"] = steps(values)
    timing = (values.get("timing") or "").strip()
    if liquid:
        out["sig"] = {"timing": timing} if timing else {"timing": None}
        return out
    if values.get("combine"):
        out["combine"] = True
    if (values.get("start_on") or "").strip():
        out["start_on"] = values["start_on"].strip()
    out["timing"] = timing or None
    return out


def form_problems(values: Mapping[str, str]) -> list[ErrorDetail]:
    """What the form refuses of a capsule schedule before the core sees it: a batch lot
    number typed (each strength's batch is given its own)."""
    if scheduled(values) and values.get("dosage_form") != "oral_liquid" and (
            values.get("lot_number") or "").strip():
        return [ErrorDetail("INVALID_VALUE", "lot_number",
                            "a titration kit is one batch per strength, each given its own lot "
                            "number when the kit is kept: leave this empty")]
    return []


_STEP = re.compile(r"schedule\[(\d+)\]\.?(\w*)")


def schedule_field(path: str, code: str, values: Mapping[str, str]) -> str | None:
    """The input a scheduled order's error belongs beside (``schedule[1].dose`` is
    ``schedule.1.dose``; a kit's colours and the fields the form has no input for with a
    schedule are the step editor's, ``schedule``), or ``None`` when the form's other inputs
    hold it."""
    if not scheduled(values):
        return None
    if code == "KIT_COLOURS_CLASH":
        return "schedule"
    step = _STEP.fullmatch(path)
    if step:
        leaf = step[2] if step[2] in LEAVES else "dose"
        return f"schedule.{step[1]}.{leaf}"
    if path == "sig.timing":
        return "timing"
    base = re.sub(r"\[\d+\]", "", path).split(".")[0]
    if base in ("schedule", "combine", "start_on", "timing") or base in TO_SCHEDULE:
        return base if base in KIT_CONTROLS else "schedule"
    return None


def said(error: ErrorDetail, control: str) -> ErrorDetail:
    """A step input's error as the form asks for the value."""
    leaf = control.rsplit(".", 1)[-1]
    if control.startswith("schedule.") and error.code in (
            "INVALID_QUANTITY", "INVALID_VALUE", "WRONG_DIMENSION") and leaf in ASKS and (
            error.message.startswith("must be")):
        return ErrorDetail(error.code, control, ASKS[leaf])
    return ErrorDetail(error.code, control, error.message)


# -- the live total, as the server draws it (the script keeps it up to date) -------------------

def _mg(text: str) -> Fraction | None:
    """A dose typed [mg] (``1.5``, ``1.5 mg``, ``1500 mcg``), or ``None``."""
    found = re.fullmatch(r"\s*([0-9]{1,5}(?:\.[0-9]{1,4})?)\s*(mg|mcg)?\s*", text or "")
    if not found or not Fraction(found[1]):
        return None
    return Fraction(found[1]) / (1000 if found[2] == "mcg" else 1)


def _count(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\s*[0-9]{1,3}\s*", text or "") and int(text) > 0 else None


def total(values: Mapping[str, str]) -> str:
    """The schedule's length and, for capsules, the capsules of each strength before overage,
    in words: ``58 days: 14 × 1.5 mg, 14 × 3 mg, 30 × 4.5 mg capsules`` (the same sums as
    ``static/kit.js``; rows not yet complete are left out). With ``combine``, a dose that is a
    whole multiple (at most 10) of a lower dose is made of it (:mod:`compounding.forms.kit`)."""
    rows = []
    for i in filled_rows(values):
        dose = _mg(values.get(f"schedule.{i}.dose", ""))
        days = _count(values.get(f"schedule.{i}.days", ""))
        per_day = _count(values.get(f"schedule.{i}.doses_per_day") or "1")
        if dose is not None and days is not None and per_day is not None:
            rows.append((dose, per_day, days))
    if not rows:
        return "No step yet."
    length = sum(days for _, _, days in rows)
    said_days = f"{length} day{'s' if length != 1 else ''}"
    if values.get("dosage_form") == "oral_liquid":
        drug = sum(dose * per_day * days for dose, per_day, days in rows)
        return f"{said_days}: {show(drug)} mg of naltrexone HCl in all"
    made: list[Fraction] = []
    for dose in sorted({d for d, _, _ in rows}):
        if values.get("combine") and any((dose / s).denominator == 1
                                         and dose / s <= MAX_CAPSULES_PER_DOSE for s in made):
            continue
        made.append(dose)
    capsules = dict.fromkeys(made, 0)
    for dose, per_day, days in rows:
        strength = dose if dose in capsules else max(
            s for s in made if (dose / s).denominator == 1 and dose / s <= MAX_CAPSULES_PER_DOSE)
        capsules[strength] += int(dose / strength) * per_day * days
    each = ", ".join(f"{n} × {show(s)} mg" for s, n in capsules.items())
    return f"{said_days}: {each} capsules, before overage"
