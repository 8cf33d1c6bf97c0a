"""Concurrent medications against naltrexone: opioids, PAMORAs, other antagonists, lofexidine
(domain.md §4 and §14; naltrexone tablet labels: DailyMed, UK SmPC, Medsafe).

Naltrexone blocks opioid analgesia, cough and antidiarrheal opioids, and precipitates withdrawal
even at low dose. A medication is read against the vocabulary table (:mod:`.vocabulary`): its
RxNorm code first, then its words, by whole names, never by substring ("Tylenol 500 mg",
"codeine-free", naloxone and dextromethorphan do not match). A word of six letters or more
within two edits of an opioid's name is a near miss: ``OPIOID_POSSIBLE``, not silence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

from compounding.screening.medtext import key, words
from compounding.screening.review import Review
from compounding.screening.vocabulary import OPIOID_KINDS, Term, Vocabulary, vocabulary

NEAR_MISS_LENGTH = 6  # domain.md §14: a word of 6+ letters
NEAR_MISS_EDITS = 2
_NEAR_MISS_KINDS = OPIOID_KINDS | {"antidiarrheal"}
# Words before a one-word name that say the product is without it ("no codeine", "non-codeine").
NEGATING_BEFORE = frozenset({"no", "non", "without", "not"})
# Words right after a name that say the product is without it ("codeine-free").
NEGATING_AFTER = frozenset({"free"})
LONG_WASHOUT = frozenset({"methadone", "levomethadone", "levacetylmethadol", "buprenorphine"})
# Antagonists that do not duplicate naltrexone: naloxone is the overdose rescue. An antagonist
# combined with an opioid (Suboxone, Embeda, Targin) is its abuse deterrent; the opioid is flagged.
NOT_DUPLICATES = frozenset({"naloxone"})


@dataclass(frozen=True, slots=True)
class Match:
    """An ingredient found in a medication, under the ``name`` written there."""

    term: Term
    name: str

    @property
    def ingredient(self) -> str:
        return self.term.ingredient


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A ``word`` that is not in the table but is within two edits of ``terms``."""

    word: str
    terms: tuple[Term, ...]

    @property
    def ingredients(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.ingredient for t in self.terms))


@dataclass(frozen=True, slots=True)
class Reading:
    """What a medication entry contains: ingredients matched, each once, and near misses."""

    matches: tuple[Match, ...]
    near_misses: tuple[NearMiss, ...] = ()

    def of(self, *kinds: str) -> list[Match]:
        return [m for m in self.matches if m.term.kind in kinds]


@cache
def lookalikes() -> frozenset[str]:
    """Words never taken for a near miss: the words of a medication list ("tablet", "daily"),
    and words within two edits of an opioid's name that are not opioids ("sodium")."""
    text = (resources.files("compounding") / "data" / "lookalikes.txt").read_text("utf-8")
    return frozenset(word.casefold() for line in text.splitlines()
                     for word in line.split("#")[0].split())


def read_medication(text: str, rxcui: str | None = None,
                    table: Vocabulary | None = None) -> Reading:
    """The ingredients a medication names: by ``rxcui`` first, then by its words.

    >>> [m.ingredient for m in read_medication("Percocet 5/325 mg").matches]
    ['oxycodone']
    >>> read_medication("Tylenol 2 tabs q6h prn").matches, read_medication("codeine-free").matches
    ((), ())
    """
    if table is None:
        return _read(text, rxcui)
    return _read_with(table, text, rxcui)


@lru_cache(maxsize=4096)
def _read(text: str, rxcui: str | None) -> Reading:
    return _read_with(vocabulary(), text, rxcui)


