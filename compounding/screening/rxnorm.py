"""Proposing additions to the medication table from an RxNorm release (domain.md §14).

A pharmacy downloads the RxNorm full release (NLM) and runs
``compounding vocabulary import-rxnorm RXNCONSO.RRF RXNREL.RRF``. The brand names (TTY ``BN``) and
synonyms (``SY``, ``TMSY``) of the table's ingredients are written as a unified diff of the table,
with the RXCUIs of rows that lack one; nothing changes until a person reviews and applies it.

The files are pipe-delimited, one concept name or relation a line, in the column layout of the
RxNorm technical documentation (section 12.5):

- RXNCONSO: RXCUI|LAT|TS|LUI|STT|SUI|ISPREF|RXAUI|SAUI|SCUI|SDUI|SAB|TTY|CODE|STR|SRL|SUPPRESS|CVF|
- RXNREL: RXCUI1|RXAUI1|STYPE1|REL|RXCUI2|RXAUI2|STYPE2|RELA|RUI|SRUI|SAB|SL|DIR|RG|SUPPRESS|CVF|

Only rows of the RXNORM source, in English, not suppressed, are read. A brand is tied to an
ingredient by ``has_tradename``/``tradename_of``, directly or through a multiple-ingredient
concept (``MIN``, ``has_part``/``part_of``). Both files are streamed; what is kept is a few sets
of RXCUIs, so memory does not grow with the file.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from compounding.screening.medtext import key, words
from compounding.screening.vocabulary import TableError, Term, Vocabulary, read_rows

CONSO_FIELDS = 18
REL_FIELDS = 16
TRADENAME = frozenset({"has_tradename", "tradename_of"})
PARTS = frozenset({"has_part", "part_of"})
NAME_TYPES = frozenset({"IN", "PIN"})
SYNONYM_TYPES = frozenset({"SY", "TMSY"})


class RrfError(ValueError):
    """A file that is not in the RRF layout, with the file and line."""


def _rows(path: Path, width: int, name: str) -> Iterator[list[str]]:
    with path.open(encoding="utf-8", errors="replace", newline="") as lines:
        for number, line in enumerate(lines, start=1):
            row = line.rstrip("\r\n").split("|")
            if len(row) < width:
                raise RrfError(f"{path.name}, line {number}: {len(row)} fields, not the "
                               f"{width} of {name}.RRF")
            yield row


def _usable_conso(row: list[str]) -> bool:
    return row[11] == "RXNORM" and row[1] == "ENG" and row[16] in ("N", "")


@dataclass
class Proposal:
    """What an RxNorm release adds to the table: new rows, and RXCUIs for existing rows."""

    added: list[Term] = field(default_factory=list)
    coded: dict[int, str] = field(default_factory=dict)  # row index → RXCUI
    release: str = ""

    @property
    def empty(self) -> bool:
        return not self.added and not self.coded


def propose(table: Vocabulary, conso: Path, rel: Path, release: str = "") -> Proposal:
    """Read the two files (three streamed passes) and propose additions to ``table``."""
    wanted = {name: kind for name, kind in table.ingredients().items() if kind != "other"}
    label = f"RxNorm {release}".strip()
    # pass 1: the ingredients' concepts, and which concepts are brands or multiple ingredients
    ingredient_of: dict[str, set[str]] = defaultdict(set)
    brands: set[str] = set()
    multiples: set[str] = set()
    for row in _rows(conso, CONSO_FIELDS, "RXNCONSO"):
        if not _usable_conso(row):
            continue
        tty = row[12]
        if tty in NAME_TYPES:
            for term in table.by_key.get(key(words(row[14])), ()):
                if term.ingredient in wanted:
                    ingredient_of[row[0]].add(term.ingredient)
        elif tty == "BN":
            brands.add(row[0])
        elif tty == "MIN":
            multiples.add(row[0])
    # pass 2: brands tied to those ingredients, directly or through a MIN
    brand_links: dict[str, set[str]] = defaultdict(set)
    parts: dict[str, set[str]] = defaultdict(set)
    for row in _rows(rel, REL_FIELDS, "RXNREL"):
        if row[10] != "RXNORM" or row[14] not in ("N", ""):
            continue
        a, b, rela = row[0], row[4], row[7]
        for one, other in ((a, b), (b, a)):
            if rela in TRADENAME and one in brands and (other in ingredient_of
                                                         or other in multiples):
                brand_links[one].add(other)
            elif rela in PARTS and one in multiples and other in ingredient_of:
                parts[one].add(other)
    brand_ingredients: dict[str, set[str]] = {}
    for brand, linked in brand_links.items():
        names: set[str] = set()
        for cui in linked:
            for ingredient_cui in ({cui} if cui in ingredient_of else parts.get(cui, set())):
                names |= ingredient_of[ingredient_cui]
        if names:
            brand_ingredients[brand] = names
    # pass 3: the names of those brands, the ingredients' synonyms, their own names' RXCUIs
    proposal = Proposal(release=release)
    present = {(key(t.words), t.ingredient) for t in table.terms}
    index_of = {id(t): i for i, t in enumerate(table.terms)}
    for row in _rows(conso, CONSO_FIELDS, "RXNCONSO"):
        if not _usable_conso(row):
            continue
        cui, tty, text = row[0], row[12], row[14]
        if tty == "BN" and cui in brand_ingredients:
            found = sorted(brand_ingredients[cui])
            source = f"{label} (BN)"
        elif tty in SYNONYM_TYPES and cui in ingredient_of:
            found = sorted(ingredient_of[cui])
            source = f"{label} ({tty})"
        else:
            found, source = [], ""
        name_key = key(words(text))
        if tty in NAME_TYPES or tty == "BN":
            for term in table.by_key.get(name_key, ()):
                if not term.rxcui and (tty == "BN" or term.ingredient in ingredient_of[cui]):
                    proposal.coded.setdefault(index_of[id(term)], cui)
        for ingredient in found:
            if (name_key, ingredient) in present or not name_key:
                continue
            present.add((name_key, ingredient))
            proposal.added.append(Term(text, ingredient, wanted[ingredient],
                                       cui, "US", source))
    proposal.added.sort(key=lambda t: (t.ingredient, t.term.casefold()))
    return proposal


def _line(term: Term, rxcui: str | None = None) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(
        [term.term, term.ingredient, term.kind, rxcui or term.rxcui, term.country, term.source])
    return out.getvalue()


def as_diff(table_text: str, proposal: Proposal, path: str) -> str:
    """The proposal as a unified diff of the table file (``git apply`` or ``patch -p1``)."""
    old = table_text.splitlines(keepends=True)
    terms = read_rows(table_text.splitlines())
    if len(terms) != len(old) - 1:
        raise TableError(f"{path}: blank lines or multi-line cells; write one row a line")
    new = old[:1] + [_line(t, proposal.coded.get(i)) if i in proposal.coded else old[i + 1]
                     for i, t in enumerate(terms)]
    new += [_line(t) for t in proposal.added]
    return "".join(difflib.unified_diff(old, new, fromfile=f"a/{path}", tofile=f"b/{path}"))


def summary(proposal: Proposal) -> str:
    """One line for the person who will review the diff."""
    brands = sum(1 for t in proposal.added if t.source.endswith("(BN)"))
    return (f"{brands} brand names and {len(proposal.added) - brands} synonyms proposed; "
            f"{len(proposal.coded)} RXCUIs filled in. Review the diff, then apply it with "
            f"git apply or patch -p1.")

