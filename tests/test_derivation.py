"""The working shown with every number (domain.md §3): each result matches the plan."""

from __future__ import annotations

from compounding.formulation.derivation import explain
from compounding.plan import plan_of, work_out

from .helpers import make_order


def rows(order):
    return {s.name: (s.formula, s.working, s.result) for s in explain(work_out(order))}


def test_domain_worked_example():
    r = rows(make_order())
    assert r["Capsules required"] == ("N = n + e", "30 + 2", "32 capsules")
    assert r["Tablets to crush"] == ("T = ⌈N × d / S⌉", "⌈32 × 4.5 / 50⌉ = ⌈2.88⌉", "3 tablets")
    assert r["Tablet powder per capsule"] == ("p = d × W / S", "4.5 × 250 / 50", "22.5 mg")
    assert r["Filler per capsule"] == ("f = F − p / DF", "130 − 22.5 / 1", "107.5 mg")
    assert r["Fill weight per capsule"] == ("w = p + f", "22.5 + 107.5", "130 mg")
    assert r["Capsule equivalents"] == ("C = T × S / d", "3 × 50 / 4.5", "33.333 (= 100/3)")
    assert r["Capsules to fill"][2] == "33 capsules"
    assert r["Filler"] == ("C × f", "33.333 (= 100/3) × 107.5", "3583.333 (= 10750/3) mg")
    assert r["QC range per capsule"][2] == "117 to 143 mg"


def test_percent_overage_base_salt_and_density():
    r = rows(make_order(overage={"percent": 5, "capsules": None}, strength_basis="base",
                        filler={"pack_stat": None, "density": "0.45 g/mL"}))
    assert r["Overage"] == ("e = ⌈n × pct / 100⌉", "⌈30 × 5 / 100⌉ = ⌈1.5⌉", "2 capsules")
    assert r["Strength as naltrexone HCl"][1] == "4.5 × 377.87 / 341.41"
    assert r["Filler alone per capsule"] == ("F = density × volume × 1000",
                                             "0.45 g/mL × 0.3 mL × 1000", "135 mg")


def test_exact_portion():
    r = rows(make_order(method="exact_portion"))
    assert r["Tablet powder to weigh out"] == ("N × p", "32 × 22.5", "720 mg")
    assert r["Naltrexone in batch"] == ("N × d", "32 × 4.5", "144 mg")


def test_results_match_the_plan():
    worked = work_out(make_order(strength="2.7 mg", quantity=47))
    plan = plan_of(worked)
    r = {s.name: s.result for s in explain(worked)}
    assert r["Tablets to crush"] == f"{plan.tablets} tablets"
    assert r["Capsules to fill"] == f"{plan.capsules_to_fill} capsules"
    assert r["Blend"].startswith(f"{float(plan.blend_total):.3f}")
