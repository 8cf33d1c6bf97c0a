"""The dosage-form interface: capsules implement it, and planning, the worksheet's steps, the
bench's fields, reconciliation and the label's product line are reached through it."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from compounding import OrderError, plan_order
from compounding.display import show
from compounding.forms import DosageForm, form_of
from compounding.plan import work_out
from compounding.settings import DEFAULT_SETTINGS

TABLETS = {"strength": "4.5 mg", "quantity": 30, "overage": {"capsules": 2},
           "capsule": {"size": "3"}, "source": {"average_tablet_weight": "250 mg"},
           "filler": {"pack_stat": "130 mg"}}
POWDER = {**TABLETS, "strength": "1.5 mg",
          "source": {"kind": "api_powder", "assay": "99.2 %", "lot": "A3317",
                     "expiry": "2028-11"}}


def test_capsules_implement_the_interface():
    capsules = form_of("capsules")
    assert isinstance(capsules, DosageForm) and capsules.name == "capsules"
    liquids = form_of("oral_liquid")
    assert isinstance(liquids, DosageForm) and liquids.name == "oral_liquid"
    with pytest.raises(KeyError):
        form_of("suppositories")  # a form the workbench does not make


def test_an_order_names_a_form_the_workbench_makes():
    with pytest.raises(OrderError) as caught:
        plan_order({**TABLETS, "form": "suppository"})
    assert [e.field for e in caught.value.errors] == ["form"]


def test_the_worksheet_steps_come_from_the_form():
    worked = work_out(POWDER)
    steps = form_of("capsules").preparation(worked, "20261122-001", lambda m: f"{show(m)} mg")
    # stage 1: one 120 mg unit of powder (119.04 mg of drug) to 595.2 mg at 200 mg/g
    assert steps[0].startswith("Trituration 1 (200 mg/g): weigh 120 mg of naltrexone HCl "
                               "powder (assay as is 99.2 %)")
    assert "lot 20261122-001-T1" in steps[0] and "crush" not in " ".join(steps).casefold()
    assert steps[-2:] == ["Weigh 240 mg of trituration 1 for this batch.",
                          "Weigh 3920 mg of microcrystalline cellulose."]
    tablets = form_of("capsules").preparation(work_out(TABLETS), "L1", lambda m: f"{show(m)} mg")
    assert tablets[0].startswith("Crush 3 tablets in a clean mortar")


def test_the_bench_fields_follow_the_source():
    capsules = form_of("capsules")
    tablet_fields = [f.name for f in capsules.bench_fields(plan_order(TABLETS))]
    assert tablet_fields[:2] == ["tablets_used", "tablet_powder_actual"]
    powder = capsules.bench_fields(plan_order(POWDER))
    assert "tablets_used" not in [f.name for f in powder]
    assert powder[0].label == "Naltrexone HCl powder, actual" and powder[0].unit == "mg"
    assert "aliquot_actual" in [f.name for f in powder]  # a trituration's aliquot


def test_quality_control_and_the_label_line():
    plan = plan_order(TABLETS)
    capsules = form_of("capsules")
    # w = 130 mg: 90 % = 117, 110 % = 143 (the QC range, rounded inward to 1 mg)
    assert capsules.quality_control(plan)[0] == (
        "Weigh 10 capsules one by one: each net fill weight 117–143 mg (90–110 % of 130 mg).")
    assert "4.5 mg" in capsules.product_line(plan)


def test_reconciliation_is_the_forms(compounding_day):

    from compounding.bench.results import BenchEntry

    plan = plan_order(TABLETS)
    order = work_out(TABLETS).order
    entry = BenchEntry.model_validate({
        "tablets_used": 3, "tablet_powder_actual": "750 mg", "filler_actual": "3540 mg",
        "capsules_made": 33, "capsule_weights": ["130 mg"] * 10,
        "compounded_at": "2026-11-22T10:00:00-06:00",
        "source_lot": "N1", "source_expiry": "2028-01", "filler_lot": "F1",
        "filler_expiry": "2028-01", "capsule_lot": "C1", "capsule_expiry": "2028-01"})
    made = form_of("capsules").reconcile(entry, plan, order, DEFAULT_SETTINGS)
    # 750 mg of powder × d/p = 750 × 4.5/22.5 = 150 mg of drug in 750 + 3540 = 4290 mg of
    # blend; a capsule of w = 130 mg holds 150 × 130 / 4290 = 4.545 mg
    assert made.strength_made == F(150 * 130, 4290)
