"""Minimum weighable quantity (domain.md §3 step 6; UNC lab: 6 mg ÷ 5 % = 120 mg)."""

from __future__ import annotations

from compounding import Settings, plan_order

from .helpers import make_order


def mwq(plan):
    return [(f.field, f.message.split(",")[0]) for f in plan.findings
            if f.code == "BELOW_MINIMUM_WEIGHABLE"]


def test_exact_portion_below_mwq_proposes_whole_tablets():
    # 0.5 mg × 32 capsules: N·p = 32 × 2.5 = 80 mg of powder < 120 mg.
    plan = plan_order(make_order(strength="0.5 mg", method="exact_portion"))
    assert mwq(plan) == [("method", "Tablet powder to weigh")]
    assert "whole_tablets" in plan.findings[-1].message and "aliquot" in plan.findings[-1].message


def test_whole_tablets_same_order_is_fine():
    # whole_tablets: 1 tablet, 250 mg of powder ≥ 120 mg.
    assert mwq(plan_order(make_order(strength="0.5 mg"))) == []


def test_small_capsule_fill_below_mwq():
    # chart size 4: w = 110 mg < 120 mg; a balance with MWQ 50 mg is fine.
    order = make_order(capsule={"size": "4"}, filler={"pack_stat": None})
    assert mwq(plan_order(order)) == [("capsule.size", "Each capsule's fill")]
    assert mwq(plan_order(order, Settings(minimum_weighable_quantity="50 mg"))) == []


def test_at_mwq_is_fine():
    # exactly 120 mg is weighable: 0.75 mg × 32 × 5 = 120 mg.
    assert mwq(plan_order(make_order(strength="0.75 mg", method="exact_portion"))) == []
