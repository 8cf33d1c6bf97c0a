"""Characters that are not what they look like: look-alike letters of other scripts, invisible
and text-direction characters (issue 22, item 20).

A Cyrillic "о" in "Jоhn" or a Greek "Ρ" in a lot looks like the Latin letter on screen and on
paper, yet a search for the Latin spelling never finds it; a right-to-left override makes a name
print in an order other than the one kept. Three rules follow:

* A lot is written in printable ASCII once in its normal form (:mod:`compounding.orders.lot_grammar`
  still folds invisible characters, dashes and full-width forms): a letter of another script is
  refused (``LOT_CONFUSABLE``), naming the character and the Latin letter it resembles.
* A person's name may be in any script, but not carry an invisible or text-direction character
  (Unicode category Cf: zero-width space and joiners, the byte-order mark, the soft hyphen,
  the bidi embeddings, overrides, isolates and marks): ``NAME_INVISIBLE_CHARACTER``.
* A name in which one word mixes Latin, Greek and Cyrillic letters is planned, with a finding
  for the pharmacist (``NAME_MIXED_SCRIPTS``); for search it is folded to the script most of the
  word is in (:func:`unconfused`, used by ``records.store.patient_key``), so "Jоhn" is found
  as "John".

The look-alike table is a small part of Unicode's confusables data: the Cyrillic and Greek
letters whose prototype in Unicode Technical Standard #39, "Unicode Security Mechanisms"
(§4, confusable detection; confusables.txt), is a single Latin letter of the same case, and
three Cyrillic letters that look like digits (З, з, б), named only in a lot's refusal.
Mixed-script detection follows UTS #39 §5 in spirit, per word and over the three scripts that
share look-alike letters; other scripts (Han with kana, Hangul ...) are never flagged. Script
is read from the character's Unicode name, so nothing beyond the standard library is needed.
"""

from __future__ import annotations

import unicodedata

from compounding.orders.lot_grammar import DASHES

LATIN, GREEK, CYRILLIC = "Latin", "Greek", "Cyrillic"
SCRIPTS = (LATIN, CYRILLIC, GREEK)
"""The scripts whose letters are told apart, in the order a tie of a mixed word goes to."""

LOOK_ALIKES: dict[str, str] = {
    # Cyrillic (UTS #39 confusables.txt: prototype a single Latin letter)
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
    "ј": "j", "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y",
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q",
    "Ԝ": "W", "Һ": "H", "Ү": "Y", "Ӏ": "I",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    "ο": "o", "ν": "v", "ι": "i", "α": "a", "ρ": "p", "υ": "u", "γ": "y", "ϲ": "c",
    "ϳ": "j",
}
"""Cyrillic and Greek letters that look like one Latin letter of the same case."""

DIGIT_LOOK_ALIKES: dict[str, str] = {"З": "3", "з": "3", "б": "6"}
"""Letters that look like a digit (named in a lot's refusal, never used to fold a name)."""

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
                          "\u200e\u200f\u061c")
"""Embeddings, overrides, isolates and the directional marks (Unicode UAX #9)."""

TO_SCRIPT: dict[str, dict[str, str]] = {LATIN: {}, CYRILLIC: {}, GREEK: {}}


def script(ch: str) -> str | None:
    """``"Latin"``, ``"Greek"`` or ``"Cyrillic"`` for a letter of that script, else ``None``.

    >>> script("o"), script("о"), script("ο"), script("张"), script("-")
    ('Latin', 'Cyrillic', 'Greek', None, None)
    """
    if not unicodedata.category(ch).startswith("L"):
        return None
    first = unicodedata.name(ch, "").split(" ", 1)[0].capitalize()
    return first if first in SCRIPTS else None


for _other, _latin in LOOK_ALIKES.items():
    TO_SCRIPT[LATIN].setdefault(_other, _latin)
    TO_SCRIPT[script(_other) or LATIN].setdefault(_latin, _other)


def shown(ch: str) -> str:
    """A character as a message names it: its script or name, itself, and its code point.

    >>> shown("А"), shown("\u200b"), shown("°")
    ("Cyrillic 'А' (U+0410)", 'zero width space (U+200B)', "degree sign '°' (U+00B0)")
    """
    point = f"U+{ord(ch):04X}"
    kind = script(ch)
    if kind:
        return f"{kind} '{ch}' ({point})"
    name = unicodedata.name(ch, "").lower()
    if unicodedata.category(ch) in ("Cf", "Zs", "Zl", "Zp"):
        return f"{name} ({point})" if name else point
    return f"{name} '{ch}' ({point})" if name else f"'{ch}' ({point})"


