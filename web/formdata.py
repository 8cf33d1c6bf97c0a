"""The form's fields ↔ an API v1 order.

Inputs are named by the order's own dotted paths (``source.average_tablet_weight``), so an error
for a field is shown beside the input of that name. Numbers typed in the form get their unit
here; lists are one entry per line. Nothing is computed: the core checks every value.

The source is chosen (``source.kind``): 50 mg tablets, crushed (the ``source.*`` inputs), or
naltrexone HCl powder (API), whose inputs are ``powder.*`` (its lot, expiry, manufacturer and
product would otherwise share the tablets' names) and become the order's ``source.*``. The
fieldset of the kind not chosen is ignored, but for a tablet weight typed with powder chosen:
it is sent, and refused beside its input (the order says two sources).

The dosage form is chosen too (``dosage_form``): capsules, or an oral liquid, whose own inputs
and order are :mod:`.liquid_order`'s; the capsules' own inputs are then ignored. So is the
dosing (``dosing``): one dose, or a titration schedule, whose step rows and order are
:mod:`.kit_order`'s (for capsules a titration kit, one batch per strength).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from compounding.formulation.capsules import SHELLS, SIZE_NAMES
from compounding.formulation.fillers import FILLERS
from compounding.screening.wording import LABELS as ORDER_LABELS

from .kit_order import (
    KIT_CHOICES,
    KIT_CONTROLS,
    KIT_DEFAULTS,
    compacted,
    schedule_field,
    schedule_order,
    scheduled,
)
from .liquid_order import (
    LIQUID_CHOICES,
    LIQUID_CONTROLS,
    LIQUID_DEFAULTS,
    liquid,
    liquid_field,
    liquid_order,
)

# name in the form -> unit appended to what is typed
UNITS = {
    "source.strength": "mg", "source.average_tablet_weight": "mg", "filler.pack_stat": "mg",
    "filler.density": "g/mL", "patient.weight": "kg",
}
TEXT = [
    "strength_basis", "method", "capsule.size", "capsule.shell", "capsule.lot",
    "capsule.expiry", "source.product", "source.manufacturer", "source.ndc", "source.lot",
    "source.expiry", "filler.name", "filler.grade", "filler.lot", "filler.expiry",
    "compounded_on", "rx_number", "lot_number", "patient.name", "patient.date_of_birth",
    "prescriber.name", "prescriber.npi", "directions",
]
COUNTS = ["quantity", "doses_per_day", "refills"]
LINES = ["source.excipients", "patient.conditions", "patient.allergies",
         "concurrent_medications"]
NUMBERS = ["density_factor"]
POWDER_TEXT = ["powder.lot", "powder.expiry", "powder.manufacturer", "powder.product",
               "powder.assay_basis"]
PERCENTS = ["powder.assay", "powder.water"]
"""The powder's inputs, each the order's ``source.<name>`` when the powder is the source."""

CHOICES: dict[str, list[tuple[str, str]]] = {
    "strength_unit": [("mg", "mg"), ("mcg", "mcg")],
    "strength_basis": [("hydrochloride", "as naltrexone HCl"), ("base", "as naltrexone base")],
    "method": [("auto", "Automatic: the first method whose weighings the balance can make"),
               ("whole_tablets", "Whole tablets: use all the powder"),
               ("exact_portion", "Exact portion: weigh out what N capsules need"),
               ("trituration", "Trituration: dilute the powder first, then weigh an aliquot")],
    "capsule.size": [(s, s) for s in reversed(SIZE_NAMES)],
    "capsule.shell": [(s.name, s.name.upper() if s.name == "hpmc" else s.name.capitalize())
                      for s in SHELLS if not s.delayed_release],
    "filler.name": [(f.name, f.name.capitalize()) for f in FILLERS if f.release_effect == "none"],
    "filler.grade": [("", "(not recorded)")] + [(g, g) for f in FILLERS
                                                 if f.release_effect == "none" for g in f.grades],
    "overage_kind": [("percent", "% of the quantity"), ("capsules", "capsules")],
    "source.kind": [("tablets", "50 mg tablets, crushed"),
                    ("api_powder", "Naltrexone HCl powder (API)")],
    "powder.assay_basis": [("as_is", "as is"), ("dried", "on the dried basis")],
    **LIQUID_CHOICES,
    **KIT_CHOICES,
}
LABELS = ORDER_LABELS
"""Each control's label, as the form shows it and as an error names its field (the core's
words, :data:`compounding.screening.wording.LABELS`, which the printed records use too)."""
DEFAULTS = {
    "strength_unit": "mg", "strength_basis": "hydrochloride", "quantity": "30",
    "doses_per_day": "1", "overage_kind": "percent", "overage_value": "5",
    "method": "auto", "capsule.size": "3", "capsule.shell": "gelatin",
    "source.product": "Naltrexone HCl 50 mg tablet", "source.strength": "50",
    "filler.name": "microcrystalline cellulose", "density_factor": "1", "refills": "0",
    "directions": "Take 1 capsule by mouth at bedtime", "source.kind": "tablets",
    "powder.assay_basis": "as_is", "powder.product": "Naltrexone HCl USP powder",
    **LIQUID_DEFAULTS,
    **KIT_DEFAULTS,
}


# every input of the form, by its id (= its name)
CONTROLS = frozenset({*UNITS, *TEXT, *COUNTS, *LINES, *NUMBERS, *CHOICES, *POWDER_TEXT,
                      *PERCENTS, "strength", "overage_value", "overage_kind",
                      *LIQUID_CONTROLS, *KIT_CONTROLS})


def _put(order: dict[str, Any], path: str, value: Any) -> None:
    *parents, leaf = path.split(".")
    node = order
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


_HAS_UNIT = re.compile(r"[0-9.]\s*[^\W\d_]", re.UNICODE)


def with_unit(typed: str, unit: str) -> str:
    """What was typed in a field with a unit beside it, as a quantity: the unit added to a bare
    number, kept when one was typed ("0.25 g" in a field in mg is 250 mg, not "0.25 g mg").

    >>> with_unit("250", "mg"), with_unit("250 mg", "mg"), with_unit("0.25g", "mg")
    ('250 mg', '250 mg', '0.25g')
    """
    return typed if _HAS_UNIT.search(typed) else f"{typed} {unit}"


def _number(text: str) -> int | float | str:
    """A typed number as JSON would carry it; anything else stays text for the core to refuse."""
    if re.fullmatch(r"[+-]?[0-9]{1,19}", text):
        return int(text)
    if re.fullmatch(r"[+-]?([0-9]{1,19}\.?[0-9]{0,19}|\.[0-9]{1,19})([eE][+-]?[0-9]{1,3})?",
                    text):
        return float(text)
    return text


_PERCENT = re.compile(r"([0-9]*\.?[0-9]+)\s*%?")


def percent(typed: str) -> str:
    """A percentage typed beside its "%" as the certificate prints it; anything else as typed,
    for the core to refuse.

    >>> percent("99.2"), percent("99.2%"), percent("ninety")
    ('99.2 %', '99.2 %', 'ninety')
    """
    found = _PERCENT.fullmatch(typed)
    return f"{found[1]} %" if found else typed


def powder(value: Mapping[str, str]) -> bool:
    """Whether the form's source is naltrexone HCl powder (API)."""
    return value.get("source.kind") == "api_powder"


