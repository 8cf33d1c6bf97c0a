"""The batch calculation of domain.md §3, in exact rational arithmetic.

Plain :class:`fractions.Fraction` magnitudes only: masses [mg], counts [capsules] or [tablets].
Units are read at the boundary (:mod:`compounding.units`); nothing here parses or converts.

Symbols (domain.md §2): d strength per capsule, n capsules dispensed, e overage, N = n + e,
S tablet strength, W average tablet weight, F pack stat, DF density factor, p = d·W/S,
f = F − p/DF, w = p + f, T tablets, C capsule equivalents.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from compounding.formulation.exact import ceil, floor

if TYPE_CHECKING:
    from compounding.formulation.trituration import Trituration

Method = Literal["whole_tablets", "exact_portion", "trituration"]

QC_LOW = Fraction(90, 100)
QC_HIGH = Fraction(110, 100)
"""Capsule net weight acceptance, 90-110 % of w (old USP <795> capsule rule; UNC lab notes)."""


def qc_limits(fill_weight: Fraction, readability: Fraction) -> tuple[Fraction, Fraction]:
    """The acceptance range [mg] printed and checked alike (domain.md §12): 90 % of w rounded
    up and 110 % of w rounded down to the balance's readability [mg], so a capsule the sheet
    accepts the check accepts, and none outside the true range.

    >>> qc_limits(Fraction(130), Fraction(1))   # 117 and 143 exactly
    (Fraction(117, 1), Fraction(143, 1))
    >>> qc_limits(Fraction(125), Fraction(1))   # 112.5 -> 113, 137.5 -> 137
    (Fraction(113, 1), Fraction(137, 1))
    >>> qc_limits(Fraction(125), Fraction(1, 10))   # a 0.1 mg balance: 112.5 to 137.5
    (Fraction(225, 2), Fraction(275, 2))
    """
    low = ceil(fill_weight * QC_LOW / readability) * readability
    high = floor(fill_weight * QC_HIGH / readability) * readability
    return low, high

HCL_PER_BASE = Fraction(37787, 34141)
"""Naltrexone HCl / base molecular weights, 377.87 / 341.41 = 1.1068 (NZ Medsafe datasheet)."""


def overage_from_percent(quantity: int, percent: Fraction) -> int:
    """Overage e = ⌈n·pct/100⌉ [capsules] (domain.md §3, step 1).

    >>> overage_from_percent(30, Fraction(5))   # 1.5 -> 2
    2
    >>> overage_from_percent(100, Fraction(5))  # exactly 5, not 6
    5
    """
    return ceil(quantity * percent / 100)


def hydrochloride_strength(strength: Fraction, basis: str) -> Fraction:
    """Strength as naltrexone HCl [mg] from a strength on ``basis`` (``hydrochloride``/``base``).

    >>> float(round(hydrochloride_strength(Fraction("45.2"), "base"), 2))
    50.03
    """
    return strength * HCL_PER_BASE if basis == "base" else strength


def tablets_needed(capsules: int, strength: Fraction, tablet_strength: Fraction) -> int:
    """T = ⌈N·d/S⌉ [tablets] (domain.md §3, step 2).

    >>> tablets_needed(32, Fraction("4.5"), Fraction(50))  # 144/50 = 2.88
    3
    >>> tablets_needed(100, Fraction(1), Fraction(50))     # exactly 2
    2
    """
    return ceil(capsules * strength / tablet_strength)


def powder_per_capsule(strength: Fraction, tablet_weight: Fraction,
                       tablet_strength: Fraction) -> Fraction:
    """p = d·W/S [mg]: tablet powder carrying one capsule's dose."""
    return strength * tablet_weight / tablet_strength


def filler_per_capsule(pack_stat: Fraction, powder: Fraction, density_factor: Fraction) -> Fraction:
    """f = F − p/DF [mg]: the filler that tops one capsule up. Not positive: capsule too small."""
    return pack_stat - powder / density_factor


@dataclass(frozen=True, slots=True)
class Batch:
    """Every number of one batch, exact. Masses [mg]; counts [capsules]/[tablets]."""

    method: Method
    capsules_dispensed: int
    overage_capsules: int
    capsules_required: int
    tablets: int
    capsule_equivalents: Fraction
    capsules_to_fill: int
    naltrexone_total: Fraction
    tablet_powder: Fraction
    tablet_powder_per_capsule: Fraction
    filler_per_capsule: Fraction
    filler_total: Fraction
    fill_weight: Fraction
    fill_weight_min: Fraction
    fill_weight_max: Fraction
    blend_total: Fraction
    trituration: Trituration | None = None
    """The stages and aliquot of a ``trituration`` batch
    (:mod:`compounding.formulation.trituration`)."""
    source: Literal["tablets", "api_powder"] = "tablets"
    """What ``tablet_powder`` is: crushed tablets, or naltrexone HCl powder (API) weighed,
    in which case ``tablets`` is 0."""

    @property
    def powder_name(self) -> str:
        """The source powder in words, as the worksheet names it."""
        return "naltrexone HCl powder" if self.source == "api_powder" else "tablet powder"


