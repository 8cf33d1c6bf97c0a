"""Fill inputs a bench could really have, and batches that do not overshoot (domain.md §9).

A filler's pack stat divided by the capsule's volume is the density it packs to; with the filler's
density it must lie in 0.2-1.5 g/mL (microcrystalline cellulose packs to about 0.3-0.6 g/mL, IFF
Avicel data; lactose to about 0.6-0.9), and the density factor DF in 0.5-2. A pack stat of
1300 mg for a size 3 capsule (0.30 mL) would be 4.3 g/mL: a typing slip, an error naming it.
The surplus limit says how many capsules beyond those required a batch may fill (1 whole tablet
for 0.1 mg capsules fills 500): :mod:`compounding.formulation.methods` keeps to it.
"""

from __future__ import annotations

from fractions import Fraction

from compounding.display import show
from compounding.formulation.capsules import BY_SIZE
from compounding.formulation.exact import ceil
from compounding.formulation.fill import MG_PER_G
from compounding.orders.models import Order
from compounding.screening.review import Review
from compounding.settings import Settings


def check_fill_inputs(review: Review, order: Order, settings: Settings) -> None:
    """``FILL_IMPLAUSIBLE`` naming the pack stat, density or density factor out of range."""
    low, high = settings.fill_density_min, settings.fill_density_max
    span = f"{show(low)}-{show(high)} g/mL"
    size = order.capsule.size
    pack_stat, density = order.filler.pack_stat, order.filler.density
    if pack_stat is not None:
        packs = pack_stat / (BY_SIZE[size].volume * MG_PER_G)
        if not low <= packs <= high:
            review.error("FILL_IMPLAUSIBLE", "filler.pack_stat",
                         f"{show(pack_stat)} mg of filler in a size {size} capsule "
                         f"({show(BY_SIZE[size].volume)} mL) would pack to {show(packs, 2)} g/mL, "
                         f"outside {span}: check the pack stat and its unit")
    if density is not None and not low <= density <= high:
        review.error("FILL_IMPLAUSIBLE", "filler.density",
                     f"{show(density)} g/mL is outside {span} for a capsule filler: check "
                     f"the density and its unit")
    df_low, df_high = settings.density_factor_min, settings.density_factor_max
    if not df_low <= order.density_factor <= df_high:
        review.error("FILL_IMPLAUSIBLE", "density_factor",
                     f"a density factor of {show(order.density_factor)} is outside "
                     f"{show(df_low)}-{show(df_high)}: tablet powder displaces about as much "
                     f"as the filler (DF near 1)")


def surplus_limit(required: int, settings: Settings) -> int:
    """The most capsules a batch may fill beyond N: max(10, ⌈10 % of N⌉) [capsules].

    >>> from compounding.settings import DEFAULT_SETTINGS
    >>> surplus_limit(32, DEFAULT_SETTINGS), surplus_limit(250, DEFAULT_SETTINGS)
    (10, 25)
    """
    share = ceil(required * Fraction(settings.surplus_percent) / 100)
    return max(settings.surplus_capsules, share)
