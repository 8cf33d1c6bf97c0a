"""The order form's oral liquid: its inputs ↔ an API v1.2 liquid order (``form:
"oral_liquid"``), and the concentrations and other ingredients the pharmacy's formulary offers.

The dosage form is chosen (``dosage_form``): capsules, or an oral liquid, whose inputs are
``liquid.*`` (its dose, concentration, volume or days' supply, doses a day and directions would
otherwise share the capsules' names) and ``ingredients.N.*`` (the lot and expiry of each other
ingredient of the master formulation record, for the beyond-use date). The capsules' own
inputs (strength, quantity, overage, method, capsule, filler) are ignored for a liquid; the
source (tablets or naltrexone HCl powder), the patient, prescriber and prescription are
shared. Sources: Fawcett, Morgan & Woods, Ann Pharmacother 1997;31:1291-5 (the vehicle);
USP <795> (2023) §8 (the record's ingredients and the lots used).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from compounding.display import show
from compounding.formulary import Formulary, FormularyEntry
from compounding.screening.wording import LABELS as ORDER_LABELS

LIQUID = "oral_liquid"
MAX_INGREDIENTS = 12
"""The most other ingredients an order carries (:class:`compounding.orders.liquid.
LiquidOrder`)."""

LIQUID_LABELS = {name: label for name, label in ORDER_LABELS.items()
                 if name.startswith("liquid.") or name == "dosage_form"}
"""Each liquid input's label, as the form shows it and as an error names its field (the
core's words, :data:`compounding.screening.wording.LABELS`)."""
LIQUID_CHOICES: dict[str, list[tuple[str, str]]] = {
    "dosage_form": [("capsules", "Capsules"), (LIQUID, "Oral liquid")],
    "liquid.strength_unit": [("mg", "mg"), ("mcg", "mcg")],
}
LIQUID_DEFAULTS = {"dosage_form": "capsules", "liquid.strength_unit": "mg",
                   "liquid.doses_per_day": "1", "liquid.concentration": ""}
INGREDIENT_CONTROLS = frozenset(f"ingredients.{i}.{leaf}" for i in range(MAX_INGREDIENTS)
                                for leaf in ("lot", "expiry"))
LIQUID_CONTROLS = frozenset(LIQUID_LABELS) | INGREDIENT_CONTROLS

ASKS = {
    "liquid.strength": "Enter a number, like 4.5, and choose its unit (mg or mcg) beside it.",
    "liquid.volume": "Enter a number, like 135 (in mL, as beside the field), or a number with "
                     "its unit, like 0.135 L.",
}
"""What a liquid input whose value is not a quantity asks for, as the form says it."""

CAPSULE_ONLY = ("strength", "strength_basis", "quantity", "doses_per_day", "directions",
                "overage", "method", "capsule", "filler", "density_factor")
"""The order's fields that only capsules have: a liquid order leaves them out, whatever the
capsules' inputs hold."""
FIELDS = {"strength": "liquid.strength", "schedule": "liquid.strength",
          "concentration": "liquid.concentration", "mfr": "liquid.concentration",
          "vehicle": "liquid.concentration", "volume": "liquid.volume",
          "days_supply": "liquid.days_supply", "sig": "liquid.doses_per_day",
          "sig.doses_per_day": "liquid.doses_per_day", "sig.timing": "liquid.directions",
          "directions": "liquid.directions", "form": "dosage_form",
          "ingredients": "ingredients.0.lot"}
"""A liquid order's field → the input its error is shown beside."""


def liquid(values: Mapping[str, str]) -> bool:
    """Whether the form's dosage form is an oral liquid."""
    return values.get("dosage_form") == LIQUID


def _number(text: str) -> int | str:
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else text


def _unit(typed: str, unit: str) -> str:
    """A number typed beside its unit, with the unit; a unit typed is kept."""
    return typed if re.search(r"[0-9.]\s*[^\W\d_]", typed) else f"{typed} {unit}"


def sent_ingredients(values: Mapping[str, str]) -> list[int]:
    """The rows of the other ingredients the order carries (a lot or an expiry typed), by
    their index on the form: the order's ``ingredients[n]`` is row ``sent[n]``."""
    rows = []
    for i in range(MAX_INGREDIENTS):
        if values.get(f"ingredients.{i}.name") and (values.get(f"ingredients.{i}.lot")
                                                    or values.get(f"ingredients.{i}.expiry")):
            rows.append(i)
    return rows