PerCapsule = tuple[Fraction, Fraction, Fraction, Fraction, Fraction]
"""p, f, w and the QC range's low and high [mg], which every method of a batch shares."""


def per_capsule_of(*, strength: Fraction, tablet_weight: Fraction, tablet_strength: Fraction,
                   pack_stat: Fraction, density_factor: Fraction,
                   readability: Fraction) -> PerCapsule:
    """p = d·W/S, f = F − p/DF, w = p + f and the QC range of w [mg] (domain.md §3)."""
    p = powder_per_capsule(strength, tablet_weight, tablet_strength)
    f = filler_per_capsule(pack_stat, p, density_factor)
    w = p + f
    return (p, f, w, *qc_limits(w, readability))


def exact_portion_tablets(capsules: int, strength: Fraction, tablet_strength: Fraction,
                          loss: Fraction) -> int:
    """T = ⌈N·d / (S·(1 − loss))⌉ [tablets] for ``exact_portion`` (domain.md §9): the portion
    weighed out may take at most (1 − loss) of the crushed powder, ``loss`` [fraction] being
    what crushing leaves in the mortar.

    >>> exact_portion_tablets(30, Fraction(5), Fraction(50), Fraction(2, 100))  # 150/49 = 3.06
    4
    >>> exact_portion_tablets(32, Fraction("4.5"), Fraction(50), Fraction(2, 100))  # 144/49
    3
    """
    return ceil(capsules * strength / (tablet_strength * (1 - loss)))


def compute_batch(*, strength: Fraction, quantity: int, overage: int, tablet_strength: Fraction,
                  tablet_weight: Fraction, pack_stat: Fraction, density_factor: Fraction,
                  method: Method, readability: Fraction = Fraction(1),
                  crushing_loss: Fraction = Fraction(0),
                  per_capsule: PerCapsule | None = None) -> Batch:
    """The batch of domain.md §3 steps 2-5.

    Parameters: ``strength`` d [mg HCl per capsule]; ``quantity`` n [capsules]; ``overage`` e
    [capsules]; ``tablet_strength`` S [mg]; ``tablet_weight`` W [mg]; ``pack_stat`` F [mg];
    ``density_factor`` DF [-]; ``method`` ``whole_tablets`` (use all the powder of T tablets) or
    ``exact_portion`` (weigh out the powder for N capsules); ``readability`` [mg] of the
    balance, to which the QC range is rounded inwards (:func:`qc_limits`); ``crushing_loss``
    [fraction] of the powder that ``exact_portion`` leaves unused (:func:`exact_portion_tablets`).

    The caller has checked that f > 0 (:func:`filler_per_capsule`).

    >>> b = compute_batch(strength=Fraction("4.5"), quantity=30, overage=2,
    ...                   tablet_strength=Fraction(50), tablet_weight=Fraction(250),
    ...                   pack_stat=Fraction(130), density_factor=Fraction(1),
    ...                   method="whole_tablets")
    >>> b.tablets, b.capsules_to_fill, b.fill_weight, b.tablet_powder
    (3, 33, Fraction(130, 1), Fraction(750, 1))
    """
    required = quantity + overage
    tablets = (tablets_needed(required, strength, tablet_strength) if method == "whole_tablets"
               else exact_portion_tablets(required, strength, tablet_strength, crushing_loss))
    p, f, w, low, high = per_capsule or per_capsule_of(
        strength=strength, tablet_weight=tablet_weight, tablet_strength=tablet_strength,
        pack_stat=pack_stat, density_factor=density_factor, readability=readability)
    if method == "whole_tablets":
        equivalents = tablets * tablet_strength / strength
        to_fill = floor(equivalents)
        drug = tablets * tablet_strength
        powder = tablets * tablet_weight
    else:
        equivalents = Fraction(required)
        to_fill = required
        drug = required * strength
        powder = required * p
    return Batch(
        method=method,
        capsules_dispensed=quantity,
        overage_capsules=overage,
        capsules_required=required,
        tablets=tablets,
        capsule_equivalents=equivalents,
        capsules_to_fill=to_fill,
        naltrexone_total=drug,
        tablet_powder=powder,
        tablet_powder_per_capsule=p,
        filler_per_capsule=f,
        filler_total=equivalents * f,
        fill_weight=w,
        fill_weight_min=low,
        fill_weight_max=high,
        blend_total=equivalents * w,
    )
