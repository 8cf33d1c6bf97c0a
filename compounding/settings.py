"""Pharmacy settings that the calculation reads: the *(default)* values of domain.md.

Loading them from a file is the caller's business; this module only defines them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from compounding.clock import zone
from compounding.formulary import Formulary, FormularyEntry
from compounding.orders.equipment import Balance, CapsuleMachine
from compounding.orders.liquid import DEFAULT_SYRINGES, Syringe
from compounding.orders.models import CapsuleSizeName
from compounding.orders.types import (
    CapsuleCount,
    Concentration,
    Density,
    DensityFactor,
    Mass,
    Percent,
    ShortText,
    Volume,
)


def _time_zone(name: Any) -> str:
    try:
        zone(name)
    except ValueError as exc:
        raise PydanticCustomError("INVALID_TIME_ZONE", str(exc)) from None
    return name


TimeZoneName = Annotated[ShortText, AfterValidator(_time_zone)]
"""An IANA time zone name (``America/Chicago``), checked against the system's zone data."""


class Settings(BaseModel):
    """Pharmacy settings used by :func:`compounding.plan_order`.

    - ``overage_percent`` [%]: default overage when the order gives none (domain.md §3: 5).
    - ``minimum_weighable_quantity`` [mg]: MWQ = sensitivity ÷ acceptable error; Class A
      prescription balance 6 mg ÷ 5 % = 120 mg (UNC Pharmaceutics lab, weighing).
    - ``balance_readability`` [mg]: the smallest step the balance shows; documents round to it.
    - ``balance_capacity`` [mg]: the most it weighs at once (domain.md §9: 120 g, Class A).
    - ``capsules_to_weigh`` [capsules]: QC weighs at least this many, or all when fewer (10).
    - ``beyond_use_days`` [days]: the pharmacy's own cap on the beyond-use date every master
      formulation record gives (none by default: the record's rationale decides).
    - ``formulary``: the master formulation records a batch may be made under, each with its
      status (the pharmacy's approved versions); ``None``: the workbench's built-in records
      (:meth:`compounding.formulary.Formulary.built_in`), for a plan without a database.
    - ``compounding_date_window_days`` [days]: an order's ``compounded_on`` more than this
      before or after the pharmacy's today is ``COMPOUNDED_ON_OUT_OF_RANGE`` (31).
    - ``pack_stats`` [mg]: the pharmacy's own calibrated MCC pack stats by capsule size, used
      before the chart.
    - ``time_zone``: the pharmacy's IANA time zone; it decides "today", lot dates, the BUD and
      expiry checks (security.md).
    - ``crushing_loss_percent`` [%]: powder left in the mortar; ``exact_portion`` weighs out at
      most the rest (domain.md §9: 2).
    - ``fill_density_min``/``max`` [g/mL]: a filler density, or pack stat ÷ capsule volume,
      outside 0.2-1.5 is an error; ``density_factor_min``/``max`` [-]: DF outside 0.5-2 is an
      error (domain.md §9).
    - ``surplus_capsules`` [capsules] and ``surplus_percent`` [%]: more capsules filled than
      required beyond max(10, ⌈10 % of N⌉) is ``BATCH_SURPLUS`` (domain.md §9).
    - ``syringes``: the oral syringes dispensed with a liquid, each a capacity and graduation
      [mL] (1 mL by 0.01, 3 mL by 0.1, 5 mL by 0.2, 10 mL by 0.5); ``dose_volume_min``/``max``
      [mL]: a measurable dose of a liquid lies in 0.2-20 mL.
    - ``liquid_overage_percent`` [%] and ``liquid_overage_minimum`` [mL]: a liquid batch is made
      V + max(5 % of V, 5 mL), for the bottle's and the syringe's losses.
    - ``surplus_volume`` [mL]: whole tablets may make a liquid batch larger than V by at most
      max(10 mL, ⌈surplus_percent of V⌉ mL), the surplus rule in mL.
    - ``stock_aliquot_minimum`` [mL]: an aliquot of a stock is at least 1 mL, measured with a
      calibrated pipette or syringe; ``stock_volumes`` [mL]: the volumetric flasks a stock is
      made to (10, 25, 50, 100 mL); ``stock_concentration_max`` [mg/mL]: the strongest stock
      (50 mg/mL, half the solubility of naltrexone HCl in water, about 100 mg/mL).
    - ``balances``: the pharmacy's balances (name, readability, MWQ, capacity, check date);
      each weighing uses the most precise one whose range holds it; none: the one balance
      above. ``capsule_machines``: the machines a capsule batch is filled on in runs (none:
      by hand).
    - ``kit_colours``: the shell colour of each strength [mg HCl] of a titration kit
      (``(1.5 mg, "white"), (3 mg, "blue")``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    overage_percent: Percent = Fraction(5)
    minimum_weighable_quantity: Mass = Fraction(120)
    balance_readability: Mass = Fraction(1)
    balance_capacity: Mass = Fraction(120_000)
    capsules_to_weigh: CapsuleCount = 10
    beyond_use_days: int | None = Field(default=None, ge=1, le=3650)
    compounding_date_window_days: int = Field(default=31, ge=0, le=366)
    pack_stats: dict[CapsuleSizeName, Mass] = Field(default_factory=dict)
    time_zone: TimeZoneName = "UTC"
    crushing_loss_percent: Percent = Fraction(2)
    fill_density_min: Density = Fraction(1, 5)
    fill_density_max: Density = Fraction(3, 2)
    density_factor_min: DensityFactor = Fraction(1, 2)
    density_factor_max: DensityFactor = Fraction(2)
    surplus_capsules: CapsuleCount = 10
    surplus_percent: Percent = Fraction(10)
    formulary: tuple[FormularyEntry, ...] | None = None
    syringes: tuple[Syringe, ...] = Field(default=DEFAULT_SYRINGES, min_length=1, max_length=12)
    dose_volume_min: Volume = Fraction(1, 5)
    dose_volume_max: Volume = Fraction(20)
    liquid_overage_percent: Percent = Fraction(5)
    liquid_overage_minimum: Volume = Fraction(5)
    surplus_volume: Volume = Fraction(10)
    stock_aliquot_minimum: Volume = Fraction(1)
    stock_volumes: tuple[Volume, ...] = Field(
        default=(Fraction(10), Fraction(25), Fraction(50), Fraction(100)),
        min_length=1, max_length=12)
    stock_concentration_max: Concentration = Fraction(50)
    kit_colours: tuple[tuple[Mass, ShortText], ...] = ()
    balances: tuple[Balance, ...] = Field(default=(), max_length=12)
    capsule_machines: tuple[CapsuleMachine, ...] = Field(default=(), max_length=12)

    @model_validator(mode="before")
    @classmethod
    def _envelope(cls, data: Any) -> Any:
        """With ``balances``, the single-balance settings are their envelope: the least MWQ,
        the greatest capacity and the finest readability (what the method search may use;
        each weighing then takes its own balance)."""
        if isinstance(data, dict) and data.get("balances"):
            found = [b if isinstance(b, Balance) else Balance.model_validate(b)
                     for b in data["balances"]]
            data = {**data, "balances": tuple(found),
                    "minimum_weighable_quantity": min(b.minimum_weighable_quantity
                                                      for b in found),
                    "balance_capacity": max(b.capacity for b in found),
                    "balance_readability": min(b.readability for b in found)}
        return data

    def balance_set(self) -> tuple[Balance, ...]:
        """The pharmacy's balances; without a list, the one balance of the single-balance
        settings (a Class A prescription balance by default)."""
        return self.balances or (Balance(
            name="prescription balance", readability=self.balance_readability,
            minimum_weighable_quantity=self.minimum_weighable_quantity,
            capacity=self.balance_capacity),)


    def formulary_of(self) -> Formulary:
        """The formulary plans are made under: the pharmacy's, or the built-in one."""
        return (Formulary.built_in() if self.formulary is None
                else Formulary(self.formulary))


DEFAULT_SETTINGS = Settings()
