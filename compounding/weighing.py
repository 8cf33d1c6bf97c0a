"""Minimum weighable quantity (domain.md §3 step 6).

MWQ = sensitivity ÷ acceptable error; a Class A prescription balance: 6 mg ÷ 5 % = 120 mg
(UNC Pharmaceutics lab, weighing). Every quantity weighed must be at or above it.
"""

from __future__ import annotations

from fractions import Fraction

from .batch import Batch
from .display import show
from .review import Review


def check_weighings(review: Review, batch: Batch, mwq: Fraction) -> None:
    """A finding for each weighing below ``mwq`` [mg], saying what to do instead."""
    limit = f"the balance's minimum weighable quantity of {show(mwq)} mg"
    if batch.tablet_powder < mwq:
        if batch.method == "exact_portion":
            advice = ("Use the whole_tablets method, or weigh an aliquot: dilute a weighable "
                      "amount of powder with filler and weigh the part that holds the dose.")
            field = "method"
        else:
            advice = "Make a larger batch, or weigh on a balance with a smaller MWQ."
            field = "quantity"
        review.finding("BELOW_MINIMUM_WEIGHABLE", field,
                       f"Tablet powder to weigh, {show(batch.tablet_powder)} mg, is below "
                       f"{limit}. {advice}")
    if batch.filler_total < mwq:
        review.finding("BELOW_MINIMUM_WEIGHABLE", "quantity",
                       f"Filler to weigh, {show(batch.filler_total)} mg, is below {limit}. "
                       f"Make a larger batch, or weigh on a balance with a smaller MWQ.")
    if batch.fill_weight < mwq:
        review.finding("BELOW_MINIMUM_WEIGHABLE", "capsule.size",
                       f"Each capsule's fill, {show(batch.fill_weight)} mg, is below {limit}: "
                       f"its 90-110 % check cannot be trusted on this balance. Use a larger "
                       f"capsule or a balance with a smaller MWQ.")
