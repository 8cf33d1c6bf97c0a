"""Master formulation records: the model, the seeded formulary, resolution and the diff.

Sources of the seeds: USP <795> (2023) Table 4 (capsules: 180 days); Cote et al., Int J Pharm
Compd 2018;22(3):252-256 (LDN in Avicel capsules: 360 days at room temperature, in the dark);
Fawcett, Morgan & Woods, Ann Pharmacother 1997;31(11):1291-5 (1 mg/mL liquid: 60 days at 4 °C).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from compounding.errors import OrderError
from compounding.formulary import (
    Approval,
    Bounds,
    Change,
    Formulary,
    FormularyEntry,
    MasterFormulationRecord,
    MfrStatus,
    canonical_json,
    content_digest,
    diff,
    parse_ref,
    parse_seed,
    seeded,
)

SEED_IDS = {"LDN-CAPS-TAB-MCC", "LDN-CAPS-TAB-MCC-IJPC", "LDN-CAPS-API-MCC", "LDN-LIQ-1",
            "LDN-LIQ-01", "LDN-LIQ-API-1", "LDN-LIQ-API-01"}
TABLE4 = {"kind": "usp_table4", "category": "other_non_aqueous", "days": 180,
          "storage_condition": "20-25 °C", "protect_from_light": True}
ACTIVE = {"role": "active", "name": "Naltrexone HCl", "grade": "USP", "unit": "as ordered"}
FILLER = {"role": "filler", "name": "MCC", "grade": "NF", "unit": "q.s."}
SIGNED = Approval(user_id=7, name="A. Pharmacist", licence="RPh 12345", meaning="Approved",
                  at=datetime(2026, 11, 22, 16, 0, tzinfo=UTC))


def small(**changes: Any) -> MasterFormulationRecord:
    """A short capsule record, built by hand; ``changes`` replace its top-level fields."""
    data: dict[str, Any] = {
        "id": "TEST-CAPS", "version": 1, "name": "Test capsules", "form": "capsules",
        "source_kind": "tablets", "default": True, "ingredients": [ACTIVE, FILLER],
        "strength_range": {"minimum": "0.5", "maximum": "5"},
        "capsule_shell": "Hard gelatin", "container_closure": "Amber vial",
        "equipment": ["Balance"], "method": ["Crush", "Dilute", "Fill"],
        "qc": {"fill_weight_percent": {"low": "90", "high": "110"}, "capsules_to_weigh": 10,
               "appearance": "Closed capsules"},
        "physical_description": "White powder in capsules", "storage": "20-25 °C",
        "bud": TABLE4, "references": ["USP <795> (2023)"]}
    data.update(changes)
    return MasterFormulationRecord.model_validate(data)


def by_id(mfr_id: str) -> MasterFormulationRecord:
    return next(m for m in seeded() if m.id == mfr_id)


def refused(formulary: Formulary, *args: Any, **kwargs: Any) -> tuple[str, str, str]:
    """The one error of a resolution that must fail: (code, field, message)."""
    with pytest.raises(OrderError) as caught:
        formulary.resolve(*args, **kwargs)
    [error] = caught.value.errors
    return error.code, error.field, error.message


def test_every_seed_loads_validates_and_survives_a_round_trip():
    records = seeded()
    assert [m.id for m in records] == sorted(SEED_IDS)  # every seed, each id once
    for mfr in records:
        assert mfr.version == 1
        again = MasterFormulationRecord.model_validate_json(mfr.model_dump_json())
        assert again == mfr and content_digest(again) == content_digest(mfr)
    with pytest.raises(ValidationError, match="frozen"):
        records[0].name = "Other"
    with pytest.raises(ValueError, match=r"BROKEN\.toml"):
        parse_seed('id = "BROKEN"\nversion = 1\n', "BROKEN.toml")


def test_exactly_one_default_per_form_source_and_concentration_band():
    defaults = Counter((m.form, m.source_kind, m.concentration) for m in seeded() if m.default)
    assert defaults == {("capsules", "tablets", None): 1, ("capsules", "api_powder", None): 1,
                        ("oral_liquid", "tablets", Decimal("1")): 1,
                        ("oral_liquid", "tablets", Decimal("0.1")): 1,
                        ("oral_liquid", "api_powder", Decimal("1")): 1,
                        ("oral_liquid", "api_powder", Decimal("0.1")): 1}
    assert not by_id("LDN-CAPS-TAB-MCC-IJPC").default


def test_capsules_use_table4_and_the_project_qc_limits():
    caps = by_id("LDN-CAPS-TAB-MCC")
    assert (caps.form, caps.source_kind, caps.kind) == ("capsules", "tablets", None)
    bud = caps.bud
    assert (bud.kind, bud.category, bud.days, bud.protect_from_light, bud.refrigerate) == \
        ("usp_table4", "other_non_aqueous", 180, True, False)
    assert "20-25 °C" in caps.storage and "light-resistant" in caps.container_closure
    assert caps.qc.fill_weight_percent == Bounds(low=90, high=110)  # of the fill weight
    assert caps.qc.capsules_to_weigh == 10
    [filler] = [i for i in caps.ingredients if i.role == "filler"]
    assert (filler.name[:26], filler.grade, filler.unit) == \
        ("Microcrystalline cellulose", "NF", "q.s.")
    assert str(caps.strength_range) == "0.5-5 mg" and "Geometric dilution" in caps.method[6]
    assert "Contains lactose." in caps.label_cautions
    api = by_id("LDN-CAPS-API-MCC")  # from powder: the assay and the powder's DF setting
    assert (api.source_kind, api.api_powder_dilution_factor, api.bud.days) == \
        ("api_powder", 1, 180)
    assert "certificate of analysis" in api.method[0] and "Contains lactose." not in str(api)


def test_the_ijpc_record_is_the_same_formula_with_the_study_bud():
    caps, ijpc = by_id("LDN-CAPS-TAB-MCC"), by_id("LDN-CAPS-TAB-MCC-IJPC")
    assert ijpc.ingredients == caps.ingredients and ijpc.method == caps.method
    assert (ijpc.bud.kind, ijpc.bud.days, ijpc.bud.category) == ("study", 360, None)
    assert "Int J Pharm Compd. 2018;22(3):252-256" in (ijpc.bud.citation or "")
    assert ijpc.bud.protect_from_light and ijpc.bud.matches_study
    assert {c.path for c in diff(caps, ijpc)} >= {"id", "default", "bud.kind", "bud.days"}


@pytest.mark.parametrize(("mfr_id", "concentration"), [("LDN-LIQ-1", "1"),
                                                        ("LDN-LIQ-01", "0.1")])
def test_the_liquids_follow_the_1997_oral_liquid_formula(mfr_id, concentration):
    liquid = by_id(mfr_id)
    assert (liquid.form, liquid.source_kind, liquid.kind, liquid.concentration) == \
        ("oral_liquid", "tablets", "suspension", Decimal(concentration))
    amounts = {i.role: (i.grade, str(i.quantity), i.unit) for i in liquid.ingredients}
    assert amounts == {
        "active": ("USP", concentration, "mg/mL"), "antioxidant": ("USP", "0.5", "% w/v"),
        "preservative": ("NF", "0.1", "% w/v"), "co_solvent": ("USP", "20", "% v/v"),
        "vehicle": ("USP", "None", "to volume")}
    bud = liquid.bud
    assert (bud.kind, bud.days, bud.room_temperature_days, bud.refrigerate,
            bud.protect_from_light) == ("study", 60, 30, True, True)
    assert "Ann Pharmacother. 1997;31(11):1291-5" in (bud.citation or "")
    assert liquid.qc.ph_range is None and liquid.qc.fill_weight_percent is None
    assert any("Shake well" in caution for caution in liquid.label_cautions)
    with pytest.raises(ValidationError, match="suspension"):  # tablet excipients do not dissolve
        MasterFormulationRecord.model_validate({**liquid.model_dump(), "kind": "solution"})


@pytest.mark.parametrize(("changes", "reason"), [
    ({"colour": "blue"}, "Extra inputs are not permitted"),
    ({"id": "ldn lower case"}, "should match pattern"),
    ({"version": 0}, "greater than or equal to 1"),
    ({"bud": {**TABLE4, "days": 181}}, "at most 180 days"),
    ({"bud": {**TABLE4, "category": "aqueous_preserved", "days": 35}}, "other non-aqueous"),
    ({"bud": {**TABLE4, "kind": "study", "category": None, "citation": "A study"}},
     "formula and container match the study"),
    ({"concentration": "1"}, "no concentration"),
    ({"api_powder_dilution_factor": "1.2"}, "unless from API powder"),
    ({"ingredients": [FILLER]}, "exactly one active ingredient"),
    ({"ingredients": [{**ACTIVE, "unit": "mg"}, FILLER]}, "needs a quantity"),
    ({"ingredients": [ACTIVE]}, "need a filler"),
])
def test_the_model_refuses(changes, reason):
    with pytest.raises(ValidationError, match=reason):
        small(**changes)


def test_the_digest_of_a_hand_built_record_is_fixed():
    assert canonical_json(small()).startswith('{"api_powder_dilution_factor":"1","bud":{')
    assert content_digest(small()) == \
        "b14c2a26aefad2baa9f3853512dfa67e776a4417f7c2509653d7a30f1761b9ee"
    # equal records digest alike however their numbers are written
    assert content_digest(small(strength_range={"minimum": "0.50", "maximum": "5.0"})) == \
        content_digest(small(strength_range={"minimum": 0.5, "maximum": 5}))


@pytest.mark.parametrize(("field", "value"), [
    ("id", "TEST-CAPS-2"), ("version", 2), ("name", "Test 2"), ("default", False),
    ("source_kind", "api_powder"), ("strength_range", {"minimum": "1", "maximum": "5"}),
    ("capsule_shell", "HPMC"), ("container_closure", "Bottle"), ("equipment", ["Mortar"]),
    ("method", ["Crush", "Fill", "Dilute"]), ("calculations", ["w = p + f"]),
    ("physical_description", "Capsules"), ("storage", "Cool"), ("label_cautions", ["Rx"]),
    ("references", ["USP <795>"]), ("weigh_in_portions", True), ("bud", {**TABLE4, "days": 90}),
    ("ingredients", [{**ACTIVE, "grade": "USP (tablets)"}, FILLER]),
    ("qc", {"fill_weight_percent": {"low": "92.5", "high": "107.5"}, "capsules_to_weigh": 10,
            "appearance": "Closed capsules"}),
])
def test_the_digest_changes_when_any_field_changes(field, value):
    assert content_digest(small(**{field: value})) != content_digest(small())


def entry(mfr: MasterFormulationRecord, status: MfrStatus = "approved") -> FormularyEntry:
    """The entry of ``mfr``, signed when its status says it was approved."""
    return FormularyEntry.of(mfr, status,
                             SIGNED if status in ("approved", "superseded") else None)


def test_the_built_in_formulary_plans_under_the_seeds():
    formulary = Formulary.built_in()
    assert [(e.ref, e.status) for e in formulary.entries()] == [
        (f"{i}@1", "built_in") for i in sorted(SEED_IDS)]
    made = formulary.resolve(None, "capsules", "tablets")
    assert made.mfr.id == "LDN-CAPS-TAB-MCC" and made.mfr.bud.days == 180
    assert formulary.resolve("LDN-CAPS-TAB-MCC-IJPC", "capsules", "tablets").mfr.bud.days == 360
    assert formulary.resolve(None, "capsules", "api_powder").mfr.id == "LDN-CAPS-API-MCC"
    assert formulary.resolve("ldn-caps-tab-mcc@1", "capsules", "tablets") == made
    # a concentration no liquid has; a named liquid of another concentration
    code, field, message = refused(formulary, None, "oral_liquid", "tablets", concentration="2")
    assert (code, field) == ("MFR_REQUIRED", "concentration") and "2 mg/mL" in message
    code, field, message = refused(formulary, "LDN-LIQ-01", "oral_liquid", "tablets",
                                   concentration="1")
    assert (code, field) == ("MFR_REQUIRED", "mfr") and "0.1 mg/mL, not 1 mg/mL" in message


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, "LDN-LIQ-1"), ({"strength_mg": "4.5"}, "LDN-LIQ-1"), ({"strength_mg": 1}, "LDN-LIQ-1"),
    ({"strength_mg": "12"}, "LDN-LIQ-1"), ({"strength_mg": "0.5"}, "LDN-LIQ-01"),
    ({"strength_mg": "0.01"}, "LDN-LIQ-01"),
    ({"concentration": "0.1", "strength_mg": "4.5"}, "LDN-LIQ-01"),
    ({"concentration": Decimal("1.0")}, "LDN-LIQ-1"),
])
def test_a_liquid_default_by_concentration_or_dose_band(kwargs, expected):
    assert Formulary.built_in().resolve(None, "oral_liquid", "tablets",
                                        **kwargs).mfr.id == expected


def test_the_latest_approved_version_wins_over_an_older_one_and_a_newer_draft():
    v1, v2, v3 = small(), small(version=2, storage="Below 25 °C"), small(version=3)
    formulary = Formulary([entry(v3, "draft"), entry(v1), entry(v2)])
    assert [e.mfr.version for e in formulary.versions("TEST-CAPS")] == [1, 2, 3]
    for ref in (None, "TEST-CAPS", "TEST-CAPS@2"):
        assert formulary.resolve(ref, "capsules", "tablets").mfr.version == 2
    # version 1 is still marked approved, but version 2 replaced it
    assert refused(formulary, "TEST-CAPS@1", "capsules", "tablets") == ("MFR_REQUIRED", "mfr", (
        "TEST-CAPS@1 is superseded; the current version is TEST-CAPS@2: a batch follows the "
        "current master formulation record."))
    code, field, message = refused(formulary, "TEST-CAPS@3", "capsules", "tablets")
    assert (code, field) == ("MFR_REQUIRED", "mfr") and "draft" in message
    # a version marked superseded is refused by name too
    formulary = Formulary([entry(small(), "superseded"), entry(small(version=2, name="B"))])
    assert "TEST-CAPS@1 is superseded" in refused(formulary, "TEST-CAPS@1", "capsules",
                                                  "tablets")[2]


@pytest.mark.parametrize(("ref", "form", "source", "field", "words"), [
    ("NO-SUCH-MFR", "capsules", "tablets", "mfr", "no master formulation record NO-SUCH"),
    ("TEST-CAPS@4", "capsules", "tablets", "mfr", "no version 4"),
    ("TEST CAPS", "capsules", "tablets", "mfr", "not an MFR reference"),
    ("TEST-CAPS@0", "capsules", "tablets", "mfr", "not an MFR reference"),
    ("TEST-CAPS", "oral_liquid", "tablets", "mfr", "makes capsules, not an oral liquid"),
    ("TEST-CAPS", "capsules", "api_powder", "mfr", "from tablets, not from naltrexone HCl"),
    ("ONLY-DRAFT", "capsules", "tablets", "mfr", "no approved version"),
    (None, "oral_liquid", "tablets", "form", "makes an oral liquid"),
    (None, "capsules", "api_powder", "source", "from naltrexone HCl powder"),
])
def test_nothing_usable_is_mfr_required_naming_the_field(ref, form, source, field, words):
    formulary = Formulary([entry(small()), entry(small(id="ONLY-DRAFT"), "draft")])
    code, named, message = refused(formulary, ref, form, source)
    assert (code, named) == ("MFR_REQUIRED", field)
    assert words.lower() in message.lower()


def test_the_default_is_never_guessed():
    formulary = Formulary([entry(small(default=False))])
    code, field, message = refused(formulary, None, "capsules", "tablets")
    assert (code, field) == ("MFR_REQUIRED", "source") and "TEST-CAPS" in message
    assert formulary.resolve("TEST-CAPS", "capsules", "tablets").mfr.id == "TEST-CAPS"
    # two defaults for one order: not guessed between
    formulary = Formulary([entry(small()), entry(small(id="TEST-CAPS-B"))])
    assert refused(formulary, None, "capsules", "tablets")[:2] == ("MFR_REQUIRED", "mfr")


def test_an_entry_keeps_its_digest_and_approval_honest():
    mfr = small()
    with pytest.raises(ValidationError, match="digest"):
        FormularyEntry(mfr=mfr, status="built_in", digest=content_digest(small(version=2)))
    with pytest.raises(ValidationError, match="approval"):
        FormularyEntry.of(mfr, "approved")
    with pytest.raises(ValidationError, match="approval"):
        FormularyEntry.of(mfr, "draft", SIGNED)
    assert FormularyEntry.of(mfr, "superseded").approval is None  # kept only if stored
    with pytest.raises(ValueError, match="TEST-CAPS@1"):
        Formulary([entry(mfr), entry(mfr, "draft")])
    assert parse_ref(" test-caps@12 ") == ("TEST-CAPS", 12)


def test_the_diff_lists_exactly_the_changed_values_in_plain_words():
    old = by_id("LDN-CAPS-TAB-MCC")
    bud = old.bud.model_copy(update={"days": 360})
    grades = (old.ingredients[0], old.ingredients[1].model_copy(update={"grade": "USP"}))
    new = old.model_copy(update={"version": 2, "bud": bud, "ingredients": grades})
    assert diff(old, new) == [Change(path="ingredients[1].grade", before="NF", after="USP"),
                              Change(path="bud.days", before="180", after="360")]
    assert diff(old, old) == []
    # steps added, a nested value that was absent, a flag: in plain words
    qc = {"fill_weight_percent": {"low": "90", "high": "110"}, "capsules_to_weigh": 10,
          "appearance": "Closed capsules", "ph_range": {"low": "4", "high": "6.5"}}
    old, new = small(), small(version=2, method=["Crush", "Dilute", "Fill", "Weigh"], qc=qc,
                              weigh_in_portions=True)
    assert [(c.path, c.before, c.after) for c in diff(old, new)] == [
        ("method[3]", None, "Weigh"), ("qc.ph_range.low", None, "4"),
        ("qc.ph_range.high", None, "6.5"), ("weigh_in_portions", "no", "yes")]
    assert [str(c) for c in diff(new, old)][:2] == ["method[3]: Weigh → —",
                                                    "qc.ph_range.low: 4 → —"]
