"""The pharmacy's equipment as data: its balances and its capsule machines (the profile's
``[[balances]]`` and ``[[capsule_machines]]``).

A balance is weighable from its minimum weighable quantity (MWQ = sensitivity ÷ acceptable
error; a Class A prescription balance: 6 mg ÷ 5 % = 120 mg) up to its capacity, and prints to
its readability; its calibration or check date, with the interval the pharmacy keeps, says when
it is overdue (USP <1251> Weighing on an analytical balance; USP <41> Balances). A capsule
machine fills a plate of ``holes`` capsules of the sizes it takes at one run.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Annotated

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from compounding.orders.components import CapsuleSizeName, _Model
from compounding.orders.types import Day, Mass, ShortText, _Typed, count_type

Holes = Annotated[int, _Typed(count_type(1, 2000))]
"""The holes of a capsule machine's plate: capsules filled at one run."""


class Balance(_Model):
    """One balance: ``name``, ``readability`` [mg], ``minimum_weighable_quantity`` [mg],
    ``capacity`` [mg], the day it was last ``checked_on`` (calibrated or checked) and the
    ``check_interval_days`` [days] after which a check is overdue."""

    name: ShortText
    readability: Mass
    minimum_weighable_quantity: Mass
    capacity: Mass
    checked_on: Day | None = None
    check_interval_days: int = Field(default=365, ge=1, le=3650)

    @model_validator(mode="after")
    def _range(self) -> Balance:
        if not self.readability <= self.minimum_weighable_quantity < self.capacity:
            raise PydanticCustomError(
                "INVALID_RANGE", "a balance's readability is at most its minimum weighable "
                                 "quantity, which is below its capacity")
        return self

    def holds(self, mass: Fraction) -> bool:
        """Whether ``mass`` [mg] lies within MWQ-capacity."""
        return self.minimum_weighable_quantity <= mass <= self.capacity

    def overdue(self, on: date) -> bool:
        """Whether its check is overdue on ``on`` (never checked: not known, not overdue)."""
        return self.checked_on is not None and (on - self.checked_on).days > \
            self.check_interval_days

    @property
    def label(self) -> str:
        """``analytical (0.1 mg)``: the name and readability, as the worksheet prints it."""
        from compounding.display import show

        return f"{self.name} ({show(self.readability)} mg)"


class CapsuleMachine(_Model):
    """A capsule machine: ``name``, the ``holes`` of its plate and the capsule ``sizes`` it
    takes."""

    name: ShortText
    holes: Holes
    sizes: tuple[CapsuleSizeName, ...] = Field(min_length=1, max_length=8)
