"""Medication text as words: what a pharmacist writes in a medication list, tokenised so that
a product number ("Tylenol #3") is told from a count, a strength or a frequency ("Tylenol 2 tabs",
"Tylenol 3 times daily", "Tylenol 500 mg") (domain.md §14).

Words are folded to lower case (NFKC, then casefold); letters and digits are split apart
("Tylenol#3", "Tylenol3" and "Tylenol No. 3" all read ``tylenol 3``); punctuation separates words.
A number that a unit, a count or a frequency follows becomes :data:`QUANTITY`, which no name
contains. "#" and "No." before a number mark it as a product number.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

QUANTITY = "\x00"  # stands for a number that counts or measures; never part of a name

_TOKEN = re.compile(r"#|\d+(?:[.,]\d+)*|[^\W\d_]+")

# Words that, after a number, make it an amount, a count or a frequency.
UNIT_WORDS = frozenset("""
    tab tabs tablet tablets tbl tbls tb cap caps capsule capsules pill pills lozenge lozenges
    mg mcg ug µg μg g gm gram grams kg ml l mmol iu unit units meq dose doses
    tsp tsps teaspoon teaspoons tbsp tablespoon tablespoons puff puffs drop drops gtt gtts
    patch patches spray sprays sachet sachets film films
    times time x daily day days d week weeks wk wks month months hour hours hourly h hr hrs
    min mins minute minutes per a every bid tid qid qd od bd tds qds mane nocte
    percent
""".split())
# Words that, before a number, make it an amount or a count ("x 3", "take 2").
COUNT_BEFORE = frozenset({"x", "take", "takes", "taking", "took", "qty", "quantity"})
# Words that, before a number, make it a product number ("No. 3", "#3").
NUMBER_SIGNS = frozenset({"#", "no", "nr", "number"})


def fold(text: str) -> str:
    """NFKC, then case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def _is_number(token: str) -> bool:
    return token[0].isdigit()


@lru_cache(maxsize=8192)
def words(text: str) -> tuple[str, ...]:
    """The words of ``text``; numbers that count or measure become :data:`QUANTITY`.

    >>> words("Tylenol #3"), words("Tylenol No. 3 2 tabs q6h")
    (('tylenol', '3'), ('tylenol', '3', '\\x00', 'tabs', 'q', '\\x00', 'h'))
    >>> words("Tylenol 3 times daily"), words("Tylenol 500 mg")
    (('tylenol', '\\x00', 'times', 'daily'), ('tylenol', '\\x00', 'mg'))
    """
    tokens = _TOKEN.findall(fold(text))
    out: list[str] = []
    marked = False
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in NUMBER_SIGNS and following and _is_number(following):
            marked = True
            continue
        if token == "#":
            continue
        if _is_number(token):
            previous = out[-1] if out else ""
            counts = following in UNIT_WORDS or previous in COUNT_BEFORE
            out.append(token if marked or not counts else QUANTITY)
            marked = False
            continue
        out.append(token)
    return tuple(out)


def key(run: tuple[str, ...] | list[str]) -> str:
    """The words of a name run together, so that "MS-Contin", "MS Contin" and "MSContin",
    or "co-codamol" and "cocodamol", are one key."""
    return "".join(run)
