"""Whole numbers from exact fractions: counts (tablets, capsules, overage) are never rounded
through a float, so no residue can move one."""

from __future__ import annotations

from fractions import Fraction


def ceil(value: Fraction) -> int:
    """Exact ceiling: no float ever stands between a fraction and its count.

    >>> ceil(Fraction(1331, 10)), ceil(Fraction(-3, 2)), ceil(Fraction(4))
    (134, -1, 4)
    """
    return -((-value.numerator) // value.denominator)


def floor(value: Fraction) -> int:
    """Exact floor of a fraction.

    >>> floor(Fraction(1331, 10)), floor(Fraction(-3, 2))
    (133, -2)
    """
    return value.numerator // value.denominator
