"""A master formulation record in words: what its PDF (:mod:`.mfr`), the formulary's pages and
the command line say of it, the same words in each.

Every item of a record (USP <795>, revision official 1 Nov 2023) as label-value rows, its
ingredients' amounts as a pharmacist writes them, a version's status, an approval, and what
changed between two versions (:func:`compounding.formulary.diff`) as sentences: "Beyond-use
date, days: 180 changed to 90". Plain text, never markup: each reader escapes it once.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from compounding.formulary import (
    TABLE4_DAYS,
    TABLE4_NAMES,
    Approval,
    BudRationale,
    Change,
    FormularyEntry,
    Ingredient,
    MasterFormulationRecord,
)

FORM_NAMES = {"capsules": "Capsules", "oral_liquid": "Oral liquid"}
SOURCE_NAMES = {"tablets": "Commercial naltrexone HCl 50 mg tablets",
                "api_powder": "Naltrexone HCl powder (API)"}
_SOURCE_SHORT = {"tablets": "tablets", "api_powder": "naltrexone HCl powder"}
ROLE_NAMES = {"active": "Active", "filler": "Filler", "vehicle": "Vehicle",
              "preservative": "Preservative", "antioxidant": "Antioxidant",
              "co_solvent": "Co-solvent", "flavour": "Flavour"}
STATUS_NAMES = {"draft": "Draft, not approved", "approved": "Approved, in force",
                "superseded": "Superseded", "built_in": "Built in, not approved"}
KIND_NAMES = {"solution": "Solution", "suspension": "Suspension",
              "usp_table4": "USP <795> Table 4", "study": "Stability study"}
DRAFT_MARK = "DRAFT — NOT APPROVED"
"""Across every page of a draft's PDF, and beside it wherever it is shown."""


def moment(at: datetime, time_zone: str) -> str:
    """A time as the pharmacy reads it, in its own zone, to the minute:
    ``2026-11-22 10:00 CST``."""
    aware = at if at.tzinfo else at.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d %H:%M %Z")


def yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def quantity(ingredient: Ingredient) -> str:
    """An ingredient's amount as the record gives it."""
    q, unit = ingredient.quantity, ingredient.unit
    return {"as ordered": "The strength ordered, per capsule",
            "q.s.": "q.s. to the capsules' fill weight",
            "to volume": "q.s. to the final volume",
            "mg": f"{q} mg per capsule", "mg/mL": f"{q} mg/mL",
            "% w/v": f"{q} % w/v ({q} g per 100 mL)",
            "% v/v": f"{q} % v/v ({q} mL per 100 mL)"}[unit]


def identification(mfr: MasterFormulationRecord) -> list[tuple[str, str]]:
    """What the record is: name, id and version, form, source, strengths, packaging."""
    capsules = mfr.form == "capsules"
    rows = [("Name", mfr.name), ("Record", f"{mfr.id}, version {mfr.version}"),
            ("Dosage form", FORM_NAMES[mfr.form]), ("Made from", SOURCE_NAMES[mfr.source_kind]),
            ("Strengths", f"{mfr.strength_range} per {'capsule' if capsules else 'dose'}")]
    if mfr.concentration is not None:
        rows.append(("Concentration", f"{mfr.concentration} mg/mL"))
    if mfr.kind is not None:
        rows.append(("Kind", KIND_NAMES[mfr.kind]))
    rows.append(("Default", f"Yes: the formulary's default for {FORM_NAMES[mfr.form].lower()} "
                            f"from {_SOURCE_SHORT[mfr.source_kind]}" if mfr.default
                 else "No: used when an order names it"))
    if mfr.capsule_shell:
        rows.append(("Capsule shells", mfr.capsule_shell))
    rows.append(("Container-closure", mfr.container_closure))
    if mfr.source_kind == "api_powder":
        rows.append(("Dilution factor of the API powder", f"{mfr.api_powder_dilution_factor}"))
    rows.append(("Weighed in portions",
                 "Yes: a mass above a balance's capacity is weighed in equal portions"
                 if mfr.weigh_in_portions else "No"))
    rows.append(("Physical description", mfr.physical_description))
    return rows


def quality_control(mfr: MasterFormulationRecord) -> list[tuple[str, str]]:
    """The checks on the finished preparation and their expected results."""
    qc, rows = mfr.qc, []
    if qc.fill_weight_percent is not None:
        rows.append(("Fill weight", f"Each capsule {qc.fill_weight_percent.low}-"
                                    f"{qc.fill_weight_percent.high} % of the theoretical net "
                                    f"fill weight"))
    if qc.weigh_every_capsule:
        rows.append(("Capsules weighed", "Every capsule"))
    elif qc.capsules_to_weigh is not None:
        rows.append(("Capsules weighed", f"At least {qc.capsules_to_weigh} (every one when "
                                         f"fewer are made)"))
    if qc.final_volume_tolerance_percent is not None:
        rows.append(("Final volume", f"Within ± {qc.final_volume_tolerance_percent} % of the "
                                     f"volume made"))
    rows.append(("Appearance", qc.appearance))
    if qc.ph_range is not None:
        rows.append(("pH", f"{qc.ph_range.low}-{qc.ph_range.high}"))
    return rows


