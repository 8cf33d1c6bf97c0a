"""How lot numbers are written, read and compared (security.md, "The input boundary").

A batch's own lot is ``[A-Z0-9][A-Z0-9-]{0,31}``, upper-cased: it names a URL, a file and a
barcode, so nothing else may be in it. The form ``YYYYMMDD-NNN`` belongs to the records' lot
counter: an order may not bring a lot of that form (:func:`is_automatic`), so the counter can
never collide with it.

A component lot (tablets, filler, capsule shells) is the manufacturer's text, kept in one
normal form so that a recall finds every spelling of it: Unicode NFKC, zero-width and control
characters removed, every hyphen or dash variant written "-", runs of spaces as one, upper case.
``"rcl‑9"`` (non-breaking hyphen), ``"RCL\u200b-9"`` and ``" rcl-9 "`` are all ``"RCL-9"``.
What is left must be printable ASCII: a Cyrillic "А" or Greek "Ρ" looks like the Latin letter
yet no recall typed in Latin finds it, so an order's component lot with one is refused
(``LOT_CONFUSABLE``, :func:`compounding.orders.confusables.lot_character_problem`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

BATCH_LOT = re.compile(r"[A-Z0-9][A-Z0-9-]{0,31}")
AUTOMATIC_LOT = re.compile(r"\d{8}-\d{3,}")
COMPONENT_LOT_MAX = 40
"""Longest component lot, in its normal form [characters]."""

DASHES = ("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d\u058a\u05be"
          "\u1400\u1806\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u301c\u3030\u30a0")
"""Unicode dashes and hyphens (Pd), the minus sign and the small/full-width hyphen-minus: each
is written "-" in a lot."""
_DASHES = dict.fromkeys(map(ord, DASHES), "-")


@lru_cache(maxsize=4096)
def normal_lot(text: str) -> str:
    """A lot in its one normal form (NFKC, no invisible characters, "-" dashes, upper case).

    >>> normal_lot(" rcl\u2011 9 "), normal_lot("RCL\u200b-9"), normal_lot("ｒｃｌ－９")
    ('RCL- 9', 'RCL-9', 'RCL-9')
    """
    text = unicodedata.normalize("NFKC", text).translate(_DASHES)
    kept = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc", "Cs",
                                                                         "Co", "Cn")
                   or ch in "\t\n")
    return " ".join(kept.split()).upper()


def is_automatic(lot: str) -> bool:
    """Whether ``lot`` has the records counter's ``YYYYMMDD-NNN`` form.

    >>> is_automatic("20261125-001"), is_automatic("20261125-0001"), is_automatic("LDN-001")
    (True, True, False)
    """
    return AUTOMATIC_LOT.fullmatch(lot) is not None
