"""Hard capsule sizes and shells, as data with their sources (domain.md §3, §4).

Volumes [mL] are the UNC pharmaceutics lab and supplier charts; they are the same for gelatin,
HPMC and pullulan shells. Default pack stats live with the filler that they were measured for
(:mod:`compounding.fillers`).
"""

from __future__ import annotations

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
    Shell("gelatin", ("gelatin", "hard gelatin", "gelatine"), False, VOLUME_SOURCE),
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


def find_shell(name: str) -> Shell | None:
    """The shell named ``name`` (any synonym, any case), or ``None``."""
    return _SHELL_BY_NAME.get(_norm(name))
