"""Geometric dilution (domain.md §6): equal parts, doubling, all the filler used."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compounding.formulation.dilution import geometric_dilution


def test_worked_example():
    # 750 mg powder + 3583.333 mg filler: +750 → 1500; +1500 → 3000; +583.333 → 3583.333? no:
    # the third step adds the rest, 3583.333 − 2250 = 1333.333 → 4333.333 mg.
    steps = geometric_dilution(F(750), F(10750, 3))
    assert [(s.filler, s.mixture) for s in steps] == [
        (F(750), F(1500)), (F(1500), F(3000)), (F(4000, 3), F(13000, 3))]


@given(powder=st.fractions(F(1, 10), F(5000)), filler=st.fractions(F(0), F(100000)))
def test_invariants(powder, filler):
    steps = geometric_dilution(powder, filler)
    assert sum(s.filler for s in steps) == filler
    before = powder
    for step in steps:
        assert 0 < step.filler <= before   # never more filler than mixture
        assert step.mixture == before + step.filler
        before = step.mixture


def test_needs_powder():
    with pytest.raises(ValueError):
        geometric_dilution(F(0), F(10))


def test_a_last_addition_below_the_mwq_joins_the_one_before():
    # worksheets printed "3: 67 mg" under a 120 mg MWQ. 30 mg of powder and 157 mg of filler:
    # +30 → 60, +60 → 120, then 67 mg left, under 120 mg: the second step adds 60 + 67 = 127
    steps = geometric_dilution(F(30), F(157), F(120))
    assert [(s.number, s.filler, s.mixture) for s in steps] == [(1, F(30), F(60)),
                                                               (2, F(127), F(187))]
    assert [s.filler for s in geometric_dilution(F(30), F(157))] == [F(30), F(60), F(67)]


@given(st.fractions(min_value=1, max_value=5000), st.fractions(min_value=0, max_value=200000))
def test_only_a_last_addition_below_the_mwq_is_merged(powder, filler):
    plain, steps = geometric_dilution(powder, filler), geometric_dilution(powder, filler, F(120))
    assert sum(s.filler for s in steps) == filler
    if len(plain) > 1 and plain[-1].filler < 120:
        assert steps[:-1] == plain[:-2]
        assert steps[-1].filler == plain[-2].filler + plain[-1].filler
        assert steps[-1].mixture == plain[-1].mixture
    else:
        assert steps == plain
