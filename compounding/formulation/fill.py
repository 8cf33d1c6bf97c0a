"""Fill basis F: the mass of filler alone that fills one capsule (domain.md §3).

In order of preference: the pack stat given with the order (calibrated for this filler lot and
capsule size); the pharmacy's own calibrated pack stat (a setting); the filler's density [g/mL]
× the capsule's volume [mL]; the filler's chart value. The worksheet shows which basis was used.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Literal

from compounding.formulation.capsules import BY_SIZE, CAPSULE_SIZES
from compounding.formulation.fillers import MCC_PACK_STATS, FillerEntry

FillBasis = Literal["pack_stat", "pharmacy_pack_stat", "density", "default_chart"]
MG_PER_G = 1000


def filler_capacity(size: str, filler: FillerEntry, *, pack_stat: Fraction | None,
                    density: Fraction | None,
                    pharmacy_pack_stats: Mapping[Any, Fraction],
                    ) -> tuple[Fraction, FillBasis] | None:
    """F [mg] for ``size`` and the basis it came from, or ``None`` when nothing gives one.

    ``pack_stat`` [mg] is the order's, for this size; ``density`` [g/mL]; the pharmacy's pack
    stats [mg] apply to the filler they were measured for, microcrystalline cellulose.
    """
    if pack_stat is not None:
        return pack_stat, "pack_stat"
    if filler.pack_stats is MCC_PACK_STATS and size in pharmacy_pack_stats:
        return pharmacy_pack_stats[size], "pharmacy_pack_stat"
    if density is not None:
        return density * BY_SIZE[size].volume * MG_PER_G, "density"
    if size in filler.pack_stats:
        return filler.pack_stats[size], "default_chart"
    return None


def smallest_fitting_size(powder: Fraction, density_factor: Fraction, filler: FillerEntry, *,
                          density: Fraction | None,
                          pharmacy_pack_stats: Mapping[Any, Fraction]) -> str | None:
    """The smallest size whose filler capacity exceeds p/DF, by density or chart; else ``None``.

    ``powder`` is p [mg] per capsule.
    """
    for capsule in CAPSULE_SIZES:
        found = filler_capacity(capsule.size, filler, pack_stat=None, density=density,
                                pharmacy_pack_stats=pharmacy_pack_stats)
        if found is not None and found[0] - powder / density_factor > 0:
            return capsule.size
    return None
