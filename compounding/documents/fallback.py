"""Names in any script: the shipped DejaVu first, then an installed Noto Sans CJK.

DejaVu (:mod:`.fonts`) has no Chinese, Japanese or Korean. Where Debian's ``fonts-noto-cjk`` (or
the same files elsewhere, :data:`SEARCH`) is installed, a text DejaVu cannot draw is drawn
whole in Noto Sans CJK: the Korean face for text with Hangul, the Japanese face for text with
kana, the Simplified Chinese face otherwise. Noto CJK has PostScript (CFF) outlines, which
reportlab cannot embed; :func:`font_for` subsets the face to the text's characters with
fontTools, converts the outlines to TrueType quadratics (fontTools' cu2qu, at most 1 font unit
off: 1/1000 of the type size) and registers the result, once per set of characters (the face
is opened once and read lazily; a set drawn before costs nothing; the 1 024 sets used last are
kept, about 3 KB each). :func:`missing` names the
characters that no font can draw, so that a document refuses them instead of printing empty
boxes.
"""

from __future__ import annotations

import hashlib
import io
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .fonts import BOLD, REGULAR, register

SEARCH = (Path("/usr/share/fonts/opentype/noto"), Path("/usr/share/fonts/google-noto-cjk"),
          Path("/usr/share/fonts/noto-cjk"), Path("/usr/local/share/fonts"))
FILES = {False: "NotoSansCJK-Regular.ttc", True: "NotoSansCJK-Bold.ttc"}
FACES = {"KR": "Noto Sans CJK KR", "JP": "Noto Sans CJK JP", "SC": "Noto Sans CJK SC"}
MAX_ERROR = 1.0  # [font units of 1000 per em] cubic to quadratic
_lock = threading.Lock()


def _drawn_anyway(char: str) -> bool:
    """Line breaks and other controls are never drawn as glyphs."""
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


@cache
def _shipped(bold: bool) -> frozenset[int]:
    """The code points DejaVu (regular or bold) draws."""
    register()
    face = pdfmetrics.getFont(BOLD if bold else REGULAR).face
    return frozenset(face.charToGlyph)


@cache
def installed(bold: bool = False) -> Path | None:
    """The installed Noto Sans CJK file of the weight, if any."""
    return next((folder / FILES[bold] for folder in SEARCH if (folder / FILES[bold]).is_file()),
                None)


@cache
def _faces(bold: bool) -> dict[str, int]:
    """Index of each face (KR, JP, SC) in the collection."""
    from fontTools.ttLib import TTCollection

    path = installed(bold)
    if path is None:
        return {}
    collection = TTCollection(str(path), lazy=True)
    try:
        names = [font["name"].getDebugName(1) for font in collection]
    finally:
        collection.close()
    return {script: names.index(name) for script, name in FACES.items() if name in names}


@cache
def _fallback_chars() -> frozenset[int]:
    """The code points Noto Sans CJK draws in both weights (none when it is not installed)."""
    from fontTools.ttLib import TTFont as Source

    covered: frozenset[int] | None = None
    for bold in (False, True):
        path, faces = installed(bold), _faces(bold)
        if path is None or "SC" not in faces:
            return frozenset()
        with Source(str(path), fontNumber=faces["SC"], lazy=True) as face:
            cmap = frozenset(face.getBestCmap())
        covered = cmap if covered is None else covered & cmap
    return covered or frozenset()


@cache
def _latin_1_only() -> bool:
    """Whether both weights of DejaVu draw every printable character below U+0100."""
    both = _shipped(False) & _shipped(True)
    return all(code in both for code in (*range(0x20, 0x7F), *range(0xA0, 0x100)))


@cache
def _both_shipped() -> frozenset[int]:
    return _shipped(False) & _shipped(True)


def _plain(text: str) -> bool:
    """Text of printable Latin-1 only: drawn by DejaVu, known without a look-up per character
    (the common case, and the one every label and worksheet meets dozens of times)."""
    return text.isascii() and text.isprintable() and _latin_1_only()


@lru_cache(maxsize=4096)
def needs_fallback(text: str, bold: bool = False) -> bool:
    """Whether DejaVu lacks a character of ``text``."""
    if _plain(text):
        return False
    shipped = _shipped(bold)
    return any(ord(c) not in shipped and not _drawn_anyway(c) for c in text)


def missing(text: str) -> str:
    """The characters of ``text`` that neither DejaVu nor an installed Noto CJK can draw, each
    once, in order."""
    if _plain(text):
        return ""
    both = _both_shipped()
    found: list[str] = []
    for char in text:
        if ord(char) in both or _drawn_anyway(char) or char in found:
            continue
        if ord(char) not in _fallback_chars():
            found.append(char)
    return "".join(found)


