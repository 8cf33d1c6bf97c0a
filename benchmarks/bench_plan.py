"""Speed of the batch engine, against baselines measured in the same run.

1. ``plan_order`` on the usual order (4.5 mg × 30) with five concurrent medications: median and
   p95 per call; target median ≤ 1 ms.
2. The same formulas in plain floats, no validation, no rules: the floor it could approach.
   Then ``plan_order`` for 0.1 mg and 0.001 mg capsules, which the automatic method makes by a
   one- and a two-stage trituration; target median ≤ 1 ms.
   The oral liquid beside the capsules: 4.5 mg nightly for 30 days at 1 mg/mL (an exact
   portion of the powder of 3 tablets) against 4.5 mg × 30 capsules, the same patient, source
   and five concurrent medications; target median ≤ 1 ms.
   A 10 000-capsule batch on three balances and a capsule machine (34 runs) against a 30-capsule
   one on the same equipment; target ≤ 2 × its time.
3. Cold start of ``compounding plan ORDER.json`` as a process, next to the cold cost of
   ``import pint; pint.UnitRegistry()`` (pint's full default registry) and of
   ``from pydantic import BaseModel`` (the floor any pydantic program starts from); targets
   ≤ 0.25 s median and ≤ 0.5 × the bare registry. Reading an order never imports pint: the
   closed unit list is exact factors that tests check against pint's registry of ``units.txt``.

Run: ``python benchmarks/bench_plan.py``. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import PYTHON, percentile, report, time_calls, time_process, verdict

from compounding import plan_order

ROOT = Path(__file__).resolve().parent.parent
ORDER = json.loads((ROOT / "samples" / "usual-4.5mg.order.json").read_text(encoding="utf-8"))
ORDER["concurrent_medications"] = ["sertraline 50 mg", "Percocet 5/325 mg", "levothyroxine 50 mcg",
                                   "Tylenol 500 mg", "loperamide 2 mg"]
LIQUID = {"form": "oral_liquid", "strength": "4.5 mg", "days_supply": 30,
          "directions": "Take 4.5 mL (4.5 mg) by mouth at bedtime",
          **{key: ORDER[key] for key in ("source", "rx_number", "lot_number", "patient",
                                         "prescriber", "refills", "concurrent_medications")}}
"""The usual order as an oral liquid: 4.5 mg nightly for 30 days at 1 mg/mL."""


def float_formulas(d=4.5, n=30, e=2, S=50.0, W=250.0, F=130.0, DF=1.0):
    """domain.md §3 in floats: what a spreadsheet does (and where it goes wrong)."""
    N = n + e
    T = math.ceil(N * d / S)
    p = d * W / S
    f = F - p / DF
    w = p + f
    C = T * S / d
    return T, math.floor(C), T * W, C * f, C * w, 0.9 * w, 1.1 * w


def liquid_beside_capsules() -> bool:
    """The oral liquid's plan beside the capsules' (same patient, source, medications)."""
    print("\nplan_order: the oral liquid beside the capsules (4.5 mg × 30 days)")
    plan = plan_order(LIQUID)
    assert (plan.method, plan.volume, plan.batch_volume) == ("exact_portion", 135,
                                                             Fraction(567, 4)), plan
    capsules = time_calls(lambda: plan_order(ORDER), runs=3000)
    liquid = time_calls(lambda: plan_order(LIQUID), runs=3000)
    dumped = time_calls(lambda: plan_order(LIQUID).model_dump(mode="json"), runs=3000)
    capsule = report("  capsules: 4.5 mg × 30", capsules, "ms")
    median = report("  oral liquid: 4.5 mL (4.5 mg) × 30 days", liquid, "ms")
    report("  oral liquid + model_dump(mode='json')", dumped, "ms")
    print(f"  the liquid takes {median / capsule:.2f} × the capsules' time "
          f"(p95 {percentile(liquid, 95) / percentile(capsules, 95):.2f} ×)")
    return verdict("oral liquid median ≤ 1 ms", median <= 1e-3, f"{median * 1e3:.3f} ms")


def production_scale() -> bool:
    """A 10 000-capsule batch on the high-volume pharmacy's balances and machine (runs and a
    balance per weighing) against a 30-capsule one on the same equipment."""
    from compounding.profile import load_profile

    print("\nplan_order at production scale (samples/high-volume.toml: three balances, a "
          "300-hole machine)")
    settings = load_profile((ROOT / "samples" / "high-volume.toml")
                            .read_text(encoding="utf-8")).settings
    large = {**json.loads((ROOT / "samples" / "high-volume-4.5mg.order.json")
                          .read_text(encoding="utf-8")), "quantity": 10_000,
             "capsule": {"size": "0"}}
    small = {**large, "quantity": 30}
    plan = plan_order(large, settings)
    assert len(plan.runs or []) == 34, plan.runs
    few = report("  30 capsules", time_calls(lambda: plan_order(small, settings), runs=2000),
                 "ms")
    many = report("  10 000 capsules (34 runs)",
                  time_calls(lambda: plan_order(large, settings), runs=2000), "ms")
    print(f"  10 000 capsules take {many / few:.2f} × the 30 capsules' time")
    return verdict("10 000 capsules ≤ 2 × 30 capsules", many <= 2 * few,
                   f"{many / few:.2f} ×")


def main() -> int:
    ok = True
    print("plan_order (usual order, five concurrent medications)")
    plan = plan_order(ORDER)
    assert len(plan.findings) == 2, plan.findings
    engine = report("  plan_order", time_calls(lambda: plan_order(ORDER), runs=3000), "ms")
    dumped = report("  plan_order + model_dump(mode='json')",
                    time_calls(lambda: plan_order(ORDER).model_dump(mode="json"), runs=3000),
                    "ms")
    floats = report("  baseline: the formulas in plain floats",
                    time_calls(float_formulas, runs=3000), "ms")
    print(f"  plan_order costs {engine / floats:,.0f} × the bare float formulas "
          f"(validation, exact fractions, every rule)")
    ok &= verdict("plan_order median ≤ 1 ms", engine <= 1e-3, f"{engine * 1e3:.3f} ms")
    ok &= verdict("with JSON output ≤ 1 ms", dumped <= 1e-3, f"{dumped * 1e3:.3f} ms")

    print("\nplan_order with a trituration (the automatic method tries all three)")
    for strength, stages in (("0.1 mg", 1), ("0.001 mg", 2)):
        order = {**ORDER, "strength": strength, "method": "auto"}
        assert len(plan_order(order).trituration or []) == stages
        median = report(f"  {strength}: {stages} stage{'s' if stages > 1 else ''}",
                        time_calls(lambda order=order: plan_order(order), runs=2000), "ms")
        ok &= verdict(f"{strength} median ≤ 1 ms", median <= 1e-3, f"{median * 1e3:.3f} ms")

    ok &= liquid_beside_capsules()
    ok &= production_scale()

    print("\nplan_order with directions text read by the grammar "
          "(compounding/screening/sigtext.py)")
    texts = {"once daily": "Take 1 capsule by mouth at bedtime",
             "weekly titration": "Start 1 capsule nightly, increase weekly by one capsule to "
                                 "4 capsules nightly; may take an additional capsule in the "
                                 "morning if needed"}
    for name, text in texts.items():
        order = {**ORDER, "directions": text}
        median = report(f"  {name}", time_calls(lambda order=order: plan_order(order),
                                                 runs=2000), "ms")
        ok &= verdict(f"{name} median ≤ 1 ms", median <= 1e-3, f"{median * 1e3:.3f} ms")
        print(f"    {median / engine:.2f} × plan_order without a text")

    print("\ncold start (whole process, 15 runs each, interleaved order of runs)")
    # the console script installed beside this interpreter (a version manager's shim on PATH
    # would add its own start-up to the command's)
    script = Path(PYTHON).with_name("compounding")
    exe = str(script) if script.exists() else shutil.which("compounding")
    command = [exe] if exe else [PYTHON, "-m", "compounding.cli"]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(ORDER, handle)
    bare, floor, cli = [], [], []
    for _ in range(15):
        bare += time_process([PYTHON, "-c", "import pint; pint.UnitRegistry()"], 1)
        floor += time_process([PYTHON, "-c", "from pydantic import BaseModel"], 1)
        cli += time_process([*command, "plan", handle.name], 1)
    Path(handle.name).unlink()
    baseline = report("  baseline: import pint; pint.UnitRegistry()", bare, "s")
    report("  floor: from pydantic import BaseModel", floor, "s")
    started = report("  compounding plan ORDER.json", cli, "s")
    ratio = started / baseline
    ok &= verdict("cold start ≤ 0.5 × bare pint registry", ratio <= 0.5, f"{ratio:.2f} ×")
    ok &= verdict("cold start median ≤ 0.25 s", started <= 0.25, f"{started:.3f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
