"""Patient conditions (domain.md §4, other cautions; naltrexone tablet labels)."""

from __future__ import annotations

import pytest

from compounding import plan_order

from .helpers import make_order


@pytest.mark.parametrize(
    ("condition", "code", "severity"),
    [
        ("Lactose intolerance", "LACTOSE_INTOLERANCE", "warning"),
        ("lactose-intolerant", "LACTOSE_INTOLERANCE", "warning"),
        ("pregnant, 12 weeks", "PREGNANCY_OR_BREASTFEEDING", "warning"),
        ("breast-feeding", "PREGNANCY_OR_BREASTFEEDING", "warning"),
        ("acute hepatitis B", "HEPATIC_FAILURE", "critical"),
        ("Liver failure", "HEPATIC_FAILURE", "critical"),
        ("severe renal impairment", "RENAL_IMPAIRMENT", "warning"),
        ("on haemodialysis", "RENAL_IMPAIRMENT", "warning"),
        # the liver failure naltrexone's labels contraindicate, however it is written
        ("end-stage liver disease", "HEPATIC_FAILURE", "critical"),
        ("Child-Pugh C cirrhosis", "HEPATIC_FAILURE", "critical"),
        ("severe hepatic impairment", "HEPATIC_FAILURE", "critical"),
        ("ESLD", "HEPATIC_FAILURE", "critical"),
        ("nursing mother", "PREGNANCY_OR_BREASTFEEDING", "warning"),
        ("is nursing her 3-month-old", "PREGNANCY_OR_BREASTFEEDING", "warning"),
    ],
)
def test_conditions_fire(condition, code, severity):
    plan = plan_order(make_order(patient={"conditions": ["hypertension", condition]}))
    assert [(f.code, f.severity.value, f.field) for f in plan.findings] == [
        (code, severity, "patient.conditions[1]")]


@pytest.mark.parametrize("condition", ["hypertension", "fibromyalgia", "Crohn's disease",
                                       "mild renal impairment", "hepatitis A (resolved 1990)"])
def test_conditions_silent(condition):
    assert plan_order(make_order(patient={"conditions": [condition]})).findings == []


@pytest.mark.parametrize(
    "condition",
    ["opioid use disorder", "Opioid dependence", "OUD, in treatment", "methadone maintenance",
     "on buprenorphine maintenance", "chronic opioid therapy for back pain",
     "history of heroin addiction", "Suboxone maintenance program"])
def test_opioid_dependence_is_critical(condition):
    plan = plan_order(make_order(patient={"conditions": [condition]}))
    assert [(f.code, f.severity.value, f.field) for f in plan.findings] == [
        ("OPIOID_DEPENDENCE", "critical", "patient.conditions[0]")]


@pytest.mark.parametrize(
    "condition",
    ["not pregnant", "pregnancy test negative", "Pregnant: no", "denies pregnancy",
     "no history of opioid use disorder", "negative for hepatitis; no liver failure",
     "no longer breastfeeding", "ruled out: acute hepatitis", "opioid dependence ruled out"])
def test_negations_are_not_findings(condition):
    assert plan_order(make_order(patient={"conditions": [condition]})).findings == []


def test_a_negation_ends_with_its_clause():
    plan = plan_order(make_order(patient={"conditions": ["no hepatitis, but pregnant"]}))
    assert [f.code for f in plan.findings] == ["PREGNANCY_OR_BREASTFEEDING"]


@pytest.mark.parametrize(
    "allergy", ["naltrexone", "Naloxone (anaphylaxis)", "Narcan: hives", "ReVia", "nalmefene"])
def test_antagonist_hypersensitivity_is_critical(allergy):
    plan = plan_order(make_order(patient={"allergies": ["penicillin", allergy]}))
    assert [(f.code, f.severity.value, f.field) for f in plan.findings] == [
        ("NALTREXONE_HYPERSENSITIVITY", "critical", "patient.allergies[1]")]


@pytest.mark.parametrize("allergy", ["NKDA", "no known allergies", "penicillin", "sulfa",
                                     "no naloxone allergy"])
def test_other_allergies_are_silent(allergy):
    assert plan_order(make_order(patient={"allergies": [allergy]})).findings == []


@pytest.mark.parametrize("allergy", ["lactose", "milk", "cow's milk protein", "dairy"])
def test_milk_allergy_warns_when_the_batch_has_lactose(allergy):
    # tablets whose excipients are not given contain lactose (US and UK labels)
    [finding] = plan_order(make_order(patient={"allergies": [allergy]})).findings
    assert (finding.code, finding.severity.value) == ("LACTOSE_ALLERGY", "warning")
    assert "the naltrexone tablets" in finding.message
    # lactose-free tablets and MCC: no lactose in the batch, nothing to say
    lactose_free = make_order(patient={"allergies": [allergy]},
                              source={"excipients": ["crospovidone", "magnesium stearate"]})
    assert plan_order(lactose_free).findings == []


def test_galactosaemia_and_intolerance_name_the_source_of_lactose():
    order = make_order(patient={"conditions": ["galactosaemia", "lactose intolerant"]},
                       source={"excipients": ["crospovidone"]},
                       filler={"name": "MCC/lactose blend", "pack_stat": "200 mg"})
    findings = plan_order(order).findings
    assert [f.code for f in findings] == ["FILLER_LACTOSE", "LACTOSE_ALLERGY",
                                          "LACTOSE_INTOLERANCE"]
    assert all("the filler “MCC/lactose blend”" in f.message for f in findings[1:])


@pytest.mark.parametrize("condition", ["nursing home resident", "retired nursing assistant",
                                       "Child-Pugh B cirrhosis", "no severe liver disease"])
def test_near_misses_raise_nothing(condition):
    # "nursing home resident" raised a pregnancy warning
    assert plan_order(make_order(patient={"conditions": [condition]})).findings == []
