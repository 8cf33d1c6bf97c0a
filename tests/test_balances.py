"""Several balances, weighing in portions, capsule machines in runs: worked by hand.

The high-volume pharmacy (samples/high-volume.toml) has an analytical balance (readability
0.1 mg, minimum weighable quantity 20 mg, capacity 220 g), a prescription balance (1 mg, 120 mg,
120 g) and a top-loading balance (10 mg, 1 g, 4 kg), and a 300-hole capsule machine. Each
weighing takes the most precise balance whose MWQ ≤ mass ≤ capacity (USP <1251>).
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from compounding import OrderError, Plan, plan_order
from compounding.formulary import Formulary, FormularyEntry
from compounding.formulary.seeds import seeded
from compounding.profile import load_profile
from compounding.settings import Settings

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
HIGH = load_profile((SAMPLES / "high-volume.toml").read_text(encoding="utf-8")).settings
ORDER = {**json.loads((SAMPLES / "high-volume-4.5mg.order.json").read_text(encoding="utf-8")),
         "compounded_on": "2026-11-22"}


def capsules(order: dict, settings: Settings) -> Plan:
    plan = plan_order(order, settings)
    assert isinstance(plan, Plan)
    return plan


def test_2500_capsules_of_4_5_mg_plan_on_three_balances_and_a_300_hole_machine():
    """4.5 mg × 2 500 + 2 % = 2 550 required, size 00, DF 1.25, W 250 mg: whole tablets
    ⌈2 550 × 4.5 / 50⌉ = 230 fill ⌊11 500 / 4.5⌋ = 2 555 capsules (5 surplus, within 255);
    fill weight 454.5 mg, of which p = 4.5 × 250 / 50 = 22.5 mg is powder and f = 432 mg
    filler; filler C × f = (11 500 / 4.5) × 432 = 1 104 000 mg. The 57.5 g of powder goes on
    the analytical balance (within 20 mg-220 g, finest), the 1 104 g of filler on the
    top-loading one. ⌈2 555 ÷ 300⌉ = 9 runs: 8 × 300 and 155, each
    run's blend 300 × 454.5 = 136.35 g (the last 155 × 454.5 = 70.4475 g), 10 capsules weighed
    from each."""
    plan = capsules(ORDER, HIGH)
    assert (plan.method, plan.tablets, plan.capsules_required, plan.capsules_to_fill) == (
        "whole_tablets", 230, 2550, 2555)
    assert plan.fill_weight == Fraction(909, 2) and plan.filler_total == 1_104_000
    assert [(w.what, w.mass, w.balance, w.readability) for w in plan.weighings or []] == [
        ("tablet powder", 57_500, "analytical", Fraction(1, 10)),
        ("filler", 1_104_000, "top-loading", 10)]
    assert plan.machine == "300-hole capsule filler"
    runs = plan.runs or []
    assert len(runs) == 9 and [r.capsules for r in runs] == [300] * 8 + [155]
    assert runs[0].blend == Fraction(272_700, 2) and runs[-1].blend == Fraction(140_895, 2)
    assert {r.qc_sample for r in runs} == {10}
    assert sum(r.capsules for r in runs) == plan.capsules_to_fill


def test_one_prescription_balance_refuses_it_naming_the_largest_batch():
    """120 g ÷ 454.5 mg = 264.03: at most 264 capsules at one weighing."""
    with pytest.raises(OrderError) as raised:
        capsules(ORDER, Settings())
    [error] = [e for e in raised.value.errors if e.code == "BATCH_TOO_LARGE"]
    assert "at most 264 capsules" in error.message and "120 g" in error.message


def test_weighing_in_portions_when_the_record_allows_it():
    """The one 120 g balance, and a record that allows portions: the 1 104 g of filler is
    weighed in ⌈1 104 ÷ 120⌉ = 10 equal portions of 110.4 g; the 57.5 g of powder whole."""
    base = Formulary.built_in().current("LDN-CAPS-TAB-MCC")
    assert base is not None
    allowed = type(base.mfr).model_validate({**base.mfr.model_dump(), "version": 2,
                                             "weigh_in_portions": True})
    entries = [FormularyEntry.of(m, "built_in") for m in seeded()
               if m.id != "LDN-CAPS-TAB-MCC"] + [FormularyEntry.of(allowed, "built_in")]
    plan = capsules(ORDER, Settings(formulary=tuple(entries)))
    filler = next(w for w in plan.weighings or [] if w.what == "filler")
    assert (filler.portions, filler.mass / filler.portions) == (10, 110_400)


def test_an_analytical_balance_weighs_directly_what_the_prescription_balance_triturates():
    """1.5 mg × 30 + 2 from powder of assay 99.2 %: 32 × 1.5 ÷ 0.992 = 48.387 mg, under the
    prescription balance's 120 mg (a trituration) but over the analytical balance's 20 mg:
    weighed directly, an exact portion, on the analytical balance."""
    order = {"strength": "1.5 mg", "quantity": 30, "overage": {"capsules": 2},
             "capsule": {"size": "3"}, "compounded_on": "2026-11-22",
             "source": {"kind": "api_powder", "assay": "99.2 %", "lot": "A1",
                        "expiry": "2028-01-31"}}
    assert capsules(order, Settings()).method == "trituration"
    plan = capsules(order, HIGH)
    assert plan.method == "exact_portion"
    powder = (plan.weighings or [])[0]
    assert (powder.balance, powder.mass) == ("analytical", Fraction(48, 1) / Fraction(992, 1000))


def test_a_balance_whose_check_is_overdue_is_a_warning():
    """Checked on 2 November with a 30-day interval: on 5 December it is 33 days old."""
    plan = capsules({**ORDER, "compounded_on": "2026-12-05"}, HIGH)
    overdue = [f for f in plan.findings if f.code == "BALANCE_CHECK_OVERDUE"]
    assert {f.field for f in overdue} == {"balances[0].checked_on", "balances[2].checked_on"}
    assert not [f for f in capsules(ORDER, HIGH).findings if f.code == "BALANCE_CHECK_OVERDUE"]


def test_hand_filling_without_a_machine_for_the_size():
    plan = capsules({**ORDER, "capsule": {"size": "5"}, "quantity": 100, "density_factor": 1,
                     "filler": {"pack_stat": "60 mg"}}, HIGH)
    assert plan.machine is None and plan.runs is None


def test_a_batch_in_runs_is_entered_run_by_run_and_reconciled_on_all_of_them():
    """500 capsules + 2 % on a 300-hole machine: two runs, a full plate and the rest; the bench
    enters each run's capsules and at least 10 weights of each; the batch's capsules made and
    weights are their sum and concatenation."""
    from compounding.bench.reconciliation import reconcile
    from compounding.bench.results import BenchEntry
    from compounding.orders.reading import parse_order

    order = parse_order({"strength": "4.5 mg", "quantity": 500, "capsule": {"size": "3"},
                         "compounded_on": "2026-11-22",
                         "source": {"average_tablet_weight": "250 mg", "lot": "T1",
                                    "expiry": "2028-01-31"},
                         "filler": {"lot": "F1", "expiry": "2028-01-31"}})
    plan = capsules(order.model_dump(mode="json"), HIGH)
    rest = plan.capsules_to_fill - 300
    assert [r.capsules for r in plan.runs or []] == [300, rest]
    w = plan.fill_weight
    runs = [{"capsules_made": 300, "capsule_weights": [str(w) + " mg"] * 10},
            {"capsules_made": rest, "capsule_weights": [str(w) + " mg"] * 10}]
    common = {"tablets_used": plan.tablets, "tablet_powder_actual": f"{plan.tablet_powder} mg",
              "filler_actual": f"{float(plan.filler_total):.3f} mg", "source_lot": "T1",
              "source_expiry": "2028-01-31", "filler_lot": "F1", "filler_expiry": "2028-01-31",
              "capsule_lot": "C1", "capsule_expiry": "2028-01-31",
              "compounded_at": "2026-11-22T09:00:00-06:00",
              "balances_used": [{"weighing": "filler", "balance": "top-loading"}]}
    entry = BenchEntry.model_validate({**common, "runs": runs})
    assert (entry.capsules_made, len(entry.capsule_weights)) == (plan.capsules_to_fill, 20)
    result = reconcile(entry, plan, order, HIGH)
    assert not [f for f in result.findings if f.severity.rank == 2]
    short = BenchEntry.model_validate({**common, "runs": [runs[0], {
        "capsules_made": rest, "capsule_weights": [str(w) + " mg"] * 4}]})
    with pytest.raises(OrderError) as raised:
        reconcile(short, plan, order, HIGH)
    assert {e.field for e in raised.value.errors} == {"runs[1].capsule_weights"}
    unknown = BenchEntry.model_validate({**common, "runs": runs, "balances_used": [
        {"weighing": "filler", "balance": "kitchen scale"}]})
    with pytest.raises(OrderError) as raised:
        reconcile(unknown, plan, order, HIGH)
    assert "kitchen scale" in raised.value.errors[0].message
