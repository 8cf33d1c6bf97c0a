"""API v1.2 models of an oral liquid: its order (``form: "oral_liquid"``) and its plan.

An oral liquid order gives the concentration c [mg/mL] (or takes the master formulation
record's), the dose d [mg] as ``strength`` or a titration ``schedule``, the sig (doses a day,
timing) and the volume to dispense V [mL] or the days' supply. Field names follow API v1.2
("Additions"); quantities are exact fractions in the unit named in brackets.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import Field, field_serializer, model_validator
from pydantic_core import PydanticCustomError

from compounding.orders.components import Source, _Model
from compounding.orders.identifiers import ExternalId
from compounding.orders.models import (
    Medication,
    MfrReference,
    MfrUsed,
    Patient,
    Prescriber,
    RxNumber,
    WeighingPlan,
)
from compounding.orders.types import (
    BatchLot,
    Concentration,
    ConcentrationOut,
    Day,
    DosesPerDay,
    Expiry,
    LongText,
    Mass,
    MassOut,
    Refills,
    ShortText,
    Volume,
    VolumeOut,
    _Typed,
    count_type,
)
from compounding.screening.findings import Acknowledgement, Finding

SupplyDays = Annotated[int, _Typed(count_type(1, 366))]
"""A days' supply or a schedule step's length [days]: 1 to 366."""


class Syringe(_Model):
    """An oral syringe: its ``capacity`` [mL] and the ``graduation`` [mL] it is marked in."""

    capacity: Volume
    graduation: Volume

    @model_validator(mode="after")
    def _marked(self) -> Syringe:
        if self.graduation > self.capacity or (self.capacity / self.graduation).denominator != 1:
            raise PydanticCustomError("INVALID_VALUE", "a syringe's capacity is a whole "
                                                       "number of its graduations")
        return self


DEFAULT_SYRINGES = (Syringe(capacity=Fraction(1), graduation=Fraction(1, 100)),
                    Syringe(capacity=Fraction(3), graduation=Fraction(1, 10)),
                    Syringe(capacity=Fraction(5), graduation=Fraction(1, 5)),
                    Syringe(capacity=Fraction(10), graduation=Fraction(1, 2)))
"""The oral syringes a pharmacy dispenses, by default: 1 mL by 0.01 mL, 3 mL by 0.1 mL, 5 mL by
0.2 mL, 10 mL by 0.5 mL (the graduations marked on common oral syringes)."""


class LiquidSig(_Model):
    """The directions as numbers: ``doses_per_day`` and a ``timing`` ("at bedtime"); the
    amount of each dose is the dose volume the plan works out [mL]."""

    doses_per_day: DosesPerDay = 1
    timing: ShortText | None = "at bedtime"


class ScheduleStep(_Model):
    """One step of a titration: ``dose`` [mg] taken ``doses_per_day`` times a day for
    ``days`` [days]."""

    dose: Mass
    doses_per_day: DosesPerDay = 1
    days: SupplyDays


class Ingredient(_Model):
    """An ingredient's lot and expiry as used for a batch (for the beyond-use date)."""

    name: ShortText
    lot: ShortText | None = None
    expiry: Expiry | None = None


class LiquidOrder(_Model):
    """An oral liquid order (API v1.2). Required: ``form: "oral_liquid"``, the dose
    (``strength`` [mg], or ``schedule``), and ``volume`` [mL] or ``days_supply`` [days]
    (with a schedule, the schedule's length); the source as for capsules.

    ``concentration`` [mg/mL] defaults to the master formulation record's (1 mg/mL, or
    0.1 mg/mL for doses under 1 mg); ``vehicle`` names the record's vehicle when it is given.
    """

    form: Literal["oral_liquid"]
    mfr: MfrReference | None = None
    concentration: Concentration | None = None
    strength: Mass | None = None
    strength_basis: Literal["hydrochloride", "base"] = "hydrochloride"
    schedule: list[ScheduleStep] | None = Field(default=None, min_length=1, max_length=12)
    volume: Volume | None = None
    days_supply: SupplyDays | None = None
    vehicle: ShortText | None = None
    source: Source
    ingredients: list[Ingredient] = Field(default_factory=list, max_length=12)
    release: ShortText = "immediate"
    compounded_on: Day | None = None
    rx_number: RxNumber | None = None
    prescription_id: ExternalId | None = None
    lot_number: BatchLot | None = None
    patient: Patient | None = None
    prescriber: Prescriber | None = None
    sig: LiquidSig | None = None
    directions: LongText | None = None
    refills: Refills = 0
    concurrent_medications: list[Medication] = Field(default_factory=list, max_length=60)
    acknowledgements: list[Acknowledgement] = Field(default_factory=list, max_length=40)


