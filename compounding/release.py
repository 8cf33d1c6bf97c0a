"""Immediate-release rules: order, source tablets, filler, capsule shell (domain.md §4).

LDN must be immediate release; the source tablets are IR film-coated naltrexone HCl tablets.
"""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

from .capsules import SHELLS, find_shell
from .display import show
from .fillers import (
    FILLERS,
    FillerEntry,
    fillers_named,
    grade_is_known,
    is_slow_release_name,
    normalize,
)
from .models import Order
from .review import Review

IMMEDIATE = frozenset({"immediate", "immediate release", "ir"})

# Products that are not plain immediate-release oral naltrexone (naltrexone tablet labels).
NOT_IR_PRODUCTS: dict[str, str] = {
    "contrave": "Contrave is naltrexone/bupropion extended-release",
    "mysimba": "Mysimba is naltrexone/bupropion prolonged-release",
    "bupropion": "it contains bupropion",
    "vivitrol": "Vivitrol is an extended-release injectable suspension",
    "injectable": "it is an injectable",
    "injection": "it is an injectable",
    "microspheres": "it is an extended-release injectable",
    "implant": "it is an implant",
    "extended release": "it is extended-release",
    "prolonged release": "it is prolonged-release",
    "sustained release": "it is sustained-release",
    "er": "it is extended-release", "xr": "it is extended-release",
    "xl": "it is extended-release", "sr": "it is sustained-release",
}
NALTREXONE_NAMES = ("naltrexone", "revia", "depade")


def _words(text: str) -> str:
    return f" {normalize(text)} "


def is_immediate(release: str) -> bool:
    return normalize(release) in IMMEDIATE


def check_release(review: Review, order: Order) -> FillerEntry | None:
    """Errors for anything that would not release at once; the filler entry when it is known."""
    if not is_immediate(order.release):
        review.error("RELEASE_NOT_IMMEDIATE", "release",
                     f"release “{order.release}” is not immediate: LDN must be immediate release")
    if not is_immediate(order.source.release):
        review.error("RELEASE_NOT_IMMEDIATE", "source.release",
                     f"source release “{order.source.release}” is not immediate: crush only "
                     f"immediate-release naltrexone HCl tablets")
    if order.source.product is not None:
        _check_source(review, order.source.product, order.source.strength)
    _check_shell(review, order.capsule.shell)
    return _check_filler(review, order.filler.name, order.filler.grade)


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
    """Why ``product`` cannot be crushed for LDN, or ``None`` (cached: few products recur)."""
    words = _words(product)
    for marker, why in NOT_IR_PRODUCTS.items():
        if f" {marker} " in words:
            return (f"“{product}” cannot be used: {why}. Use immediate-release naltrexone HCl "
                    f"50 mg tablets")
    if not any(f" {name} " in words for name in NALTREXONE_NAMES):
        return (f"“{product}” is not a naltrexone product: use immediate-release naltrexone "
                f"HCl 50 mg tablets")
    return None


def _check_source(review: Review, product: str, tablet: Fraction) -> None:
    problem = source_problem(product)
    if problem:
        review.error("SOURCE_NOT_IR_NALTREXONE", "source.product", problem)
    else:
        _check_source_strength(review, product, tablet)


def _check_shell(review: Review, name: str) -> None:
    shell = find_shell(name)
    if shell is None:
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


def _check_filler(review: Review, name: str, grade: str | None) -> FillerEntry | None:
    if is_slow_release_name(name):
        review.error("FILLER_RETARDS_RELEASE", "filler.name",
                     f"“{name}” is a slow/sustained-release filler; LDN must be immediate release")
        return None
    named = fillers_named(name)
    if not named:
        known = ", ".join(f.name for f in FILLERS if f.release_effect == "none")
        review.error("FILLER_UNKNOWN", "filler.name",
                     f"unknown filler “{name}”; fillers this pharmacy table knows: {known}")
        return None
    if any([_refuse(review, entry, "filler.name", name) for entry in named]):
        return None
    entry = named[0]
    if grade is not None:
        others = [f for f in fillers_named(grade) if f is not entry]
        if any([_refuse(review, other, "filler.grade", grade) for other in others]):
            return None
        if is_slow_release_name(grade):
            review.error("FILLER_RETARDS_RELEASE", "filler.grade",
                         f"grade “{grade}” is a slow/sustained-release grade")
            return None
        if not grade_is_known(entry, grade):
            review.finding("FILLER_GRADE_UNKNOWN", "filler.grade",
                           f"Grade “{grade}” is not in the table for {entry.name} "
                           f"({', '.join(entry.grades) or 'no grades listed'}): check that its "
                           f"pack stat is calibrated.")
    if entry.contains_lactose:
        review.finding("FILLER_LACTOSE", "filler.name",
                       f"{entry.name.capitalize()} is the filler: the label must say the "
                       f"capsules contain lactose; microcrystalline cellulose is preferred.")
    return entry


def contains_lactose(order: Order, filler: FillerEntry | None) -> bool:
    """Whether the capsules contain lactose: a lactose filler, or source tablets that do.

    US and UK naltrexone tablet labels list lactose, so tablets whose excipients are not given
    are taken to contain it (domain.md §4: the label never claims "lactose-free").
    """
    if filler is not None and filler.contains_lactose:
        return True
    excipients = order.source.excipients
    return not excipients or any("lactose" in normalize(x) for x in excipients)
