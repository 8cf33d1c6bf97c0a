"""Capsule fillers (diluents), as data: names, grades, release effect, default pack stats.

A filler's ``release_effect`` decides whether LDN may be made with it (domain.md §4):
``none`` is fine; ``retards`` (HPMC and the like, used at 30-40 % for slow-release capsules, Zur,
IJPC 2013) and ``reduces_absorption`` (calcium carbonate, Swidan) are refused. Default pack stats
[mg of filler alone per capsule] are from the Formulating Capsules Guide filler chart (Avicel
PH-105); size 5 has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Literal

ReleaseEffect = Literal["none", "retards", "reduces_absorption"]

MCC_PACK_STATS_SOURCE = "Formulating Capsules Guide filler chart (Avicel PH-105)"

MCC_PACK_STATS: dict[str, Fraction] = {
    "4": Fraction(110), "3": Fraction(130), "2": Fraction(160), "1": Fraction(230),
    "0": Fraction(320), "00": Fraction(450), "000": Fraction(725),
}


@dataclass(frozen=True, slots=True)
class FillerEntry:
    """One filler: canonical ``name``, other names, known grades, effect on release."""

    name: str
    synonyms: tuple[str, ...]
    grades: tuple[str, ...]
    release_effect: ReleaseEffect
    contains_lactose: bool
    source: str
    pack_stats: dict[str, Fraction] = field(default_factory=dict)


FILLERS: tuple[FillerEntry, ...] = (
    FillerEntry(
        "microcrystalline cellulose",
        ("microcrystalline cellulose", "mcc", "avicel", "cellulose microcrystalline",
         "cellulose, microcrystalline", "emcocel", "vivapur"),
        ("Avicel PH-101", "Avicel PH-102", "Avicel PH-105", "Avicel PH-112", "Avicel PH-200",
         "Avicel PH-301", "Avicel PH-302", "Emcocel 50M", "Emcocel 90M", "Vivapur 101",
         "Vivapur 102"),
        "none", False, "Younger et al., Clin Rheumatol 2014; IFF Avicel data", MCC_PACK_STATS,
    ),
    FillerEntry(
        "lactose monohydrate",
        ("lactose monohydrate", "lactose", "lactose anhydrous", "anhydrous lactose",
         "milk sugar", "lactosum", "lactose monohydricum",
         # lactose grades and lactose-based co-processed excipients, by family name
         "pharmatose", "supertab", "flowlac", "tablettose", "granulac", "inhalac", "lactopress",
         "microtose", "sorbolac", "capsulac", "respitose", "fast flo", "cellactose",
         "microcelac", "starlac", "ludipress", "combilac"),
        ("Fast-Flo 316", "SuperTab 11SD", "SuperTab 30GR", "Pharmatose 200M", "Flowlac 100",
         "Tablettose 80", "Granulac 200"),
        "none", True, "naltrexone tablet labels (lactose); domain.md §4 and §14; Meggle, DFE "
        "Pharma and Roquette product names",
    ),
    FillerEntry(
        "hypromellose",
        ("hypromellose", "hpmc", "hydroxypropyl methylcellulose", "methocel"),
        ("Methocel K4M", "Methocel K15M", "Methocel K100M", "Methocel E4M"),
        "retards", False, "Zur, IJPC 2013 (30-40 % HPMC for slow release)",
    ),
    FillerEntry("methylcellulose", ("methylcellulose", "methyl cellulose"), (), "retards", False,
                "Zur, IJPC 2013"),
    FillerEntry("ethylcellulose", ("ethylcellulose", "ethyl cellulose", "ethocel"), (), "retards",
                False, "Zur, IJPC 2013"),
    FillerEntry("calcium carbonate", ("calcium carbonate", "caco3"), (), "reduces_absorption",
                False, "Swidan, CRC Press chapter on LDN"),
)

_NOT_ALNUM = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Lower case, punctuation to spaces, single spaces."""
    return " ".join(_NOT_ALNUM.sub(" ", text.lower()).split())


_BY_NAME: dict[str, FillerEntry] = {normalize(n): f for f in FILLERS for n in f.synonyms}
# Each filler's names and grades, normalised once and padded for whole-word search.
_WORDS: tuple[tuple[FillerEntry, tuple[str, ...]], ...] = tuple(
    (f, tuple(f" {normalize(w)} " for w in (*f.synonyms, *f.grades))) for f in FILLERS)
_GRADES: dict[int, frozenset[str]] = {id(f): frozenset(normalize(g) for g in f.grades)
                                      for f in FILLERS}


@lru_cache(maxsize=1024)
def fillers_named(name: str) -> tuple[FillerEntry, ...]:
    """Every filler whose name, synonym or grade the text names, by whole words, in table order
    (cached: a pharmacy names few fillers).

    ``"Methocel K4M premium"`` names hypromellose; ``"MCC + HPMC blend"`` names both MCC and
    hypromellose; an exact name comes first.
    """
    key = normalize(name)
    padded = f" {key} "
    found: list[FillerEntry] = [_BY_NAME[key]] if key in _BY_NAME else []
    for entry, words in _WORDS:
        if entry not in found and any(w in padded for w in words):
            found.append(entry)
    return tuple(found)


def find_filler(name: str) -> FillerEntry | None:
    """The filler ``name`` names (any synonym or grade, any case), or ``None``."""
    named = fillers_named(name)
    return named[0] if named else None


def grade_is_known(entry: FillerEntry, grade: str) -> bool:
    """Whether ``grade`` is one the table lists for ``entry`` (punctuation and case ignored)."""
    return normalize(grade) in _GRADES[id(entry)]
