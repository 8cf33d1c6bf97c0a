"""The one escaping function for text that reaches a reportlab ``Paragraph``.

reportlab parses Paragraph text as markup. Every user-supplied string (names, directions,
medications, lots, finding messages that quote them) passes through :func:`esc` exactly once, on
its way into a Paragraph; markup comes only from this package's own code. ``<b>``, ``&amp;`` and
``<img src=...>`` in a patient's name print literally. Text drawn straight on a canvas
(``drawString``, the label) is never parsed, so it is not escaped.
"""

from __future__ import annotations

from xml.sax.saxutils import escape


def esc(text: object) -> str:
    """``text`` as Paragraph markup that prints exactly those characters.

    >>> esc('<b>Jane</b> & "Co" <img src="http://x">')
    '&lt;b&gt;Jane&lt;/b&gt; &amp; "Co" &lt;img src="http://x"&gt;'
    """
    return escape(str(text))