def _powder_source(value: Mapping[str, str], tablets: dict[str, Any]) -> dict[str, Any]:
    source: dict[str, Any] = {"kind": "api_powder"}
    for name in POWDER_TEXT:
        if value.get(name):
            source[name.removeprefix("powder.")] = value[name]
    for name in PERCENTS:
        if value.get(name):
            source[name.removeprefix("powder.")] = percent(value[name])
    if "average_tablet_weight" in tablets:  # two sources: refused beside the tablet weight
        source["average_tablet_weight"] = tablets["average_tablet_weight"]
    return source


def to_order(form: Mapping[str, str]) -> dict[str, Any]:
    """The order the form describes (unvalidated: the core does that)."""
    value = {k: (form.get(k) or "").strip() for k in form}
    order: dict[str, Any] = {}
    if value.get("strength"):
        order["strength"] = f"{value['strength']} {value.get('strength_unit') or 'mg'}"
    for name, unit in UNITS.items():
        if value.get(name):
            _put(order, name, with_unit(value[name], unit))
    for name in TEXT:
        if value.get(name):
            _put(order, name, value[name])
    for name in COUNTS + NUMBERS:
        if value.get(name):
            _put(order, name, _number(value[name]))
    for name in LINES:
        entries = [line.strip() for line in value.get(name, "").splitlines() if line.strip()]
        if entries:
            _put(order, name, entries)
    if value.get("overage_value"):
        kind = "capsules" if value.get("overage_kind") == "capsules" else "percent"
        order["overage"] = {kind: _number(value["overage_value"])}
    if powder(value):
        order["source"] = _powder_source(value, order.get("source", {}))
    elif value.get("source.kind") not in (None, "", "tablets"):  # for the core to refuse
        _put(order, "source.kind", value["source.kind"])
    made = liquid_order(value, order) if liquid(value) else order
    return schedule_order(compacted(value), made) if scheduled(value) else made


def form_field(path: str, order: dict[str, Any],
               values: Mapping[str, str] | None = None, code: str = "") -> str:
    """The input an order field's error (of ``code``) belongs beside: a powder source's fields
    are the ``powder.*`` inputs; an oral liquid's own fields its ``liquid.*`` and
    ``ingredients.N.*`` inputs; a schedule's steps their rows (``values``: the form as sent,
    whose rows the order's ingredients and steps are)."""
    own = schedule_field(path, code, values or {})
    if own is not None:
        return own
    base = re.sub(r"\[\d+\]", "", path)
    if order.get("form") == "oral_liquid":
        own = liquid_field(path, base, values or {})
        if own is not None:
            return own
    source = order.get("source")
    if isinstance(source, dict) and source.get("kind") == "api_powder":
        if base == "source":
            return "source.kind"
        if base.startswith("source.") and f"powder.{base[7:]}" in CONTROLS:
            return f"powder.{base[7:]}"
    if base.startswith("overage"):
        return "overage_value"
    if base == "capsule":
        return "capsule.size"
    if base == "source":
        return "source.average_tablet_weight"
    return base
