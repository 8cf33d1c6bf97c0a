"""Dose rules (domain.md §4; bands: Toljan & Vrooman, Med Sci 2018; paediatric: Smith 2013)."""

from __future__ import annotations

import pytest

from compounding import plan_order

from .helpers import make_order


def finding_codes(order):
    return [(f.code, f.severity.value, f.field) for f in plan_order(order).findings]


@pytest.mark.parametrize(
    ("strength", "expected"),
    [
        ("0.001 mg", [("DOSE_VERY_LOW", "warning", "strength")]),   # lower edge of very-low
        ("0.999 mg", [("DOSE_VERY_LOW", "warning", "strength")]),
        ("1 mg", []),                                               # LDN 1-5 mg: nothing
        ("4.5 mg", []),
        ("5 mg", []),                                               # 5 mg itself is LDN
        ("5.001 mg", [("DOSE_ABOVE_LDN", "critical", "strength")]),
        ("20 mg", [("DOSE_ABOVE_LDN", "critical", "strength")]),
        ("49.999 mg", [("DOSE_ABOVE_LDN", "critical", "strength")]),
    ],
    ids=["0.001", "0.999", "1", "4.5", "5", "5.001", "20", "49.999"],
)
def test_dose_band_findings(strength, expected):
    # light tablets and size 000 let 50 mg capsules fit; 100 capsules keep the blend
    # (102 × 725 mg = 74 g) within the balance's 120 g (300 made 219 g: BATCH_TOO_LARGE)
    order = make_order(strength=strength, source={"average_tablet_weight": "60 mg"},
                       filler={"pack_stat": "725 mg"}, capsule={"size": "000"}, quantity=100)
    got = [c for c in finding_codes(order) if c[0].startswith("DOSE")]
    assert got == expected


@pytest.mark.parametrize(
    ("strength", "code"),
    [("0.0009 mg", "DOSE_ULTRA_LOW"), ("0.9 mcg", "DOSE_ULTRA_LOW"), ("50 mg", "DOSE_STANDARD"),
     ("75 mg", "DOSE_STANDARD")],
    ids=["0.0009mg", "0.9mcg", "50mg", "75mg"],
)
def test_dose_band_errors(errors_of, strength, code):
    errors = errors_of(make_order(strength=strength))
    assert (code, "strength") in {(e["code"], e["field"]) for e in errors}


def test_daily_dose_counts_every_dose():
    # 3 mg twice a day = 6 mg daily: above LDN, and LDN is once daily.
    got = finding_codes(make_order(strength="3 mg", doses_per_day=2))
    assert ("DOSE_ABOVE_LDN", "critical", "doses_per_day") in got
    assert ("DOSE_MULTIPLE_DAILY", "warning", "doses_per_day") in got
    assert finding_codes(make_order(strength="2 mg", doses_per_day=2)) == [
        ("DOSE_MULTIPLE_DAILY", "warning", "doses_per_day")]


@pytest.mark.parametrize(
    ("patient", "strength", "expected"),
    [
        # 12 years, 30 kg: limit min(0.1 × 30, 4.5) = 3 mg. 3 mg: fine; 3.5 mg: critical.
        ({"date_of_birth": "2014-06-01", "weight": "30 kg"}, "3 mg", []),
        ({"date_of_birth": "2014-06-01", "weight": "30 kg"}, "3.5 mg",
         [("PEDIATRIC_DOSE_HIGH", "critical", "strength")]),
        # 17 years, 80 kg: 0.1 × 80 = 8, capped at 4.5 mg. 4.5: fine; 5 mg: critical.
        ({"date_of_birth": "2009-11-23", "weight": "80 kg"}, "4.5 mg", []),
        ({"date_of_birth": "2009-11-23", "weight": "80 kg"}, "5 mg",
         [("PEDIATRIC_DOSE_HIGH", "critical", "strength")]),
        # weight in pounds: 44 lb = 19.958 kg, limit 1.9958 mg; 2 mg is above it
        ({"date_of_birth": "2016-01-01", "weight": "44 lb"}, "2 mg",
         [("PEDIATRIC_DOSE_HIGH", "critical", "strength")]),
        # under 18 without weight: warning
        ({"date_of_birth": "2015-01-01"}, "1 mg",
         [("PEDIATRIC_NO_WEIGHT", "warning", "patient.weight")]),
        # 18 today (born 2008-11-22, compounded 2026-11-22): an adult
        ({"date_of_birth": "2008-11-22"}, "4.5 mg", []),
    ],
    ids=["12y-at-limit", "12y-above", "17y-cap", "17y-above-cap", "pounds", "no-weight",
         "18th-birthday"],
)
def test_pediatric(patient, strength, expected):
    assert finding_codes(make_order(patient=patient, strength=strength)) == expected


def test_future_birth_date(errors_of):
    errors = errors_of(make_order(patient={"date_of_birth": "2027-01-01"}))
    assert [(e["code"], e["field"]) for e in errors] == [
        ("FUTURE_BIRTH_DATE", "patient.date_of_birth")]