class DoseStep(_Model):
    """A step of the plan's dosing: ``dose`` [mg], ``dose_volume`` [mL] of the liquid,
    ``doses_per_day``, ``days`` [days] (``None`` for an open fixed dose) and the ``first_day``
    of the schedule it starts on."""

    dose: MassOut
    dose_volume: VolumeOut
    doses_per_day: int
    days: int | None = None
    first_day: int = 1


class IngredientAmount(_Model):
    """One ingredient of the batch, scaled from the record: its ``role``, ``name``, the
    record's ``quantity`` as written (``"0.5 % w/v"``), and the ``amount`` in ``unit``
    (``mg`` weighed, ``mL`` measured, or ``to volume``)."""

    role: str
    name: str
    quantity: str
    amount: Fraction | None
    unit: Literal["mg", "mL", "to volume"]

    @field_serializer("amount")
    def _number(self, amount: Fraction | None) -> float | None:
        """JSON: the amount rounded to 0.000001 of its unit."""
        return None if amount is None else round(float(amount), 6)


class StockStage(_Model):
    """A stage of a stock solution (or suspension, from tablets): ``drug`` [mg] put in
    (``tablets`` whole tablets, or ``powder`` [mg] weighed; stage 2: an ``aliquot_in`` [mL] of
    stage 1), made to ``volume`` [mL] at ``concentration`` [mg/mL]; ``aliquot`` [mL] of it is
    measured into the next stage or the batch."""

    stage: int
    tablets: int | None = None
    powder: MassOut | None = None
    aliquot_in: VolumeOut | None = None
    drug: MassOut
    volume: VolumeOut
    concentration: ConcentrationOut
    aliquot: VolumeOut


class LiquidPlan(_Model):
    """The plan of an oral liquid batch (API v1.2). ``method``: ``whole_tablets`` (made to
    the volume the tablets give), ``exact_portion`` (a portion of the tablet powder
    weighed), ``api_powder`` (the powder weighed) or ``stock_solution`` (a stock measured by
    volume, ``stock_solution`` gives its stages)."""

    form: Literal["oral_liquid"] = "oral_liquid"
    kind: Literal["solution", "suspension"]
    concentration: ConcentrationOut
    strength: MassOut
    strength_basis: Literal["hydrochloride", "base"]
    strength_as_ordered: MassOut
    dose_volume: VolumeOut
    steps: list[DoseStep]
    syringe: Syringe
    volume: VolumeOut
    overage_volume: VolumeOut
    batch_volume: VolumeOut
    batch_volume_reason: str = ""
    drug_total: MassOut
    method: Literal["whole_tablets", "exact_portion", "api_powder", "stock_solution"]
    method_reason: str
    """``final_volume_min``/``max`` [mL]: the batch volume within the record's tolerance;
    ``appearance`` and ``ph_range`` (``"4.0-5.0"``) its other checks."""
    tablets: int
    tablet_powder: MassOut | None = None
    stock_solution: list[StockStage] | None = None
    ingredients: list[IngredientAmount]
    final_volume_min: VolumeOut
    final_volume_max: VolumeOut
    appearance: str = ""
    ph_range: str | None = None
    storage: str
    contains_lactose: bool
    compounded_on: date
    beyond_use_date: date
    beyond_use_rationale: str
    sig: LiquidSig
    directions: str
    daily_dose: MassOut
    days_supply: int
    findings: list[Finding]
    source_kind: Literal["tablets", "api_powder"] = "tablets"
    mfr: MfrUsed | None = None
    weighings: list[WeighingPlan] | None = None
    """Every weighing with the balance that makes it."""

    @property
    def unacknowledged(self) -> list[Finding]:
        """Critical findings that still need a pharmacist's acknowledgement."""
        return [f for f in self.findings if f.needs_acknowledgement]
