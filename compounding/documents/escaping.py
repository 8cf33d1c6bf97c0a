"""The one escaping function for text that reaches a reportlab ``Paragraph``.

reportlab parses Paragraph text as markup. Every user-supplied string (names, directions,
medications, lots, finding messages that quote them) passes through :func:`esc` exactly once, on
its way into a Paragraph; markup comes only from this package's own code. ``<b>``, ``&amp;`` and
``<img src=...>`` in a patient's name print literally. Text drawn straight on a canvas
(``drawString``, the label) is never parsed, so it is not escaped.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from .fallback import font_for, needs_fallback
from .fonts import REGULAR


def esc(text: object) -> str:
    """``text`` as Paragraph markup that prints exactly those characters: in the document's
    font, or wrapped in the installed Noto CJK when that font lacks one (:mod:`.fallback`).

    >>> esc('<b>Jane</b> & "Co" <img src="http://x">')
    '&lt;b&gt;Jane&lt;/b&gt; &amp; "Co" &lt;img src="http://x"&gt;'
    """
    plain = str(text)
    if needs_fallback(plain):
        return f'<font name="{font_for(plain, REGULAR)}">{escape(plain)}</font>'
    return escape(plain)
