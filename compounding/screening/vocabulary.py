"""The medication vocabulary: a reviewed table of names, the ingredient each contains, its class,
its RxNorm code where known, the market and the source (domain.md §14).

The table is ``compounding/data/medications.csv``, one row per name and ingredient; a
combination product has a row for each ingredient (Suboxone: buprenorphine and naloxone). It is
data, reviewed like code: ``compounding vocabulary import-rxnorm`` proposes additions as a diff.
Classes:

- ``full_agonist``, ``partial_agonist``, ``antitussive``: an opioid the patient takes
  (ATC N02A, N07BC, R05DA, N01AH and unscheduled opioids);
- ``antidiarrheal``: an opioid acting in the gut (ATC A07DA);
- ``pamora``: a peripherally acting opioid antagonist, which implies opioid therapy (A06AH);
- ``antagonist``: naltrexone, nalmefene, samidorphan, naloxone;
- ``other``: listed so that it is recognised and never taken for a near miss (dextromethorphan,
  noscapine) or for its own warning (lofexidine).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal, get_args

from compounding.screening.medtext import key, words

Kind = Literal["full_agonist", "partial_agonist", "antitussive", "antidiarrheal", "pamora",
               "antagonist", "other"]
KINDS: tuple[str, ...] = get_args(Kind)
OPIOID_KINDS = frozenset({"full_agonist", "partial_agonist", "antitussive"})
COLUMNS = ("term", "ingredient", "class", "rxcui", "country", "source")
TABLE = "medications.csv"
FUZZY_MIN_LENGTH = 5  # names shorter than this are never near-miss targets


@dataclass(frozen=True, slots=True)
class Term:
    """One row: ``term`` as written in the table, the ``ingredient`` it contains."""

    term: str
    ingredient: str
    kind: Kind
    rxcui: str
    country: str
    source: str

    @property
    def words(self) -> tuple[str, ...]:
        return words(self.term)


class TableError(ValueError):
    """A row of the vocabulary table that cannot be used, with its line number."""


@dataclass(frozen=True)
class Vocabulary:
    """The table, indexed by key (words run together) and by RXCUI."""

    terms: tuple[Term, ...]
    by_key: dict[str, tuple[Term, ...]]
    by_rxcui: dict[str, tuple[Term, ...]]
    max_words: int
    single_words: dict[str, tuple[Term, ...]]  # one-word names, the near-miss targets
    prefixes: frozenset[str]  # every leading part of every key: where a run may go on
    near: dict[int, tuple[str, ...]]  # by a word's length: the one-word names within 2 of it

    @classmethod
    def of(cls, terms: Iterable[Term]) -> Vocabulary:
        terms = tuple(terms)
        by_key: dict[str, list[Term]] = {}
        by_rxcui: dict[str, list[Term]] = {}
        single: dict[str, list[Term]] = {}
        longest = 1
        for term in terms:
            run = term.words
            longest = max(longest, len(run))
            by_key.setdefault(key(run), []).append(term)
            if term.rxcui:
                by_rxcui.setdefault(term.rxcui, []).append(term)
            if len(run) == 1 and run[0].isalpha() and len(run[0]) >= FUZZY_MIN_LENGTH:
                single.setdefault(run[0], []).append(term)
        prefixes = frozenset(k[:i] for k in by_key for i in range(1, len(k) + 1))
        lengths = {len(name) for name in single}
        near = {n: tuple(name for name in single if abs(len(name) - n) <= 2)
                for n in range(1, max(lengths, default=0) + 3)}
        return cls(terms, _freeze(by_key), _freeze(by_rxcui), longest, _freeze(single),
                   prefixes, near)

    def ingredients(self) -> dict[str, Kind]:
        """Each ingredient and the class of its own row (its name as a term), in table order."""
        found: dict[str, Kind] = {}
        for term in self.terms:
            found.setdefault(term.ingredient, term.kind)
        return found


def _freeze(index: dict[str, list[Term]]) -> dict[str, tuple[Term, ...]]:
    return {k: tuple(v) for k, v in index.items()}


def read_rows(lines: Iterable[str], where: str = TABLE) -> list[Term]:
    """Rows of a table in :data:`COLUMNS` order; :class:`TableError` names a bad line."""
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None or tuple(header) != COLUMNS:
        raise TableError(f"{where}: the header must be {','.join(COLUMNS)}")
    rows = []
    for number, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(COLUMNS):
            raise TableError(f"{where}, line {number}: {len(row)} columns, not {len(COLUMNS)}")
        term, ingredient, kind, rxcui, country, source = (cell.strip() for cell in row)
        if kind not in KINDS:
            raise TableError(f"{where}, line {number}: class “{kind}” is not one of "
                             f"{', '.join(KINDS)}")
        if rxcui and not rxcui.isdigit():
            raise TableError(f"{where}, line {number}: RXCUI “{rxcui}” is not a number")
        if not term or not ingredient or not words(term):
            raise TableError(f"{where}, line {number}: term and ingredient are required")
        rows.append(Term(term, ingredient, kind, rxcui, country, source))  # type: ignore[arg-type]
    return rows


def table_path() -> Path:
    """Where the packaged table is (for ``import-rxnorm``'s diff)."""
    return Path(str(resources.files("compounding") / "data" / TABLE))


@cache
def vocabulary() -> Vocabulary:
    """The packaged table, read once."""
    text = (resources.files("compounding") / "data" / TABLE).read_text(encoding="utf-8")
    return Vocabulary.of(read_rows(text.splitlines()))
