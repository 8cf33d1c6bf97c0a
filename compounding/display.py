"""Numbers as a pharmacist reads them: decimals without residue, exact fractions when needed."""

from __future__ import annotations

from fractions import Fraction


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
    rounded = round(value / step) * step
    if rounded == 0 and value != 0:
        return f"< {show(step)}"
    places = 0
    while (step * 10**places).denominator != 1 and places < 6:
        places += 1
    return f"{float(rounded):.{places}f}"


def count(number: int, noun: str) -> str:
    """``1 tablet``, ``3 tablets``."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
