"""The fonts every document uses: DejaVu Sans (regular, bold), shipped in this package.

DejaVu covers Latin with diacritics, Cyrillic, Greek and Vietnamese (José, Zoë, Łukasz Wójcik,
Ольга, Nguyễn) and the mathematical signs of the working (⌈ ⌉ ⌊ ⌋ × − ≤). Licence:
``fonts/LICENSE-DejaVu.txt`` (Bitstream Vera licence; DejaVu changes public domain).
Registered once per process.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"


@cache
def register() -> tuple[str, str]:
    """Register the fonts (once); returns the regular and bold font names."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
    return REGULAR, BOLD