def beyond_use(mfr: MasterFormulationRecord) -> list[tuple[str, str]]:
    """Storage, the BUD and the source that supports it."""
    bud: BudRationale = mfr.bud
    rows = [("Storage", mfr.storage), ("Beyond-use date", f"{bud.days} days from compounding")]
    if bud.kind == "usp_table4" and bud.category is not None:
        rows.append(("Rationale", f"USP <795> (2023) Table 4, {TABLE4_NAMES[bud.category]}: "
                                  f"at most {TABLE4_DAYS[bud.category]} days without a "
                                  f"stability study"))
    else:
        rows += [("Rationale", f"Stability study: {bud.citation}"),
                 ("Formula and container", bud.matches_study or "")]
    rows.append(("Storage condition", bud.storage_condition))
    if bud.room_temperature_days:
        rows.append(("Out of the refrigerator", f"{bud.room_temperature_days} days"))
    rows += [("Protect from light", yes(bud.protect_from_light)),
             ("Refrigerate", yes(bud.refrigerate))]
    return rows


def approval_rows(entry: FormularyEntry, time_zone: str) -> list[tuple[str, str]]:
    """Who approved the version, their licence, what the signature means and when; a draft
    says it is not approved."""
    signed: Approval | None = entry.approval
    if signed is None:
        return [("Approval", "Not approved: no batch is made under this version until a "
                             "pharmacist approves it")]
    return [("Approved by", signed.name), ("Licence", signed.licence or "—"),
            ("Meaning", signed.meaning), ("Signed", moment(signed.at, time_zone))]


def status_line(entry: FormularyEntry, history: list[FormularyEntry]) -> str:
    """The version's status in a sentence, naming the version that superseded it."""
    if entry.status == "superseded":
        later = [e for e in history if e.status == "approved"]
        return ("Superseded" + (f" by version {later[0].mfr.version}" if later else "")
                + ": kept for the record; no batch is made under it")
    if entry.status == "draft":
        return f"{DRAFT_MARK}: no batch is made under it until a pharmacist approves it"
    return STATUS_NAMES[entry.status]


# -- what changed ---------------------------------------------------------------------------

_LISTS = {"ingredients": "Ingredient", "equipment": "Equipment item", "method": "Method step",
          "calculations": "Calculation", "label_cautions": "Label caution",
          "references": "Reference"}
_FIELDS = {
    "name": "name", "form": "Dosage form", "source_kind": "Made from", "default": "Default",
    "strength_range": "Strengths", "concentration": "Concentration (mg/mL)", "kind": "kind",
    "capsule_shell": "Capsule shells", "container_closure": "Container-closure",
    "qc": "Quality control", "physical_description": "Physical description",
    "storage": "Storage", "bud": "Beyond-use date",
    "api_powder_dilution_factor": "Dilution factor of the API powder",
    "weigh_in_portions": "Weighed in portions", "minimum": "lowest (mg)",
    "maximum": "highest (mg)", "maximum_inclusive": "highest included", "role": "role",
    "grade": "grade", "quantity": "quantity", "unit": "unit",
    "fill_weight_percent": "fill weight (% of theoretical)", "low": "low", "high": "high",
    "capsules_to_weigh": "capsules weighed", "weigh_every_capsule": "every capsule weighed",
    "final_volume_tolerance_percent": "final volume tolerance (%)",
    "appearance": "appearance", "ph_range": "pH", "days": "days",
    "category": "USP <795> Table 4 category", "citation": "study cited",
    "storage_condition": "storage condition",
    "matches_study": "formula and container match the study",
    "room_temperature_days": "days out of the refrigerator",
    "protect_from_light": "protect from light", "refrigerate": "refrigerate",
}
_VALUES = {"form": FORM_NAMES, "source_kind": SOURCE_NAMES, "role": ROLE_NAMES,
           "category": TABLE4_NAMES, "kind": KIND_NAMES}
_PART = re.compile(r"([a-z_]+)|\[(\d+)\]")


def change_words(change: Change) -> str:
    """One change in a sentence: where in the record, and what it was and became."""
    parts = [(m[1], m[2]) for m in _PART.finditer(change.path)]
    words: list[str] = []
    leaf = ""
    for index, (name, number) in enumerate(parts):
        if number:
            words[-1] = f"{_LISTS.get(leaf, leaf)} {int(number) + 1}"
            continue
        leaf = name
        if name in _LISTS and index + 1 < len(parts) and parts[index + 1][1]:
            words.append(name)
        else:
            text = _FIELDS.get(name, name.replace("_", " "))
            words.append(text[:1].upper() + text[1:] if not words else text)
    where = ", ".join(words)
    values = _VALUES.get(leaf, {})
    before = values.get(change.before or "", change.before)
    after = values.get(change.after or "", change.after)
    if before is None:
        return f"{where}: added “{after}”"
    if after is None:
        return f"{where}: removed “{before}”"
    return f"{where}: “{before}” changed to “{after}”"
