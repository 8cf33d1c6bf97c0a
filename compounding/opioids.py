"""Opioid co-administration: an ingredient table with brands and synonyms, and a token matcher.

Naltrexone is contraindicated with opioid analgesics and in opioid dependence: it blocks opioid
analgesia, cough and antidiarrheal opioids, and precipitates withdrawal even at low dose
(naltrexone tablet labels: DailyMed, UK SmPC, Medsafe). Entries are matched by whole words, never
by substring, so "Tylenol 500 mg", "codeine-free", naloxone and dextromethorphan do not match.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .fillers import normalize
from .review import Review

Category = Literal["agonist", "antidiarrheal"]
SOURCE = "naltrexone tablet labels (DailyMed, UK SmPC, Medsafe); domain.md §4"


@dataclass(frozen=True, slots=True)
class Ingredient:
    """An opioid ingredient and the names (brands, synonyms) that contain it."""

    name: str
    category: Category
    names: tuple[str, ...]
    long_washout: bool = False  # methadone, buprenorphine: up to 2 weeks opioid-free


INGREDIENTS: tuple[Ingredient, ...] = (
    Ingredient("morphine", "agonist", ("morphine", "ms contin", "kadian", "avinza", "oramorph")),
    Ingredient("codeine", "agonist", (
        "codeine", "tylenol 2", "tylenol 3", "tylenol 4", "tylenol no 2", "tylenol no 3",
        "tylenol no 4", "tylenol with codeine", "fioricet with codeine", "fiorinal with codeine",
        "promethazine codeine", "tuzistra")),
    Ingredient("dihydrocodeine", "agonist", ("dihydrocodeine", "synalgos dc", "trezix")),
    Ingredient("hydrocodone", "agonist", (
        "hydrocodone", "vicodin", "norco", "lortab", "vicoprofen", "hysingla", "zohydro",
        "lorcet", "xodol", "hycodan", "tussionex")),
    Ingredient("oxycodone", "agonist", (
        "oxycodone", "oxycontin", "roxicodone", "percocet", "endocet", "percodan", "xtampza",
        "roxicet", "oxaydo", "targiniq")),
    Ingredient("oxymorphone", "agonist", ("oxymorphone", "opana")),
    Ingredient("hydromorphone", "agonist", ("hydromorphone", "dilaudid", "exalgo")),
    Ingredient("fentanyl", "agonist", (
        "fentanyl", "fentanil", "duragesic", "actiq", "fentora", "subsys", "abstral", "lazanda")),
    Ingredient("sufentanil", "agonist", ("sufentanil", "dsuvia")),
    Ingredient("remifentanil", "agonist", ("remifentanil", "ultiva")),
    Ingredient("alfentanil", "agonist", ("alfentanil",)),
    Ingredient("meperidine", "agonist", ("meperidine", "pethidine", "demerol")),
    Ingredient("methadone", "agonist", ("methadone", "dolophine", "methadose"), True),
    Ingredient("levorphanol", "agonist", ("levorphanol",)),
    Ingredient("tapentadol", "agonist", ("tapentadol", "nucynta")),
    Ingredient("tramadol", "agonist", ("tramadol", "ultram", "ultracet", "conzip", "qdolo")),
    Ingredient("oliceridine", "agonist", ("oliceridine", "olinvyk")),
    Ingredient("propoxyphene", "agonist", ("propoxyphene", "darvocet", "darvon")),
    Ingredient("opium", "agonist", ("opium", "paregoric", "laudanum", "opium tincture")),
    Ingredient("buprenorphine", "agonist", (
        "buprenorphine", "suboxone", "subutex", "zubsolv", "belbuca", "butrans", "sublocade",
        "brixadi", "bunavail", "buprenex"), True),
    Ingredient("butorphanol", "agonist", ("butorphanol", "stadol")),
    Ingredient("pentazocine", "agonist", ("pentazocine", "talwin")),
    Ingredient("nalbuphine", "agonist", ("nalbuphine", "nubain")),
    Ingredient("heroin", "agonist", ("heroin", "diamorphine", "diacetylmorphine")),
    Ingredient("kratom (mitragynine)", "agonist", ("kratom", "mitragynine")),
    Ingredient("loperamide", "antidiarrheal", ("loperamide", "imodium")),
    Ingredient("eluxadoline", "antidiarrheal", ("eluxadoline", "viberzi")),
    Ingredient("diphenoxylate", "antidiarrheal", ("diphenoxylate", "lomotil")),
    Ingredient("difenoxin", "antidiarrheal", ("difenoxin", "motofen")),
)

# Words that, right after a name, say the product does NOT contain it ("codeine-free").
NEGATIONS = frozenset({"free"})
MAX_NAME_WORDS = 4


def _key(words: tuple[str, ...] | list[str]) -> str:
    return "".join(words)


_TABLE: dict[str, list[Ingredient]] = {}
for _ingredient in INGREDIENTS:
    for _name in _ingredient.names:
        _words = normalize(_name).split()
        assert len(_words) <= MAX_NAME_WORDS, _name
        _TABLE.setdefault(_key(_words), []).append(_ingredient)


_ORDER = {ingredient.name: i for i, ingredient in enumerate(INGREDIENTS)}


@dataclass(frozen=True, slots=True)
class Match:
    """An ingredient found in a medication entry, under the ``name`` written there."""

    ingredient: Ingredient
    name: str


@lru_cache(maxsize=4096)
def match_medication(entry: str) -> tuple[Match, ...]:
    """The opioid ingredients a medication entry names, each once, in table order.

    Words are compared after folding case and punctuation, and a run of up to four words is also
    compared with its spaces removed ("MS-Contin", "Oxy Contin", "Tylenol#3").

    >>> [m.ingredient.name for m in match_medication("Percocet 5/325 mg")]
    ['oxycodone']
    >>> match_medication("Tylenol 500 mg"), match_medication("codeine-free cough syrup")
    ((), ())
    """
    words = normalize(entry).split()
    found: dict[str, Match] = {}
    for start in range(len(words)):
        for length in range(min(MAX_NAME_WORDS, len(words) - start), 0, -1):
            run = words[start:start + length]
            hits = _TABLE.get(_key(run))
            if not hits:
                continue
            after = words[start + length] if start + length < len(words) else ""
            if after in NEGATIONS or (start > 0 and words[start - 1] in ("no", "non", "without")
                                      and len(run) == 1):
                break
            for ingredient in hits:
                found.setdefault(ingredient.name, Match(ingredient, " ".join(run)))
            break
    return tuple(sorted(found.values(), key=lambda m: _ORDER[m.ingredient.name]))


def check_opioids(review: Review, medications: list[str]) -> None:
    """One finding per medication entry that contains an opioid (domain.md §4)."""
    for index, entry in enumerate(medications):
        matches = match_medication(entry)
        agonists = [m for m in matches if m.ingredient.category == "agonist"]
        others = [m for m in matches if m.ingredient.category == "antidiarrheal"]
        field = f"concurrent_medications[{index}]"
        if agonists:
            review.finding("OPIOID_COADMINISTRATION", field, _agonist_message(entry, agonists))
        if others:
            names = " and ".join(m.ingredient.name for m in others)
            review.finding("OPIOID_ANTIDIARRHEAL", field,
                           f"“{entry}” contains {names}, an opioid antidiarrheal: naltrexone may "
                           f"block its effect. Tell the patient and the prescriber.")


def _agonist_message(entry: str, matches: list[Match]) -> str:
    names = " and ".join(m.ingredient.name for m in matches)
    washout = ("at least 2 weeks (methadone or buprenorphine)"
               if any(m.ingredient.long_washout for m in matches) else "7-10 days")
    return (f"“{entry}” contains {names}, an opioid agonist: naltrexone blocks it and can "
            f"precipitate withdrawal even at low dose. The patient should be opioid-free for "
            f"{washout} before starting naltrexone; trying to overcome the blockade with more "
            f"opioid is dangerous. Confirm with the prescriber.")
