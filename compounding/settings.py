"""Pharmacy settings that the calculation reads: the *(default)* values of domain.md.

Loading them from a file is the caller's business; this module only defines them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from compounding.clock import zone
from compounding.formulary import Formulary, FormularyEntry
from compounding.orders.models import CapsuleSizeName
from compounding.orders.types import CapsuleCount, Density, DensityFactor, Mass, Percent, ShortText


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


    def formulary_of(self) -> Formulary:
        """The formulary plans are made under: the pharmacy's, or the built-in one."""
        return (Formulary.built_in() if self.formulary is None
                else Formulary(self.formulary))


DEFAULT_SETTINGS = Settings()
