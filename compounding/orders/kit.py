"""API v1.2 models of a capsule titration kit: the order (a capsule order with a ``schedule``
instead of one ``strength`` and ``quantity``) and its plan (one capsule plan per strength made,
each in its own shell colour, and the kit's directions step by step).

LDN is started low and raised in steps held for weeks (1.5 mg nightly for 14 days, 3 mg for 14
days, 4.5 mg for 30 days); pharmacies dispense the steps as capsules of two or three strengths
told apart by shell colour.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import Field

from compounding.orders.components import Capsule, Filler, Overage, Source, _Model
from compounding.orders.identifiers import ExternalId
from compounding.orders.models import (
    Medication,
    MfrReference,
    Patient,
    Plan,
    Prescriber,
    RxNumber,
)
from compounding.orders.types import (
    CapsulesPerDose,
    Day,
    DensityFactor,
    DosesPerDay,
    LongText,
    Mass,
    MassOut,
    Refills,
    ShortText,
    _Typed,
    count_type,
)
from compounding.screening.findings import Acknowledgement, Finding

StepDays = Annotated[int, _Typed(count_type(1, 366))]
"""A schedule step's length [days]: 1 to 366."""


class KitStep(_Model):
    """One step of a titration: ``dose`` [mg] taken ``doses_per_day`` times a day for ``days``
    [days]; ``capsules_per_dose`` when the prescriber writes it ("3 mg as 2 × 1.5 mg"), else
    the kit's strengths decide it."""

    dose: Mass
    doses_per_day: DosesPerDay = 1
    days: StepDays
    capsules_per_dose: CapsulesPerDose | None = None


class KitOrder(_Model):
    """A titration dispensed as capsules (API v1.2): the capsule order's fields, with
    ``schedule`` (1 to 12 steps) instead of ``strength`` and ``quantity``.

    ``directions``: the titration as written; without a ``schedule`` the steps are read from it
    (each step's dose in mg and its days), with one they must agree.
    ``strengths`` [mg]: the capsule strengths to make (default: one per distinct dose, or with
    ``combine`` the fewest whose whole multiples give every dose); ``combine``: the prescriber
    allows a dose as several capsules of a lower strength; ``start_on``: the schedule's first
    day (default: the compounding date), from which the kit label dates each step.
    """

    form: Literal["capsules"] = "capsules"
    mfr: MfrReference | None = None
    schedule: list[KitStep] | None = Field(default=None, min_length=1, max_length=12)
    directions: LongText | None = None
    strengths: list[Mass] | None = Field(default=None, min_length=1, max_length=6)
    combine: bool = False
    start_on: Day | None = None
    strength_basis: Literal["hydrochloride", "base"] = "hydrochloride"
    overage: Overage | None = None
    method: Literal["auto", "whole_tablets", "exact_portion", "trituration"] = "auto"
    capsule: Capsule
    source: Source
    filler: Filler = Filler()
    density_factor: DensityFactor = Fraction(1)
    release: ShortText = "immediate"
    compounded_on: Day | None = None
    rx_number: RxNumber | None = None
    prescription_id: ExternalId | None = None
    patient: Patient | None = None
    prescriber: Prescriber | None = None
    timing: ShortText | None = "at bedtime"
    refills: Refills = 0
    concurrent_medications: list[Medication] = Field(default_factory=list, max_length=60)
    acknowledgements: list[Acknowledgement] = Field(default_factory=list, max_length=40)


class KitStepPlan(_Model):
    """A step of the kit's schedule as dispensed: its ``dose`` [mg], ``capsules_per_dose`` of
    the ``strength`` [mg] in ``shell_colour`` shells, ``doses_per_day``, the schedule days
    ``first_day``-``last_day`` and their dates, and the direction line the labels print."""

    dose: MassOut
    strength: MassOut
    capsules_per_dose: int
    doses_per_day: int
    first_day: int
    last_day: int
    first_date: date
    last_date: date
    shell_colour: str | None
    directions: str


class KitPlan(_Model):
    """The plan of a capsule titration kit: ``kit``, one capsule plan per strength (each with
    its ``shell_colour`` and the ``kit_steps`` it serves), ``schedule`` step by step,
    ``kit_directions`` (one line per step, with its days), ``days_supply`` (the schedule's
    length [days]), ``start_on``, ``daily_dose`` (the highest step's [mg]) and the kit's own
    ``findings``."""

    form: Literal["capsules"] = "capsules"
    kit: list[Plan]
    schedule: list[KitStepPlan]
    kit_directions: list[str]
    days_supply: int
    start_on: date
    daily_dose: MassOut
    findings: list[Finding]
