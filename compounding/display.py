"""Numbers as a pharmacist reads them: decimals without residue, exact fractions when needed."""

from __future__ import annotations

from fractions import Fraction
from functools import lru_cache


def show(value: Fraction | int, places: int = 4) -> str:
    """Up to ``places`` decimals, trailing zeros dropped: ``22.5``, ``0.0045``, ``130``."""
    text = f"{float(round(Fraction(value), places)):.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def show_exact(value: Fraction | int, places: int = 3) -> str:
    """Like :func:`show`; a value with more decimals also gives its exact fraction.

    >>> show_exact(Fraction(100, 3)), show_exact(Fraction(45, 2)), show_exact(Fraction(1, 8))
    ('33.333 (= 100/3)', '22.5', '0.125')
    """
    value = Fraction(value)
    text = show(value, places)
    if (value * 10**places).denominator != 1:
        text += f" (= {value.numerator}/{value.denominator})" if value.denominator < 10**6 else "…"
    return text


def show_to_step(value: Fraction, step: Fraction) -> str:
    """``value`` [mg] rounded to the balance's readability ``step`` [mg], never shown as 0.

    A non-zero amount smaller than half a step prints as ``< step`` rather than ``0``.

    >>> show_to_step(Fraction("3583.333"), Fraction(1)), show_to_step(Fraction("0.4"), Fraction(1))
    ('3583', '< 1')
    >>> show_to_step(Fraction("22.46"), Fraction(1, 10))
    '22.5'
    """
    rounded = half_up(value / step) * step
    if rounded == 0 and value != 0:
        return f"< {show(step)}"
    return f"{float(rounded):.{_places(step)}f}"


def half_up(value: Fraction) -> int:
    """``value`` rounded half up (domain.md §13), not to even as ``round`` does.

    >>> half_up(Fraction(5, 2)), round(Fraction(5, 2)), half_up(Fraction(7, 2))
    (3, 2, 4)
    """
    shifted = value + Fraction(1, 2)
    return shifted.numerator // shifted.denominator


@lru_cache(maxsize=64)
def _places(step: Fraction) -> int:
    places = 0
    while (step * 10**places).denominator != 1 and places < 9:
        places += 1
    return places


GRAMS_FROM = 10_000
"""Amounts to weigh of 10 g [mg] and more print in g (domain.md §13)."""


@lru_cache(maxsize=1024)
def weighing(value: Fraction, step: Fraction) -> str:
    """An amount to weigh [mg] as the bench reads it: rounded half up to the balance's
    ``step`` [mg]; 10 g and more in g, to the same step.

    >>> weighing(Fraction("3583.5"), Fraction(1)), weighing(Fraction(64750), Fraction(1))
    ('3584 mg', '64.75 g')
    >>> weighing(Fraction("6499750.4"), Fraction(1))
    '6499.75 g'
    """
    if value < GRAMS_FROM:
        return f"{show_to_step(value, step)} mg"
    grams = Fraction(half_up(value / step) * step, 1000)
    return f"{show(grams, _places(step / 1000))} g"


def count(number: int, noun: str) -> str:
    """``1 tablet``, ``3 tablets``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def exact(value: Fraction) -> str | None:
    """``value`` as a decimal written out exactly (leading zero, no trailing zeros), or
    ``None`` when its decimal does not terminate.

    >>> exact(Fraction(1, 2000)), exact(Fraction(17, 16)), exact(Fraction(9, 2))
    ('0.0005', '1.0625', '4.5')
    >>> exact(Fraction(1, 3)) is None
    True
    """
    value = Fraction(value)
    places, scaled = 0, value
    while scaled.denominator != 1:
        if places > 30 or (scaled.denominator % 2 and scaled.denominator % 5):
            return None
        scaled *= 10
        places += 1
    digits = f"{abs(scaled.numerator):0{places + 1}d}"
    text = f"{digits[:-places]}.{digits[-places:]}" if places else digits
    return ("-" if value < 0 else "") + text


def significant(value: Fraction, figures: int = 3) -> str:
    """``value`` to ``figures`` significant figures, trailing zeros dropped.

    >>> significant(Fraction(9, 2) * Fraction(37787, 34141)), significant(Fraction(1, 3))
    ('4.98', '0.333')
    """
    return f"{float(value):#.{figures}g}".rstrip("0").rstrip(".")


def strength(mg: Fraction) -> str:
    """A strength [mg] as a label prints it: exactly (``0.0005 mg``, ``1.0625 mg``), or to 3
    significant figures when its decimal does not terminate (domain.md §13)."""
    return f"{exact(mg) or significant(mg)} mg"