SHORT_FORMS: dict[str, str] = {
    "oxycod": "oxycodone", "hydrocod": "hydrocodone", "hydromorph": "hydromorphone",
    "oxymorph": "oxymorphone", "dhc": "dihydrocodeine", "bupe": "buprenorphine",
    "bupren": "buprenorphine", "tapent": "tapentadol", "morphsulf": "morphine",
}
"""Pharmacy-system short forms of opioid ingredients, read wherever they stand ("Oxycod/APAP",
"Hydrocod/APAP", "DHC"); "MSO4" (morphine sulfate) too."""
SHORT_FORMS_IN_COMBINATION: dict[str, str] = {
    "cod": "codeine", "bup": "buprenorphine", "nal": "naloxone", "morph": "morphine",
    "fent": "fentanyl", "tram": "tramadol", "oxyc": "oxycodone", "bpn": "buprenorphine",
}
"""Short forms that are also words ("cod liver oil"): read only in a combination written the
way pharmacy systems write one ("APAP/COD", "w/ Cod #3", "Bup/Nal", "ASA + Cod")."""
_HC_PARTNERS = frozenset({"apap", "acetaminophen", "paracetamol", "ibu", "ibuprofen",
                          "homatropine", "hom", "chlorpheniramine", "cpm", "guaifenesin"})
""""HC" is hydrocodone beside one of these ("HC/APAP 5/325"); beside anything else it may be
hydrocortisone ("HC/pramoxine")."""
_COMBINATION = re.compile(r"/|\bw/|\bwith\b|\+|&|#\s*\d|\bno\.?\s*\d", re.IGNORECASE)


def _expand(run: tuple[str, ...], text: str) -> tuple[str, ...]:
    """The words with the short forms of opioid ingredients written out.

    >>> _expand(("apap", "cod"), "APAP/COD"), _expand(("cod", "liver", "oil"), "cod liver oil")
    (('apap', 'codeine'), ('cod', 'liver', 'oil'))
    >>> _expand(("mso", "4", "er"), "MSO4 ER")
    ('morphine', 'er')
    """
    combination = bool(_COMBINATION.search(text))
    out: list[str] = []
    skip = False
    for i, word in enumerate(run):
        if skip:
            skip = False
            continue
        if word == "mso" and i + 1 < len(run) and run[i + 1] == "4":
            out.append("morphine")
            skip = True
        elif word in SHORT_FORMS:
            out.append(SHORT_FORMS[word])
        elif word == "hc" and combination and _HC_PARTNERS & set(run):
            out.append("hydrocodone")
        elif combination and word in SHORT_FORMS_IN_COMBINATION:
            out.append(SHORT_FORMS_IN_COMBINATION[word])
        else:
            out.append(word)
    return tuple(out)


def _read_with(table: Vocabulary, text: str, rxcui: str | None) -> Reading:
    found: dict[str, Match] = {}
    for term in table.by_rxcui.get(rxcui or "", ()):
        found.setdefault(term.ingredient, Match(term, term.term))
    run = _expand(words(text), text)
    covered = [False] * len(run)
    for start in range(len(run)):
        joined, longest = "", 0
        for length in range(1, min(table.max_words, len(run) - start) + 1):
            joined += run[start + length - 1]
            if joined not in table.prefixes:
                break
            if joined in table.by_key:
                longest = length
        if not longest:
            continue
        part = run[start:start + longest]
        for i in range(start, start + longest):
            covered[i] = True
        if not _negated(run, start, longest):
            for term in table.by_key[key(part)]:
                found.setdefault(term.ingredient, Match(term, " ".join(part)))
    misses = tuple(m for m in _near_misses(table, run, covered)
                   if not set(m.ingredients) <= found.keys())
    return Reading(tuple(found.values()), misses)


def _negated(run: tuple[str, ...], start: int, length: int) -> bool:
    after = run[start + length] if start + length < len(run) else ""
    before = run[start - 1] if start > 0 else ""
    return after in NEGATING_AFTER or before in NEGATING_BEFORE


def _near_misses(table: Vocabulary, run: tuple[str, ...],
                 covered: list[bool]) -> tuple[NearMiss, ...]:
    misses = []
    skip = lookalikes()
    for i, word in enumerate(run):
        if (covered[i] or len(word) < NEAR_MISS_LENGTH or not word.isalpha() or word in skip
                or _negated(run, i, 1)):
            continue
        terms = _closest(table, word)
        if terms:
            misses.append(NearMiss(word, terms))
    return tuple(misses)


def _closest(table: Vocabulary, word: str) -> tuple[Term, ...]:
    """The opioid names nearest ``word`` within two edits (only names whose length is within
    two of the word's can be), or ``()``."""
    assert NEAR_MISS_EDITS == 2  # Vocabulary.near holds the names within 2 letters of length
    close = extract(word, table.near.get(len(word), ()), scorer=Levenshtein.distance,
                    score_cutoff=NEAR_MISS_EDITS, limit=None)
    if not close:
        return ()
    best = min(distance for _, distance, _ in close)
    return tuple(t for name, distance, _ in close if distance == best
                 for t in table.single_words[name] if t.kind in _NEAR_MISS_KINDS)


