"""Minimum weighable quantity (domain.md §3 step 6).

MWQ = sensitivity ÷ acceptable error; a Class A prescription balance: 6 mg ÷ 5 % = 120 mg
(UNC Pharmaceutics lab, weighing). Every quantity weighed must be at or above it.
"""

from __future__ import annotations

from fractions import Fraction

from compounding.display import show
from compounding.formulation.batch import Batch
from compounding.screening.review import Review


def check_weighings(review: Review, batch: Batch, mwq: Fraction) -> None:
    """A finding when one capsule's fill is below ``mwq`` [mg]: its 90-110 % check cannot be
    trusted on this balance. (The amounts to weigh are kept in range by the method,
    :mod:`compounding.formulation.methods`.)"""
    if batch.fill_weight < mwq:
        review.finding("BELOW_MINIMUM_WEIGHABLE", "capsule.size",
                       f"Each capsule's fill, {show(batch.fill_weight)} mg, is below the "
                       f"balance's minimum weighable quantity of {show(mwq)} mg: its 90-110 % "
                       f"check cannot be trusted on this balance. Use a larger capsule or a "
                       f"balance with a smaller MWQ.")
