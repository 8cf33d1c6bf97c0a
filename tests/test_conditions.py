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
