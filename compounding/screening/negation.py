"""Phrases in a patient's conditions and allergies, and whether the text denies them
("not pregnant", "pregnancy test negative", "no history of opioid use disorder") (domain.md §14).

A simplified NegEx (Chapman et al., J Biomed Inform 2001;34:301): a negating cue before the phrase
in the same clause, or a negating cue within three words after it, makes the mention negative.
Clauses end at commas, semicolons, full stops, brackets and "but".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from compounding.screening.medtext import key, words

_CLAUSES = re.compile(r"[,;.()\[\]]|\bbut\b|\bhowever\b", re.IGNORECASE)
BEFORE = ("no", "not", "denies", "denied", "deny", "without", "never", "negative for",
          "free of", "absence of", "no history of", "no hx of", "no sign of", "no signs of",
          "no evidence of", "ruled out", "rules out", "nkda", "nka", "non")
AFTER = ("negative", "ruled out", "excluded", "denied", "absent", "no", "not")
AFTER_WINDOW = 3
_BEFORE = tuple(words(cue) for cue in BEFORE)
_AFTER = tuple(words(cue) for cue in AFTER)


def _find(run: tuple[str, ...], phrase: tuple[str, ...]) -> int:
    n = len(phrase)
    for start in range(len(run) - n + 1):
        if run[start:start + n] == phrase:
            return start
    return -1


def _contains(run: tuple[str, ...], cues: tuple[tuple[str, ...], ...]) -> bool:
    return any(_find(run, cue) >= 0 for cue in cues)


@lru_cache(maxsize=4096)
def mentions(text: str, phrases: tuple[str, ...]) -> bool:
    """Whether ``text`` affirms any of ``phrases`` (whole words, not denied in its clause).

    >>> mentions("pregnant, 12 weeks", ("pregnant",)), mentions("not pregnant", ("pregnant",))
    (True, False)
    >>> mentions("pregnancy test negative", ("pregnancy",))
    False
    >>> mentions("no hepatitis, but pregnant", ("pregnant",))
    True
    """
    wanted = [words(p) for p in phrases]
    for clause in _CLAUSES.split(text):
        run = words(clause)
        for phrase in wanted:
            start = _find(run, phrase)
            if start < 0:
                # "lactose-intolerant" and "lactose intolerant" are the same phrase
                joined = key(phrase)
                start = next((i for i, w in enumerate(run) if w == joined), -1)
                if start < 0:
                    continue
                length = 1
            else:
                length = len(phrase)
            before = run[:start]
            after = run[start + length:start + length + AFTER_WINDOW]
            if not _contains(before, _BEFORE) and not _contains(after, _AFTER):
                return True
    return False


def first_mention(entries: Iterable[str], phrases: tuple[str, ...]) -> int | None:
    """The index of the first entry that affirms one of ``phrases``, or ``None``."""
    for index, entry in enumerate(entries):
        if mentions(entry, phrases):
            return index
    return None