def _script(chars: frozenset[str]) -> str:
    names = " ".join(unicodedata.name(c, "") for c in chars)
    if "HANGUL" in names:
        return "KR"
    if "HIRAGANA" in names or "KATAKANA" in names:
        return "JP"
    return "SC"


@cache
def _source(bold: bool, index: int) -> Any:
    """The installed face, opened once and read lazily (a glyph is decompiled when drawn);
    open for the life of the process."""
    from fontTools.ttLib import TTFont as Source

    return Source(str(installed(bold)), fontNumber=index, lazy=True)


def _truetype(bold: bool, index: int, chars: frozenset[str], name: str) -> bytes:
    """A TrueType font ``name`` of the face's glyphs for ``chars`` (reportlab embeds no CFF):
    outlines converted to quadratics, metrics and vertical extents copied. The name must be
    unique: reportlab keeps one face per font name."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    source = _source(bold, index)
    cmap = source.getBestCmap()
    mapping = {ord(c): cmap[ord(c)] for c in sorted(chars) if ord(c) in cmap}
    order = [".notdef", *dict.fromkeys(mapping.values())]
    outlines, metrics = source.getGlyphSet(), source["hmtx"].metrics
    glyphs = {}
    for glyph in order:
        pen = TTGlyphPen(None)
        outlines[glyph].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyphs[glyph] = pen.glyph()
    head, hhea, os2 = source["head"], source["hhea"], source["OS/2"]
    builder = FontBuilder(head.unitsPerEm, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(mapping)
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({glyph: metrics[glyph] for glyph in order})
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent)
    builder.setupNameTable({"familyName": name, "styleName": "Bold" if bold else "Regular",
                            "psName": name})
    builder.setupOS2(sTypoAscender=os2.sTypoAscender, sTypoDescender=os2.sTypoDescender,
                     usWinAscent=os2.usWinAscent, usWinDescent=os2.usWinDescent,
                     sCapHeight=getattr(os2, "sCapHeight", hhea.ascent),
                     usWeightClass=os2.usWeightClass, fsType=0)
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()


FAMILIES = 1024  # subsets kept registered, least recently used first out: about 3 KB each
_families: OrderedDict[frozenset[str], str] = OrderedDict()


def _forget(names: Iterable[str]) -> None:
    """Take fonts out of reportlab's registry (it has no public way): without this, every new
    name printed would keep its subset for the life of the process."""
    from reportlab.lib import fonts

    for name in names:
        for registry, key in ((pdfmetrics._fonts, name), (pdfmetrics._dynFaceNames, name),
                              (fonts._ps2tt_map, name.lower())):
            registry.pop(key, None)
        for bold, italic in ((0, 0), (0, 1), (1, 0), (1, 1)):
            fonts._tt2ps_map.pop((name.lower(), bold, italic), None)


def _family(chars: frozenset[str]) -> str:
    """A registered regular and bold Noto CJK pair for ``chars``: the regular font's name,
    mapped as a family so that ``<b>`` finds the bold one. At most :data:`FAMILIES` are kept;
    the one used longest ago is forgotten first."""
    with _lock:
        if chars in _families:
            _families.move_to_end(chars)
            return _families[chars]
        script = _script(chars)
        digest = hashlib.sha256(f"{script}:{''.join(sorted(chars))}".encode()).hexdigest()[:12]
        names = {False: f"NotoCJK{script}-{digest}", True: f"NotoCJK{script}-{digest}-Bold"}
        for bold, name in names.items():
            faces = _faces(bold)
            if not faces:
                raise LookupError("Noto Sans CJK is not installed")
            data = _truetype(bold, faces.get(script, faces["SC"]), chars, name)
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
        for italic in (0, 1):
            addMapping(names[False], 0, italic, names[False])
            addMapping(names[False], 1, italic, names[True])
        _families[chars] = names[False]
        while len(_families) > FAMILIES:
            _, old = _families.popitem(last=False)
            _forget((old, f"{old}-Bold"))
        return names[False]


def font_for(text: str, font: str) -> str:
    """The font to draw ``text`` in, given the document's ``font`` (DejaVu regular or bold):
    that font when it can, else the Noto CJK of the same weight subset to the text."""
    bold = font == BOLD
    if not needs_fallback(text, bold):
        return font
    family = _family(frozenset(text))
    return f"{family}-Bold" if bold else family
