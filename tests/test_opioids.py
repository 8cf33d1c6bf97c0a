"""Opioid co-administration (domain.md §4; naltrexone labels: DailyMed, UK SmPC, Medsafe)."""

from __future__ import annotations

import pytest

from compounding import plan_order
from compounding.opioids import INGREDIENTS, match_medication

from .helpers import make_order

ALL_NAMES = [(ing.name, name) for ing in INGREDIENTS for name in ing.names]


@pytest.mark.parametrize(("ingredient", "name"), ALL_NAMES, ids=[n for _, n in ALL_NAMES])
def test_every_table_name_matches_its_ingredient(ingredient, name):
    for written in (name, name.upper(), f"  {name.title()} 10 mg tablet ", f"{name}/APAP"):
        assert ingredient in [m.ingredient.name for m in match_medication(written)], written


@pytest.mark.parametrize(
    ("entry", "ingredients"),
    [
        ("Percocet 5/325 mg", ["oxycodone"]),
        ("Tylenol #3", ["codeine"]),
        ("Tylenol No. 4", ["codeine"]),
        ("TYLENOL3", ["codeine"]),
        ("Tylenol with Codeine", ["codeine"]),
        ("Fioricet with Codeine 50/300/40", ["codeine"]),
        ("promethazine-codeine syrup", ["codeine"]),
        ("MS-Contin 30mg", ["morphine"]),
        ("Oxy Contin 20 mg", ["oxycodone"]),
        ("hydrocodone/APAP 10-325", ["hydrocodone"]),
        ("Suboxone 8 mg/2 mg film", ["buprenorphine"]),
        ("Ultracet", ["tramadol"]),
        ("kratom powder", ["kratom (mitragynine)"]),
        ("Lomotil 2.5 mg", ["diphenoxylate"]),
        ("Imodium A-D", ["loperamide"]),
    ],
)
def test_matches(entry, ingredients):
    assert [m.ingredient.name for m in match_medication(entry)] == ingredients


@pytest.mark.parametrize(
    "entry",
    ["Tylenol 500 mg", "Tylenol", "Tylenol 325 mg", "codeine-free cough syrup", "Codeine free",
     "naloxone 4 mg nasal spray", "Narcan", "dextromethorphan 30 mg", "Robitussin DM",
     "sertraline 50 mg", "hydroxyzine", "morphology", "Fioricet", "no codeine", "naltrexone"],
)
def test_no_false_alarms(entry):
    assert match_medication(entry) == ()


def test_finding_for_agonist():
    plan = plan_order(make_order(concurrent_medications=["sertraline", "Percocet 5/325 mg"]))
    [finding] = plan.findings
    assert (finding.code, finding.severity.value, finding.field) == (
        "OPIOID_COADMINISTRATION", "critical", "concurrent_medications[1]")
    assert "oxycodone" in finding.message and "7-10 days" in finding.message
    assert "dangerous" in finding.message


@pytest.mark.parametrize("entry", ["methadone 40 mg", "Suboxone", "Butrans patch"])
def test_long_washout(entry):
    [finding] = plan_order(make_order(concurrent_medications=[entry])).findings
    assert "2 weeks" in finding.message


def test_antidiarrheal_is_a_warning():
    [finding] = plan_order(make_order(concurrent_medications=["loperamide 2 mg"])).findings
    assert (finding.code, finding.severity.value) == ("OPIOID_ANTIDIARRHEAL", "warning")


def test_combination_names_each_ingredient_once():
    [finding] = plan_order(make_order(
        concurrent_medications=["oxycodone + Percocet + Roxicodone"])).findings
    assert "” contains oxycodone, an opioid agonist" in finding.message