def lot_character_problem(text: str) -> str | None:
    """Why ``text`` may not be a lot, or ``None``: the first character that does not become
    printable ASCII in the lot's normal form (NFKC; invisible characters, dashes and spaces
    folded; control characters are refused as text is).

    >>> lot_character_problem("RCL\u20119"), lot_character_problem("ｒｃｌ－９")
    (None, None)
    >>> lot_character_problem("AB12З4")
    "contains a character that looks like a digit but is not: Cyrillic 'З' (U+0417), not '3'"
    """
    for ch in text:
        if (" " <= ch <= "~" or ch in DASHES or ch.isspace()
                or unicodedata.category(ch).startswith("C")):  # folded, or refused as text
            continue
        folded = unicodedata.normalize("NFKC", ch)
        if folded.isascii() and folded.isprintable():
            continue
        if ch in LOOK_ALIKES:
            return (f"contains a character that looks like a Latin letter but is not: "
                    f"{shown(ch)}, not Latin '{LOOK_ALIKES[ch]}'")
        if ch in DIGIT_LOOK_ALIKES:
            return (f"contains a character that looks like a digit but is not: {shown(ch)}, "
                    f"not '{DIGIT_LOOK_ALIKES[ch]}'")
        return (f"contains {shown(ch)}, which is not a Latin letter, digit or punctuation: "
                f"write the lot in A-Z, 0-9 and punctuation, as printed on the pack")
    return None


def invisible_character_problem(text: str) -> str | None:
    """Why ``text`` may not be a name, or ``None``: an invisible or text-direction character
    (category Cf) in it, which would make the name shown differ from the name kept.

    >>> invisible_character_problem("Ольга Петрова") is None
    True
    >>> "right-to-left override (U+202E)" in invisible_character_problem("John\u202eSmith")
    True
    """
    found = [ch for ch in text if unicodedata.category(ch) == "Cf"]
    if not found:
        return None
    first = found[0]
    more = f" and {len(found) - 1} more" if len(found) > 1 else ""
    if first in BIDI_CONTROLS:
        return (f"contains a text-direction control, {shown(first)}{more}, which changes the "
                f"order the name is shown in: type the name without {'them' if more else 'it'}")
    return (f"contains an invisible character, {shown(first)}{more}: type the name "
            f"without {'them' if more else 'it'}")


def _words(text: str) -> list[tuple[int, int]]:
    """The (start, end) of each run of letters and combining marks in ``text``."""
    spans, start = [], None
    for index, ch in enumerate(text):
        inside = unicodedata.category(ch)[0] in "LM"
        if inside and start is None:
            start = index
        elif not inside and start is not None:
            spans.append((start, index))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


def _majority(word: str) -> tuple[str, list[str]] | None:
    """For a word mixing scripts: the script most of its letters are in, and the letters of
    the others; ``None`` for a word in one script."""
    counts = {s: 0 for s in SCRIPTS}
    for ch in word:
        if (kind := script(ch)) is not None:
            counts[kind] += 1
    if sum(1 for n in counts.values() if n) < 2:
        return None
    main = max(SCRIPTS, key=lambda s: counts[s])  # a tie goes to the earlier script
    return main, [ch for ch in word if script(ch) not in (main, None)]


def mixed_words(text: str) -> list[tuple[str, str, list[str]]]:
    """Each word of ``text`` that mixes Latin, Greek and Cyrillic letters: the word, the script
    most of it is in, and its letters of the other scripts.

    >>> mixed_words("Jоhn Smith-Иванова")
    [('Jоhn', 'Latin', ['о'])]
    """
    found = []
    for start, end in _words(text):
        word = text[start:end]
        if (mix := _majority(word)) is not None:
            found.append((word, *mix))
    return found


def unmixed(text: str) -> str:
    """``text`` with each word that mixes scripts written in the script most of it is in, its
    look-alike letters replaced (a UTS #39 skeleton per word); other words as they are.

    >>> unmixed("Jоhn Smith"), unmixed("Ольгa"), unmixed("Ιωάννης")
    ('John Smith', 'Ольга', 'Ιωάννης')
    """
    spans = [(start, end) for start, end in _words(text) if _majority(text[start:end])]
    if not spans:
        return text
    parts, last = [], 0
    for start, end in spans:
        word = text[start:end]
        mix = _majority(word)
        assert mix is not None
        table = TO_SCRIPT[mix[0]]
        parts += [text[last:start], "".join(table.get(ch, ch) for ch in word)]
        last = end
    return "".join([*parts, text[last:]])


def unconfused(text: str) -> str:
    """``text`` for a search: invisible characters (Cf) dropped and each word that mixes scripts
    unmixed (:func:`unmixed`). ASCII text, and text with every word in one script and nothing
    invisible, is returned as it is, so a search key made of it stays what it was.

    >>> unconfused("Jоhn Smith"), unconfused("Jo\u200bhn"), unconfused("Ольга Петрова")
    ('John Smith', 'John', 'Ольга Петрова')
    """
    if text.isascii():
        return text
    return unmixed("".join(ch for ch in text if unicodedata.category(ch) != "Cf"))


"""The people's names an order carries: (field, the part of the order it is in)."""