def check_medications(review: Review, medications: list[tuple[str, str | None]]) -> None:
    """Findings for each entry (text, RXCUI) of ``concurrent_medications`` (domain.md §14)."""
    for index, (text, rxcui) in enumerate(medications):
        reading = read_medication(text, rxcui)
        field = f"concurrent_medications[{index}]"
        opioids = reading.of(*OPIOID_KINDS)
        if opioids:
            review.finding("OPIOID_COADMINISTRATION", field, _opioid_message(text, opioids))
        _warnings(review, field, text, reading)
        for miss in reading.near_misses:
            names = " or ".join(miss.ingredients)
            where = "" if words(text) == (miss.word,) else f" in “{text}”"
            review.finding("OPIOID_POSSIBLE", field,
                           f"Could not confirm “{miss.word}”{where}: it may be {names}, an "
                           f"opioid. Check the medication with the patient or the prescriber.")


def _warnings(review: Review, field: str, text: str, reading: Reading) -> None:
    gut = reading.of("antidiarrheal")
    if gut:
        review.finding("OPIOID_ANTIDIARRHEAL", field,
                       f"“{text}” contains {_names(gut)}, an opioid antidiarrheal: naltrexone may "
                       f"block its effect. Tell the patient and the prescriber.")
    pamoras = reading.of("pamora")
    if pamoras:
        review.finding("OPIOID_PAMORA", field,
                       f"“{text}” contains {_names(pamoras)}, given for constipation caused by "
                       f"opioids: the patient is probably taking an opioid. Ask about opioid use "
                       f"before dispensing naltrexone.")
    duplicates = [m for m in reading.of("antagonist") if m.ingredient not in NOT_DUPLICATES]
    if duplicates and not reading.of(*OPIOID_KINDS):
        review.finding("OPIOID_ANTAGONIST_DUPLICATE", field,
                       f"“{text}” contains {_names(duplicates)}, another opioid antagonist: with "
                       f"this naltrexone it duplicates therapy. Confirm with the prescriber which "
                       f"one the patient takes.")
    if any(m.ingredient == "lofexidine" for m in reading.matches):
        review.finding("OPIOID_WITHDRAWAL_TREATMENT", field,
                       f"“{text}” contains lofexidine, which treats opioid withdrawal: the "
                       f"patient may be stopping opioids now. Confirm they have been opioid-free "
                       f"for 7-10 days (2 weeks after methadone or buprenorphine).")


DEPOTS = frozenset({"sublocade", "brixadi", "probuphine", "buvidal", "sixmo"})
"""Buprenorphine depots and implants: months of release after the last dose (their US and EU
labels)."""


def _names(matches: list[Match]) -> str:
    return " and ".join(m.ingredient for m in matches)


def _opioid_message(text: str, matches: list[Match]) -> str:
    what = ("an opioid cough medicine" if all(m.term.kind == "antitussive" for m in matches)
            else "a partial opioid agonist" if all(m.term.kind == "partial_agonist"
                                                   for m in matches)
            else "an opioid agonist")
    depots = sorted({m.term.term for m in matches if m.term.term.casefold() in DEPOTS})
    if depots:
        return (f"“{text}” is {' and '.join(depots)}, buprenorphine given as a depot injection "
                f"or implant: it keeps releasing buprenorphine for months after the last dose, "
                f"so the usual 2-week opioid-free wait does not apply and naltrexone can "
                f"precipitate withdrawal long after. Check with the prescriber when the last "
                f"dose was and whether naltrexone can start.")
    washout = ("at least 2 weeks (methadone or buprenorphine)"
               if any(m.ingredient in LONG_WASHOUT for m in matches) else "7-10 days")
    return (f"“{text}” contains {_names(matches)}, {what}: naltrexone blocks it and can "
            f"precipitate withdrawal even at low dose. The patient should be opioid-free for "
            f"{washout} before starting naltrexone; trying to overcome the blockade with more "
            f"opioid is dangerous. Confirm with the prescriber.")
