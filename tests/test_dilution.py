"""Geometric dilution (domain.md §6): equal parts, doubling, all the filler used."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compounding.dilution import geometric_dilution


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
