"""Worked examples of the batch calculation (domain.md §3), each derived by hand.

Sources: domain.md §3 worked example (hypothetical tablet weight); the others are derived here
from the same formulas, step by step in the comments, so they can be checked on paper.
"""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from compounding.formulation.batch import (
    HCL_PER_BASE,
    QC_HIGH,
    QC_LOW,
    ceil,
    compute_batch,
    floor,
    hydrochloride_strength,
    overage_from_percent,
    tablets_needed,
)


def batch(d, n, e, W="250", F_="130", DF="1", method="whole_tablets", S="50"):
    return compute_batch(strength=F(d), quantity=n, overage=e, tablet_strength=F(S),
                         tablet_weight=F(W), pack_stat=F(F_), density_factor=F(DF),
                         method=method)


def test_domain_worked_example():
    # domain.md §3: d=4.5, n=30, e=2, size 3, W=250, F=130, DF=1, whole_tablets.
    b = batch("4.5", 30, 2)
    assert b.capsules_required == 32                      # N = 30 + 2
    assert b.tablets == 3                                 # ⌈144/50⌉
    assert b.tablet_powder_per_capsule == F("22.5")       # 4.5 × 250 / 50
    assert b.filler_per_capsule == F("107.5")             # 130 − 22.5
    assert b.fill_weight == 130                           # 22.5 + 107.5
    assert b.capsule_equivalents == F(100, 3)             # 150 / 4.5 = 33.333
    assert b.capsules_to_fill == 33
    assert b.tablet_powder == 750                         # 3 × 250
    assert b.filler_total == F(10750, 3)                  # 33.333 × 107.5 = 3583.333
    assert b.blend_total == F(13000, 3)                   # 33.333 × 130 = 4333.333
    assert b.naltrexone_total == 150                      # 3 × 50
    assert (b.fill_weight_min, b.fill_weight_max) == (F("117"), F("143"))  # 90-110 %


@pytest.mark.parametrize(
    ("d", "n", "e", "method", "expected"),
    [
        # 4.5 mg × 30 + 2, exact_portion: N = 32; T = 3; p = 22.5; tablet powder = 32 × 22.5
        # = 720; filler = 32 × 107.5 = 3440; blend = 32 × 130 = 4160; drug = 32 × 4.5 = 144.
        ("4.5", 30, 2, "exact_portion",
         dict(tablets=3, capsules_to_fill=32, tablet_powder=720, filler_total=3440,
              blend_total=4160, naltrexone_total=144)),
        # 1.5 mg × 60 + 3: N = 63; T = ⌈94.5/50⌉ = 2; C = 100/1.5 = 66.667 → 66;
        # powder 500; p = 7.5; f = 122.5; filler = 66.667 × 122.5 = 8166.667.
        ("1.5", 60, 3, "whole_tablets",
         dict(tablets=2, capsules_to_fill=66, tablet_powder=500, filler_total=F(24500, 3),
              blend_total=F(26000, 3), naltrexone_total=100)),
        # 3 mg × 90 + 5: N = 95; T = ⌈285/50⌉ = 6; C = 300/3 = 100; powder 1500; p = 15;
        # f = 115; filler 11500; blend 13000.
        ("3", 90, 5, "whole_tablets",
         dict(tablets=6, capsules_to_fill=100, tablet_powder=1500, filler_total=11500,
              blend_total=13000, naltrexone_total=300)),
        # 0.5 mg × 30 + 2, exact_portion: N = 32; T = ⌈16/50⌉ = 1; p = 2.5; powder 80;
        # f = 127.5; filler 4080; blend 4160; drug 16.
        ("0.5", 30, 2, "exact_portion",
         dict(tablets=1, capsules_to_fill=32, tablet_powder=80, filler_total=4080,
              blend_total=4160, naltrexone_total=16)),
    ],
    ids=["4.5mg-exact-portion", "1.5mg-titration", "3mg-whole-C-integer", "0.5mg-exact-portion"],
)
def test_worked_examples(d, n, e, method, expected):
    b = batch(d, n, e, method=method)
    for name, value in expected.items():
        assert getattr(b, name) == value, name


def test_density_factor():
    # DF = 2: tablet powder packs twice as densely as filler, so it takes half the room.
    # p = 22.5; f = 130 − 22.5/2 = 118.75; w = 141.25 (domain.md §2, f = F − p/DF).
    b = batch("4.5", 30, 2, DF="2")
    assert b.filler_per_capsule == F("118.75")
    assert b.fill_weight == F("141.25")
    # QC (domain.md §12): 0.9 × 141.25 = 127.125 rounds up to 128; 1.1 × 141.25 = 155.375
    # rounds down to 155, on a 1 mg balance
    assert (b.fill_weight_min, b.fill_weight_max) == (128, 155)
    assert F(127) < F("141.25") * QC_LOW < 128 and 155 < F("141.25") * QC_HIGH < 156


def test_counts_exact_where_floats_would_move_them():
    # 375 × 4.4 / 50 is exactly 33; in floats it is 33.00000000000001, whose ceiling is 34.
    assert tablets_needed(375, F("4.4"), F(50)) == 33
    assert 375 * 4.4 / 50 != 33  # the float residue this guards against
    # 7 tablets at 0.14 mg make exactly 2500 capsules; floats say 2499.999..., one short of N.
    b = batch("0.14", 2500, 0)
    assert b.tablets == 7 and b.capsules_to_fill == 2500 >= b.capsules_required
    assert int(7 * 50 / 0.14) == 2499  # the float residue this guards against


@pytest.mark.parametrize(
    ("n", "pct", "e"),
    [(30, "5", 2), (100, "5", 5), (20, "5", 1), (1, "5", 1), (30, "0", 0), (40, "7.5", 3),
     (33, "10", 4)],
    ids=["1.5-up", "exact-5", "exact-1", "tiny", "zero", "decimal-pct", "3.3-up"],
)
def test_overage_from_percent(n, pct, e):
    # domain.md §3 step 1: e = ⌈n·pct/100⌉.
    assert overage_from_percent(n, F(pct)) == e


def test_salt_basis():
    # Medsafe datasheet: 50 mg HCl ≡ 45.2 mg base; ratio 377.87 / 341.41 = 1.1068.
    assert round(float(HCL_PER_BASE), 4) == 1.1068
    assert round(float(hydrochloride_strength(F("45.2"), "base")), 1) == 50.0
    assert hydrochloride_strength(F("4.5"), "hydrochloride") == F("4.5")


def test_ceil_floor():
    assert (ceil(F(5, 2)), floor(F(5, 2)), ceil(F(-5, 2)), ceil(F(3)), floor(F(3))) == (
        3, 2, -2, 3, 3)
