"""Immediate-release rules: order, source tablets, filler, capsule shell (domain.md §4).

LDN must be immediate release; the source tablets are IR film-coated naltrexone HCl tablets.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

from compounding.display import show
from compounding.formulation.capsules import SHELLS, find_shell
from compounding.formulation.fillers import (
    FILLERS,
    FillerEntry,
    fillers_named,
    grade_is_known,
    normalize,
)
from compounding.orders.models import Order, Source
from compounding.screening.medications import read_medication
from compounding.screening.medtext import words
from compounding.screening.review import Review

IMMEDIATE = frozenset({"immediate", "immediate release", "ir"})

# Words that mean a release other than immediate, in a product, a filler or a shell (§14).
RELEASE_WORDS: dict[str, str] = {
    "er": "extended-release", "xr": "extended-release", "xl": "extended-release",
    "sr": "sustained-release", "cr": "controlled-release", "mr": "modified-release",
    "dr": "delayed-release", "la": "long-acting", "controlled": "controlled-release",
    "modified": "modified-release", "delayed": "delayed-release",
    "extended": "extended-release", "sustained": "sustained-release",
    "prolonged": "prolonged-release", "timed": "timed-release", "time release": "timed-release",
    "slow release": "slow-release", "long acting": "long-acting", "depot": "a depot",
    "retard": "a retard form", "implant": "an implant", "pellet": "a pellet",
    "pellets": "a pellet", "gastro resistant": "gastro-resistant", "enteric": "enteric-coated",
    "microspheres": "an extended-release injectable", "lai": "a long-acting injectable",
}
# Words after "DR" that make it a title, not delayed release ("Dr. Reddy's").
_DR_NAMES = frozenset({"reddy", "reddys"})
# Products that are not plain immediate-release oral naltrexone (naltrexone tablet labels).
NOT_IR_PRODUCTS: dict[str, str] = {
    "contrave": "Contrave is naltrexone/bupropion extended-release",
    "mysimba": "Mysimba is naltrexone/bupropion prolonged-release",
    "bupropion": "it contains bupropion",
    "vivitrol": "Vivitrol is an extended-release injectable suspension",
    "injectable": "it is an injectable",
    "injection": "it is an injectable",
}


@lru_cache(maxsize=1024)
def release_word(text: str) -> str | None:
    """The release other than immediate that ``text`` announces, or ``None``.

    >>> release_word("Naltrexone CR 50 mg"), release_word("MCC retard")
    ('controlled-release', 'a retard form')
    >>> release_word("Naltrexone 50 mg (Dr. Reddy's)"), release_word("Avicel PH-102")
    (None, None)
    """
    run = words(text)
    for i, word in enumerate(run):
        two = f"{word} {run[i + 1]}" if i + 1 < len(run) else ""
        if two in RELEASE_WORDS:
            return RELEASE_WORDS[two]
        if word == "dr" and i + 1 < len(run) and run[i + 1] in _DR_NAMES:
            continue
        if word in RELEASE_WORDS:
            return RELEASE_WORDS[word]
    return None


def _words(text: str) -> str:
    return f" {normalize(text)} "


_POWDER = frozenset({"powder", "api", "bulk", "usp powder"})
"""Words that make a source naltrexone HCl powder, not tablets (domain.md §16)."""


def is_immediate(release: str) -> bool:
    """Whether ``release`` says immediate release, with nothing that says otherwise.

    >>> [is_immediate(r) for r in ("IR", "immediate release film-coated", "immediate, ER")]
    [True, True, False]
    """
    text = normalize(release)
    if text in IMMEDIATE:
        return True
    first = text.split()[:2]
    return (first[:1] == ["ir"] or first[:1] == ["immediate"]) and release_word(release) is None


def check_release(review: Review, order: Order) -> FillerEntry | None:
    """Errors for anything that would not release at once; the filler entry when it is known."""
    check_source_release(review, order.release, order.source)
    _check_shell(review, order.capsule.shell)
    return _check_filler(review, order.filler.name, order.filler.grade, order.filler.pack_stat)


def check_source_release(review: Review, release: str, source: Source) -> None:
    """Errors for a preparation (``release``) or a source that would not release at once, and
    for a source product that is not what the order says it is."""
    if not is_immediate(release):
        review.error("RELEASE_NOT_IMMEDIATE", "release",
                     f"release “{release}” is not immediate: LDN must be immediate release")
    if not is_immediate(source.release):
        review.error("RELEASE_NOT_IMMEDIATE", "source.release",
                     f"source release “{source.release}” is not immediate: crush only "
                     f"immediate-release naltrexone HCl tablets")
    if source.product is not None and source.powder:
        _check_powder(review, source.product)
    elif source.product is not None:
        _check_source(review, source.product, source.strength)


_STRENGTH_IN_TEXT = re.compile(r"(?<![\w.])(\d{1,6}(?:\.\d{1,6})?)\s?(mg|mcg|µg|μg|ug|g)\b",
                               re.IGNORECASE)
_TO_MG = {"mg": Fraction(1), "mcg": Fraction(1, 1000), "µg": Fraction(1, 1000),
          "μg": Fraction(1, 1000), "ug": Fraction(1, 1000), "g": Fraction(1000)}


def _check_source_strength(review: Review, product: str, tablet: Fraction) -> None:
    """A strength written in the product's name must be S: "Naltrexone HCl 100 mg tablet"
    with S = 50 mg would make every capsule twice as strong as the worksheet says."""
    written = [Fraction(number) * _TO_MG[unit.casefold()]
               for number, unit in _STRENGTH_IN_TEXT.findall(product)]
    if written and tablet not in written:
        review.error("SOURCE_STRENGTH_MISMATCH", "source.strength",
                     f"the product “{product}” says {show(written[0])} mg a tablet but the "
                     f"tablet strength S is {show(tablet)} mg: correct one of them")


@lru_cache(maxsize=1024)
def source_problem(product: str) -> str | None:
    """Why ``product`` cannot be crushed for LDN, or ``None`` (cached: few products recur).

    The product must name naltrexone (an immediate-release brand such as Revia, Depade, Nalorex
    or Adepend will do, from the vocabulary table), no other ingredient of the table, and no
    release but immediate.
    """
    padded = _words(product)
    for marker, why in NOT_IR_PRODUCTS.items():
        if f" {marker} " in padded:
            return (f"“{product}” cannot be used: {why}. Use immediate-release naltrexone HCl "
                    f"50 mg tablets")
    if _POWDER & set(words(product)):
        return (f"“{product}” is naltrexone HCl powder, not tablets: give source.kind "
                f"\"api_powder\" with the certificate's assay, lot and expiry, or name the "
                f"tablets crushed")
    release = release_word(product)
    if release:
        return (f"“{product}” cannot be used: it is {release}, not immediate release. Use "
                f"immediate-release naltrexone HCl 50 mg tablets")
    ingredients = {m.ingredient for m in read_medication(product).matches}
    others = sorted(ingredients - {"naltrexone"})
    if "naltrexone" in ingredients and others:
        return (f"“{product}” cannot be used: it contains {' and '.join(others)}. Use "
                f"immediate-release naltrexone HCl 50 mg tablets")
    if "naltrexone" not in ingredients:
        return (f"“{product}” is not a naltrexone product: use immediate-release naltrexone "
                f"HCl 50 mg tablets")
    return None


def _check_powder(review: Review, product: str) -> None:
    """An API powder source must be naltrexone hydrochloride and nothing else, released at
    once (a powder is never modified release unless its name says so)."""
    release = release_word(product)
    ingredients = {m.ingredient for m in read_medication(product).matches}
    others = sorted(ingredients - {"naltrexone"})
    if release:
        problem = f"it is {release}, not immediate release"
    elif others:
        problem = f"it contains {' and '.join(others)}"
    elif "naltrexone" not in ingredients:
        problem = "it is not naltrexone"
    else:
        return
    review.error("SOURCE_NOT_IR_NALTREXONE", "source.product",
                 f"“{product}” cannot be used: {problem}. Use naltrexone hydrochloride USP "
                 f"powder")


def _check_source(review: Review, product: str, tablet: Fraction) -> None:
    problem = source_problem(product)
    if problem:
        review.error("SOURCE_NOT_IR_NALTREXONE", "source.product", problem)
    else:
        _check_source_strength(review, product, tablet)


def _check_shell(review: Review, name: str) -> None:
    shell = find_shell(name)
    release = release_word(name)
    if release and (shell is None or not shell.delayed_release):
        review.error("SHELL_DELAYED_RELEASE", "capsule.shell",
                     f"“{name}” shells are {release}; LDN needs plain gelatin, HPMC or pullulan "
                     f"shells")
    elif shell is None:
        known = ", ".join(s.name for s in SHELLS if not s.delayed_release)
        review.error("SHELL_UNKNOWN", "capsule.shell", f"unknown shell “{name}”; use {known}")
    elif shell.delayed_release:
        review.error("SHELL_DELAYED_RELEASE", "capsule.shell",
                     f"“{name}” shells delay release; LDN needs gelatin, HPMC or pullulan shells")


def _refuse(review: Review, entry: FillerEntry, field: str, name: str) -> bool:
    """Error for a filler entry that changes release; ``True`` when refused."""
    if entry.release_effect == "retards":
        review.error("FILLER_RETARDS_RELEASE", field,
                     f"“{name}” ({entry.name}) slows release ({entry.source}); use "
                     f"microcrystalline cellulose")
        return True
    if entry.release_effect == "reduces_absorption":
        review.error("FILLER_REDUCES_ABSORPTION", field,
                     f"“{name}” ({entry.name}) can reduce naltrexone absorption ({entry.source}); "
                     f"use microcrystalline cellulose")
        return True
    return False


def _check_filler(review: Review, name: str, grade: str | None,
                  pack_stat: Fraction | None = None) -> FillerEntry | None:
    release = release_word(name)
    if release:
        review.error("FILLER_RETARDS_RELEASE", "filler.name",
                     f"“{name}” is a {release} filler; LDN must be immediate release")
        return None
    named = fillers_named(name)
    if not named and pack_stat is not None:  # calibrated here: the pharmacist vouches for it
        review.finding("FILLER_UNLISTED", "filler.name",
                       f"“{name}” is not in the filler table: confirm it is an "
                       f"immediate-release diluent with no lactose or release-retarding "
                       f"excipient before compounding (the pack stat given is used).")
        return FillerEntry(name, (name,), (), "none", False, "the order's calibrated pack stat")
    if not named:
        known = ", ".join(f.name for f in FILLERS if f.release_effect == "none")
        review.error("FILLER_UNKNOWN", "filler.name",
                     f"unknown filler “{name}”; fillers this pharmacy table knows: {known}, or "
                     f"give its calibrated pack stat (filler.pack_stat)")
        return None
    if any([_refuse(review, entry, "filler.name", name) for entry in named]):
        return None
    entry = named[0]
    if grade is not None:
        others = [f for f in fillers_named(grade) if f is not entry]
        if any([_refuse(review, other, "filler.grade", grade) for other in others]):
            return None
        release = release_word(grade)
        if release:
            review.error("FILLER_RETARDS_RELEASE", "filler.grade",
                         f"grade “{grade}” is a {release} grade; LDN must be immediate release")
            return None
        if not grade_is_known(entry, grade):
            review.finding("FILLER_GRADE_UNKNOWN", "filler.grade",
                           f"Grade “{grade}” is not in the table for {entry.name} "
                           f"({', '.join(entry.grades) or 'no grades listed'}): check that its "
                           f"pack stat is calibrated.")
    lactose = [f for f in (*named, *(fillers_named(grade) if grade else ())) if f.contains_lactose]
    if lactose:
        review.finding("FILLER_LACTOSE", "filler.name",
                       f"The filler “{name}” contains {lactose[0].name}: the label must say the "
                       f"capsules contain lactose; microcrystalline cellulose alone is preferred.")
    return entry
