"""Capsules from naltrexone hydrochloride USP powder, and the master formulation record every
plan names. Worked by hand: the powder carrying a drug amount D is D ÷ (assay as is), the
assay as is being the certificate's assay, or the dried assay × (1 − water) (USP <795>, 2023,
§8 calculations; the lot's certificate of analysis); a weighing under the balance's minimum
weighable quantity (MWQ, 120 mg: 6 mg sensitivity ÷ 5 % error) becomes a trituration."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction as F

import pytest

from compounding import OrderError, Settings, plan_order
from compounding.formulary import Formulary, FormularyEntry, seeded

POWDER = {"kind": "api_powder", "assay": "99.2 %", "lot": "NTX-API-7", "expiry": "2028-06"}
ORDER = {"strength": "4.5 mg", "quantity": 30, "overage": {"capsules": 2},
         "capsule": {"size": "3"}, "source": POWDER, "filler": {"pack_stat": "130 mg"}}


def errors(order, settings=None):
    with pytest.raises(OrderError) as caught:
        plan_order(order, settings)
    return {(e.code, e.field) for e in caught.value.errors}


def test_4_5_mg_from_powder_is_weighed_directly():
    # N = 30 + 2 = 32; drug 32 × 4.5 = 144 mg; powder 144 ÷ 0.992 = 145.16129 mg ≥ 120 mg
    plan = plan_order(ORDER)
    assert plan.source_kind == "api_powder" and plan.tablets == 0
    assert plan.method == "exact_portion"
    assert plan.tablet_powder == F(144) / F(992, 1000) == F(4500, 31)
    assert round(float(plan.tablet_powder), 3) == 145.161
    # p = d ÷ assay = 4.5 ÷ 0.992 = 4.53629 mg; f = F − p/DF = 130 − 4.53629 = 125.46371 mg
    assert plan.tablet_powder_per_capsule == F(9, 2) / F(124, 125)
    assert plan.filler_per_capsule == 130 - F(9, 2) / F(124, 125)
    assert plan.fill_weight == 130 and plan.capsules_to_fill == 32
    assert plan.naltrexone_total == 144
    assert "weighed directly" in plan.method_reason


def test_1_5_mg_from_powder_is_triturated():
    # 32 × 1.5 = 48 mg of drug ÷ 0.992 = 48.387 mg of powder < 120 mg: a trituration. Stage 1
    # weighs one unit of 120 mg (119.04 mg of drug) to 595.2 mg at 200 mg/g (119.04 ÷ 0.2);
    # the aliquot 48 mg ÷ 0.2 mg/mg = 240 mg; the batch's filler 32 × 130 − 240 = 3920 mg
    plan = plan_order({**ORDER, "strength": "1.5 mg"})
    assert plan.method == "trituration" and plan.tablets == 0
    [stage] = plan.trituration
    assert stage.tablets is None and stage.powder == 120
    assert stage.total == F(5952, 10) and stage.filler_added == F(4752, 10)
    assert stage.concentration == 200 and stage.aliquot == 240
    assert plan.filler_total == 3920 and plan.blend_total == 4160
    assert "48 mg of naltrexone HCl powder, below" in plan.method_reason


def test_an_assay_on_the_dried_basis_counts_the_water():
    # 99.6 % dried, 0.4 % water: as is 99.6 × (1 − 0.004) = 99.2016 %; 144 ÷ 0.992016
    dried = {**POWDER, "assay": 99.6, "assay_basis": "dried", "water": "0.4 %"}
    plan = plan_order({**ORDER, "source": dried})
    assert plan.tablet_powder == F(144) / (F(996, 1000) * F(996, 1000))
    assert round(float(plan.tablet_powder), 3) == 145.159


def test_a_powder_source_needs_its_certificate():
    bare = {"kind": "api_powder"}
    assert errors({**ORDER, "source": bare}) == {
        ("FIELD_REQUIRED", "source.assay"), ("FIELD_REQUIRED", "source.lot"),
        ("FIELD_REQUIRED", "source.expiry")}
    assert ("FIELD_REQUIRED", "source.water") in errors(
        {**ORDER, "source": {**POWDER, "assay_basis": "dried"}})
    assert ("INVALID_VALUE", "source.average_tablet_weight") in errors(
        {**ORDER, "source": {**POWDER, "average_tablet_weight": "250 mg"}})


def test_an_assay_on_a_tablets_order_is_refused():
    tablets = {"average_tablet_weight": "250 mg", "assay": "99.2 %", "water": "0.4 %"}
    assert errors({**ORDER, "source": tablets}) == {("INVALID_VALUE", "source.assay"),
                                                    ("INVALID_VALUE", "source.water")}


@pytest.mark.parametrize("assay", ["9.92 %", "89.9 %", 110.1])
def test_an_implausible_assay_is_refused(assay):
    # 99.2 misread as 9.92 would make every capsule ten times too strong
    assert errors({**ORDER, "source": {**POWDER, "assay": assay}}) == {
        ("SOURCE_ASSAY_IMPLAUSIBLE", "source.assay")}


def test_powder_named_as_tablets_is_refused_with_the_way_out():
    order = {**ORDER, "source": {"average_tablet_weight": "250 mg",
                                 "product": "Naltrexone HCl USP powder (API)"}}
    with pytest.raises(OrderError) as caught:
        plan_order(order)
    [error] = caught.value.errors
    assert error.code == "SOURCE_NOT_IR_NALTREXONE" and "api_powder" in error.message


def test_tablets_whole_tablets_is_not_a_method_for_powder():
    assert errors({**ORDER, "method": "whole_tablets"}) == {("METHOD_NOT_WEIGHABLE", "method")}


def test_a_lactose_allergy_sees_the_lactose_of_revia_not_of_powder():
    allergic = {"allergies": ["lactose"]}
    revia = plan_order({**ORDER, "patient": allergic, "source": {
        "average_tablet_weight": "250 mg", "product": "ReVia 50 mg tablet"}})
    [finding] = [f for f in revia.findings if f.code == "LACTOSE_ALLERGY"]
    assert "lactose monohydrate" in finding.message and "ReVia prescribing" in finding.message
    powder = plan_order({**ORDER, "patient": allergic})
    assert not powder.contains_lactose
    assert not [f for f in powder.findings if f.code == "LACTOSE_ALLERGY"]


# -- the master formulation record ---------------------------------------------------------------

def test_without_a_database_a_plan_names_the_built_in_record():
    tablets = plan_order({**ORDER, "source": {"average_tablet_weight": "250 mg"}})
    assert (tablets.mfr.id, tablets.mfr.version, tablets.mfr.built_in) == (
        "LDN-CAPS-TAB-MCC", 1, True)
    assert tablets.mfr.bud_days == 180 and "Table 4" in tablets.mfr.bud_rationale
    assert (tablets.beyond_use_date - tablets.compounded_on).days == 180
    assert plan_order(ORDER).mfr.id == "LDN-CAPS-API-MCC"


def test_the_ijpc_record_gives_its_study_days_knowingly_chosen():
    # Cote et al., Int J Pharm Compd 2018;22(3):252-256: LDN in Avicel capsules, 360 days
    plan = plan_order({**ORDER, "source": {"average_tablet_weight": "250 mg"},
                       "mfr": "LDN-CAPS-TAB-MCC-IJPC"})
    assert plan.mfr.bud_days == 360 and "stability study" in plan.beyond_use_rationale
    assert (plan.beyond_use_date - plan.compounded_on).days == 360
    capped = plan_order({**ORDER, "source": {"average_tablet_weight": "250 mg"},
                         "mfr": "LDN-CAPS-TAB-MCC-IJPC"}, Settings(beyond_use_days=180))
    assert capped.mfr.bud_days == 180 and "capped at 180 days" in capped.mfr.bud_rationale
    assert capped.beyond_use_date == capped.compounded_on + timedelta(days=180)


def test_an_order_under_a_record_for_another_source_is_refused():
    assert {code for code, _ in errors({**ORDER, "mfr": "LDN-CAPS-TAB-MCC"})} == {
        "MFR_REQUIRED"}
    assert ("MFR_REQUIRED", "mfr") in errors({**ORDER, "mfr": "NO-SUCH-RECORD"})


def test_drafts_alone_make_no_plan():
    drafts = Settings(formulary=tuple(FormularyEntry.of(m) for m in seeded()))
    assert errors(ORDER, drafts) == {("MFR_REQUIRED", "form")}
    approved = Formulary.built_in().entries()
    assert plan_order(ORDER, Settings(formulary=tuple(approved))).mfr.id == "LDN-CAPS-API-MCC"


def test_a_record_is_kept_with_the_version_it_was_made_under(store):
    from .people import TECH
    from .test_records import PROFILE

    record = store.create(ORDER, PROFILE, TECH)
    assert record.plan.mfr.ref == "LDN-CAPS-API-MCC@1" and not record.plan.mfr.built_in
    [kept] = record.profile.formulary  # the profile kept holds that one version, approved
    assert (kept.mfr.id, kept.status) == ("LDN-CAPS-API-MCC", "approved")
    assert kept.approval.name == "R. Okafor, PharmD"


def test_a_record_needs_an_approved_record(formulary_drafts, database_url):
    from compounding.records import Store

    from .people import KEY, TECH
    from .test_records import PROFILE

    store = Store.open(database_url, KEY)
    try:
        with pytest.raises(OrderError) as caught:
            store.create(ORDER, PROFILE, TECH)
        assert {(e.code, e.field) for e in caught.value.errors} == {("MFR_REQUIRED", "form")}
        assert store.count() == 0
    finally:
        store.engine.dispose()
