"""Speed of what pharmacy systems call, against baselines measured in the same run.

1. A FHIR MedicationRequest → its order and plan: the structure checked with ``fhir.resources``,
   mapped, validated and planned, as ``POST /api/v1/fhir/MedicationRequest`` does it (HTTP
   aside): median ≤ 5 ms. Baseline: ``plan_order`` of the same order given as API v1 JSON.
   Beside it, an oral suspension's MedicationRequest (4.5 mL of 1 mg/mL nightly for 30 days):
   same target.
2. 500 dispensing labels as ZPL (content made, then laid out and written), each round with the
   wrapping caches cleared: ≥ 5 000 labels/s.
   Baseline: writing the same strings into one ZPL field each, with no layout.

Run: ``python benchmarks/bench_integration.py``. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _timing import report, time_calls, verdict

from compounding.bench.labeling import label_content
from compounding.documents.zpl import _em, _wrapped, label_zpl
from compounding.interop.fhir import order_from_medication_request
from compounding.orders.reading import parse_order
from compounding.plan import plan_order
from compounding.web.fhir_api import _checked
from tests.helpers import make_order
from tests.test_fhir import REQUEST
from tests.test_label import LABELLED, PROFILE
from tests.test_liquid_fhir import REQUEST as LIQUID_REQUEST

PHARMACY = {"capsule": {"size": "3"}, "source": {"average_tablet_weight": "250 mg"},
            "filler": {"pack_stat": "130 mg"}, "compounded_on": "2026-11-22"}


def fhir_to_plan() -> None:
    _checked(REQUEST)
    plan_order(parse_order(order_from_medication_request(REQUEST, PHARMACY)))


ORDER = order_from_medication_request(REQUEST, PHARMACY)


def plain_plan() -> None:
    plan_order(parse_order(ORDER))


def liquid_to_plan() -> None:
    _checked(LIQUID_REQUEST)
    plan_order(order_from_medication_request(LIQUID_REQUEST, PHARMACY))


def main() -> int:
    ok = True
    print("1. FHIR MedicationRequest → order and plan")
    fhir = report("fhir.resources check + mapping + plan", time_calls(fhir_to_plan, runs=300))
    plain = report("baseline: plan_order of the same order", time_calls(plain_plan, runs=300))
    print(f"   the FHIR path costs {fhir / plain:.1f}x the plain plan")
    ok &= verdict("FHIR → plan", fhir <= 5e-3, f"{fhir * 1e3:.2f} ms (target 5 ms)")
    liquid = report("the same for an oral suspension", time_calls(liquid_to_plan, runs=300))
    print(f"   the liquid's FHIR path costs {liquid / fhir:.2f}x the capsules'")
    ok &= verdict("FHIR → liquid plan", liquid <= 5e-3, f"{liquid * 1e3:.2f} ms (target 5 ms)")

    print("2. 500 ZPL labels")
    orders = [parse_order(make_order(**LABELLED | {"rx_number": f"{100000 + i}",
                                                   "patient": {"name": f"Patient {i}"}}))
              for i in range(500)]
    contents = [label_content(o, plan_order(o, PROFILE.settings), PROFILE.pharmacy)
                for o in orders]
    rates, floors = [], []
    for _ in range(7):
        _wrapped.cache_clear()  # each round starts cold: only the batch's own repeats help
        _em.cache_clear()
        start = time.perf_counter()
        for content in contents:
            label_zpl(content, "4x2", 203)
        rates.append(500 / (time.perf_counter() - start))
        start = time.perf_counter()
        for c in contents:
            "".join(f"^XA^FO0,0^A0N,20,20^FD{text}^FS^XZ" for text in (
                c.patient, c.drug, c.directions, c.quantity, c.refills, c.prescriber, c.lot,
                *c.cautions))
        floors.append(500 / (time.perf_counter() - start))
    rate, floor = statistics.median(rates), statistics.median(floors)
    print(f"label_zpl (layout and ZPL)                       {rate:9.0f} labels/s")
    print(f"baseline: the strings into fields, no layout     {floor:9.0f} labels/s "
          f"({rate / floor:.0%} of it)")
    ok &= verdict("500 ZPL labels", rate >= 5000, f"{rate:.0f} labels/s (target 5 000)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
