"""Bench results checked against the plan, and the approval gate (domain.md §12).

The plan of every case is the domain's worked example: d = 4.5 mg, n = 30 + 2 overage, size 3,
W = 250 mg, F = 130 mg: T = 3 tablets, p = 22.5 mg, w = 130 mg, QC 117-143 mg. The entry
below is a good one: 748 mg of powder holds 748 × 4.5 / 22.5 = 149.6 mg of drug, in
748 + 3581 = 4329 mg of blend; capsules of 130 mg mean carry 149.6 / 4329 × 130 = 4.4925 mg,
99.8 % of d. Each defect the issue found at the bench is a case: 6 tablets instead of 3, 100 mg
of filler instead of 3583 mg, 20 capsules made, approval with a critical finding pending.
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from compounding import OrderError, parse_order, plan_order
from compounding.bench.reconciliation import check_bench, strength_made
from compounding.bench.results import BenchEntry

from .helpers import LOTS_USED, make_order
from .people import RPH, TECH
from .test_records import ORDER, PROFILE

GOOD = {"tablets_used": 3, "tablet_powder_actual": "748 mg", "filler_actual": "3581 mg",
        "capsules_made": 33, "capsule_weights": ["130 mg"] * 10,
        "compounded_at": "2026-11-22T10:00:00+00:00", **LOTS_USED}


def checked(**changes):
    order = make_order()
    entry = BenchEntry.model_validate({**GOOD, **changes})
    return check_bench(entry, plan_order(order), parse_order(order))


def test_strength_made_worked_by_hand():
    entry = BenchEntry.model_validate(GOOD)
    assert strength_made(entry, plan_order(make_order())) == F("149.6") / 4329 * 130
    assert checked() == []


@pytest.mark.parametrize(("changes", "code", "field"), [
    ({"capsules_made": 20, "capsule_weights": ["130 mg"] * 10}, "BENCH_SHORT",
     "capsules_made"),
    ({"tablet_powder_actual": "766 mg"}, "BENCH_POWDER_EXCEEDS_TABLETS",
     "tablet_powder_actual"),  # 3 × 250 × 1.02 = 765 mg at most
    ({"capsule_weights": ["130 mg"]}, "BENCH_WEIGHTS_MISSING", "capsule_weights"),
], ids=["20-capsules-for-30", "more-powder-than-tablets", "one-capsule-weighed"])
def test_impossible_entries_are_errors(changes, code, field):
    with pytest.raises(OrderError) as caught:
        checked(**changes)
    assert (code, field) in {(e.code, e.field) for e in caught.value.errors}


def test_six_tablets_instead_of_three():
    # 1500 mg of powder from 6 tablets: 1500 × 4.5 / 22.5 = 300 mg of drug in 5081 mg of blend;
    # 300 / 5081 × 130 = 7.68 mg a capsule, 171 % of 4.5 mg
    found = {(f.code, f.severity.value) for f in checked(tablets_used=6,
                                                         tablet_powder_actual="1500 mg")}
    assert found == {("BENCH_TABLETS_MISMATCH", "critical"),
                     ("BENCH_STRENGTH_OUT_OF_RANGE", "critical")}


def test_100_mg_of_filler_instead_of_3583():
    # 149.6 mg of drug in 848 mg of blend: 149.6 / 848 × 130 = 22.9 mg a capsule, 510 %
    [finding] = checked(filler_actual="100 mg")
    assert finding.code == "BENCH_STRENGTH_OUT_OF_RANGE" and "22.93" in finding.message


def test_a_small_deviation_is_a_warning():
    # capsules of 121 mg mean: 149.6 / 4329 × 121 = 4.18 mg, 92.9 % of d (within 90-110 %,
    # outside 95-105 %); 121 mg is inside the QC range 117-143 mg
    [finding] = checked(capsule_weights=["121 mg"] * 10)
    assert (finding.code, finding.severity.value) == ("BENCH_STRENGTH_DEVIATION", "warning")


def test_an_unreleasable_batch_cannot_be_approved(store):
    lot = store.create(ORDER, PROFILE, TECH).lot_number
    store.enter_bench(lot, {**GOOD, "tablets_used": 6, "tablet_powder_actual": "1500 mg"},
                      TECH)
    with pytest.raises(OrderError) as caught:
        store.verify(lot, {"decision": "approve"}, RPH, expected=2)
    assert caught.value.status == 409
    assert {e.code for e in caught.value.errors} == {"BATCH_NOT_RELEASABLE"}
    rejected = store.verify(lot, {"decision": "reject", "reason": "six tablets crushed"}, RPH,
                            expected=2)
    assert rejected.status == "rejected"


def test_approval_waits_for_every_critical_finding(store):
    # a batch could be approved while a critical finding was unacknowledged
    lot = store.create({**ORDER, "concurrent_medications": ["Percocet 5/325 mg"]}, PROFILE,
                       TECH).lot_number
    store.enter_bench(lot, GOOD, TECH)
    with pytest.raises(OrderError) as caught:
        store.verify(lot, {"decision": "approve"}, RPH, expected=2)
    assert [(e.code, e.field) for e in caught.value.errors] == [
        ("CRITICAL_UNACKNOWLEDGED", "concurrent_medications[0]")]
    store.acknowledge(lot, {"finding": "OPIOID_COADMINISTRATION:concurrent_medications[0]",
                            "reason": "stopped 2026-11-01"}, RPH, expected=2)
    assert store.verify(lot, {"decision": "approve"}, RPH, expected=3).status == "verified"