def liquid_order(values: Mapping[str, str], shared: dict[str, Any]) -> dict[str, Any]:
    """The liquid order the form describes: ``shared`` (what the form's common inputs gave:
    source, patient, prescriber, prescription) without the capsules' fields, with the liquid's
    own (unvalidated: the core checks every value)."""
    order = {k: v for k, v in shared.items() if k not in CAPSULE_ONLY}
    order["form"] = LIQUID
    if values.get("liquid.strength"):
        unit = values.get("liquid.strength_unit") or "mg"
        order["strength"] = f"{values['liquid.strength']} {unit}"
    if values.get("liquid.concentration"):
        order["concentration"] = _unit(values["liquid.concentration"], "mg/mL")
    if values.get("liquid.volume"):
        order["volume"] = _unit(values["liquid.volume"], "mL")
    if values.get("liquid.days_supply"):
        order["days_supply"] = _number(values["liquid.days_supply"])
    if values.get("liquid.doses_per_day"):
        order["sig"] = {"doses_per_day": _number(values["liquid.doses_per_day"])}
    if values.get("liquid.directions"):
        order["directions"] = values["liquid.directions"]
    ingredients = []
    for i in sent_ingredients(values):
        row = {"name": values[f"ingredients.{i}.name"]}
        row.update({leaf: values[f"ingredients.{i}.{leaf}"] for leaf in ("lot", "expiry")
                    if values.get(f"ingredients.{i}.{leaf}")})
        ingredients.append(row)
    if ingredients:
        order["ingredients"] = ingredients
    return order


_ROW = re.compile(r"ingredients\[(\d+)\]\.?(\w*)")


def liquid_field(path: str, base: str, values: Mapping[str, str]) -> str | None:
    """The input a liquid order's error belongs beside, or ``None`` when it is one the form
    shares with capsules (source, patient, prescriber, prescription)."""
    row = _ROW.fullmatch(path)
    if row:
        sent = sent_ingredients(values)
        index = int(row[1])
        leaf = row[2] if row[2] in ("lot", "expiry") else "lot"
        return f"ingredients.{sent[index] if index < len(sent) else 0}.{leaf}"
    if base in FIELDS:
        return FIELDS[base]
    if base.startswith("schedule"):
        return "liquid.strength"
    return None


# -- what the pharmacy's formulary offers -------------------------------------------------------

def _liquids(formulary: Formulary) -> list[FormularyEntry]:
    """The current approved (or built-in) default oral liquids: the records an order that
    names no record is made under."""
    return [e for e in formulary.entries() if e.mfr.form == LIQUID and e.mfr.default
            and formulary.current(e.mfr.id) is e]


_SOURCES = {"tablets": "from tablets", "api_powder": "from powder"}


def concentration_choices(formulary: Formulary) -> list[tuple[str, str]]:
    """The concentration input's choices: automatic (the record of the dose's band), then each
    concentration a default oral liquid is made at, with what it is made from.

    >>> concentration_choices(Formulary.built_in())[1:]
    [('0.1', '0.1 mg/mL: oral suspension from tablets, oral solution from powder'), \
('1', '1 mg/mL: oral suspension from tablets, oral solution from powder')]
    """
    made: dict[Fraction, list[str]] = {}
    starts: dict[Fraction, Fraction] = {}
    for entry in sorted(_liquids(formulary), key=lambda e: e.mfr.source_kind != "tablets"):
        c = Fraction(entry.mfr.concentration or 0)
        said = f"oral {entry.mfr.kind or 'suspension'} {_SOURCES[entry.mfr.source_kind]}"
        if said not in made.setdefault(c, []):
            made[c].append(said)
        low = Fraction(entry.mfr.strength_range.minimum)
        starts[c] = min(starts.get(c, low), low)
    choices = [(show(c), f"{show(c)} mg/mL: {', '.join(made[c])}") for c in sorted(made)]
    return [("", _automatic(starts)), *choices]


def _automatic(starts: dict[Fraction, Fraction]) -> str:
    """The automatic choice in words: each concentration from the dose its band starts at."""
    bands = sorted(starts.items(), key=lambda item: item[1])
    if not bands:
        return "Automatic (no oral liquid is approved in the formulary yet)"
    if len(bands) == 1:
        return f"Automatic: {show(bands[0][0])} mg/mL"
    said = [f"{show(c)} mg/mL for doses under {show(bands[i + 1][1])} mg" if i == 0
            else f"{show(c)} mg/mL from {show(low)} mg" for i, (c, low) in enumerate(bands)]
    return "Automatic, by the dose: " + ", ".join(said)


def ingredient_names(formulary: Formulary) -> list[str]:
    """The other ingredients of the default oral liquids, each once, as their records name
    them (ascorbic acid, sodium benzoate, glycerin, purified water)."""
    names: list[str] = []
    for entry in _liquids(formulary):
        for ingredient in entry.mfr.ingredients:
            if ingredient.role != "active" and ingredient.name not in names:
                names.append(ingredient.name)
    return names[:MAX_INGREDIENTS]


def ingredient_labels(names: list[str]) -> dict[str, str]:
    """The label of each other ingredient's lot and expiry input."""
    labels = {}
    for i, name in enumerate(names):
        labels[f"ingredients.{i}.lot"] = f"{name} lot"
        labels[f"ingredients.{i}.expiry"] = f"{name} expiry"
    return labels
