"""Hard capsule sizes and shells, as data with their sources (domain.md §3, §4).

Volumes [mL] are the UNC pharmaceutics lab and supplier charts; they are the same for gelatin,
HPMC and pullulan shells. Default pack stats live with the filler that they were measured for
(:mod:`compounding.formulation.fillers`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

VOLUME_SOURCE = "UNC Pharmaceutics lab capsule page; supplier capsule charts"


@dataclass(frozen=True, slots=True)
class CapsuleSize:
    """A hard-capsule size and its fill volume [mL]."""

    size: str
    volume: Fraction


# Smallest first: the order in which "the smallest size that fits" is searched.
CAPSULE_SIZES: tuple[CapsuleSize, ...] = tuple(
    CapsuleSize(size, Fraction(volume))
    for size, volume in (
        ("5", "0.13"), ("4", "0.21"), ("3", "0.30"), ("2", "0.37"),
        ("1", "0.50"), ("0", "0.68"), ("00", "0.95"), ("000", "1.37"),
    )
)
SIZE_NAMES: tuple[str, ...] = tuple(c.size for c in CAPSULE_SIZES)
BY_SIZE: dict[str, CapsuleSize] = {c.size: c for c in CAPSULE_SIZES}


@dataclass(frozen=True, slots=True)
class Shell:
    """A capsule shell material. ``delayed_release`` shells are refused for LDN."""

    name: str
    synonyms: tuple[str, ...]
    delayed_release: bool
    source: str


SHELLS: tuple[Shell, ...] = (
    Shell("gelatin", ("gelatin", "hard gelatin", "gelatine", "coni snap", "conisnap"), False,
          VOLUME_SOURCE),
    Shell("hpmc", ("hpmc", "hypromellose", "vegetarian", "vegetable", "veggie", "vcaps"), False,
          VOLUME_SOURCE),
    Shell("pullulan", ("pullulan", "plantcaps"), False, VOLUME_SOURCE),
    Shell("delayed release", ("delayed release", "delayed-release", "enteric", "enteric coated",
                              "enteric-coated", "acid resistant", "acid-resistant", "drcaps",
                              "dr caps"), True,
          "domain.md §4: LDN must be immediate release"),
)


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").split())


_SHELL_BY_NAME: dict[str, Shell] = {_norm(n): s for s in SHELLS for n in s.synonyms}


COLOURS = frozenset({
    "white", "clear", "transparent", "colourless", "colorless", "natural", "opaque", "light",
    "dark", "blue", "navy", "red", "maroon", "pink", "orange", "yellow", "green", "lime",
    "purple", "violet", "lilac", "brown", "caramel", "ivory", "black", "grey", "gray", "gold",
    "silver", "swedish", "flesh",
})
"""Colour words a shell may carry (``gelatin, blue``): data for the label, not another shell."""
_NOISE = frozenset({"plus", "hard", "capsule", "capsules", "shell", "shells", "two", "piece",
                    "coloured", "colored", "color", "colour"})


def _words_of(name: str) -> list[str]:
    return re.findall(r"[a-z]+", name.lower().replace("-", " "))


def shell_colour(name: str) -> str | None:
    """The colour words of a shell's name, or ``None``: ``gelatin, light blue`` → ``light
    blue``.

    >>> shell_colour("gelatin, blue"), shell_colour("Vcaps Plus")
    ('blue', None)
    """
    colours = [w for w in _words_of(name) if w in COLOURS]
    return " ".join(colours) or None


def find_shell(name: str) -> Shell | None:
    """The shell named ``name`` (any synonym, any case), or ``None``. Colour words and the
    words of a product line (``gelatin, blue``, ``Vcaps Plus``, ``Coni-Snap``) do not hide the
    shell; a delayed-release name anywhere in it wins.

    >>> [find_shell(n).name for n in ("gelatin, blue", "Vcaps Plus", "Coni-Snap", "HPMC white")]
    ['gelatin', 'hpmc', 'gelatin', 'hpmc']
    >>> find_shell("blue enteric-coated gelatin").name, find_shell("glass")
    ('delayed release', None)
    """
    exact = _SHELL_BY_NAME.get(_norm(name))
    if exact is not None:
        return exact
    text = " ".join(w for w in _words_of(name) if w not in COLOURS and w not in _NOISE)
    if text in _SHELL_BY_NAME:
        return _SHELL_BY_NAME[text]
    for shell in sorted(SHELLS, key=lambda s: not s.delayed_release):
        for synonym in shell.synonyms:
            if re.search(rf"\b{re.escape(_norm(synonym).replace('-', ' '))}\b", text):
                return shell
    return None
