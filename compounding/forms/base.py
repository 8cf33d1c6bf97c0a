"""The interface every dosage form implements (:class:`DosageForm`).

A form plans an order (checks it and works out its batch, exactly), writes the worksheet's steps
and quality control, says what the bench enters, reconciles what the bench made against the
plan, and gives the label its product line. Capsules are the first form
(:mod:`.capsule_form`); the planning pipeline (:func:`compounding.plan_order`), the documents
and the records reach a form only through this interface, by the order's ``form``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol, runtime_checkable

from compounding.settings import Settings


@dataclass(frozen=True, slots=True)
class BenchField:
    """One thing the bench enters for a batch: its API field ``name``, the ``label`` people
    read, and its ``unit`` (``mg``, ``capsules``, ``tablets``; empty for text)."""

    name: str
    label: str
    unit: str = ""


@runtime_checkable
class DosageForm(Protocol):
    """What a dosage form does for a batch, from its order to its label."""

    name: str
    """The order's ``form`` this implements (``"capsules"``, ``"oral_liquid"``); its orders
    and plans are the form's own models (:class:`compounding.orders.models.Order` and
    ``Plan``, :class:`compounding.orders.liquid.LiquidOrder` and ``LiquidPlan``)."""

    def work_out(self, order: Any, settings: Settings, *, kept: bool = False) -> Any:
        """The batch of ``order``, every number exact, or ``OrderError`` with every error;
        ``kept``: the order of a kept record, planned on its own compounding date."""

    def plan_of(self, worked: Any) -> Any:
        """The API plan of a batch :meth:`work_out` gave."""

    def preparation(self, worked: Any, lot: str, mg: Callable[[Fraction], str]) -> list[str]:
        """The worksheet's steps from the source to the first weighings, each a sentence;
        ``mg`` prints a mass [mg] to the balance's readability."""

    def quality_control(self, plan: Any) -> list[str]:
        """The checks on what was made, each a sentence with its limits."""

    def bench_fields(self, plan: Any) -> tuple[BenchField, ...]:
        """What the bench enters for a batch of ``plan``."""

    def reconcile(self, entry: Any, plan: Any, order: Any, settings: Settings) -> Any:
        """What the bench made, checked against the plan: the strength made, the findings,
        the beyond-use date from the lots used."""

    def product_line(self, plan: Any) -> str:
        """The label's product line: drug, strength and form."""
