"""Pharmacy settings that the calculation reads: the *(default)* values of domain.md.

Loading them from a file is the caller's business; this module only defines them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from .clock import zone
from .models import CapsuleSizeName
from .types import CapsuleCount, Mass, Percent, ShortText


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
    - ``capsules_to_weigh`` [capsules]: QC weighs at least this many, or all when fewer (10).
    - ``beyond_use_days`` [days]: USP <795> (2023) non-aqueous default, 180.
    - ``pack_stats`` [mg]: the pharmacy's own calibrated MCC pack stats by capsule size, used
      before the chart.
    - ``time_zone``: the pharmacy's IANA time zone; it decides "today", lot dates, the BUD and
      expiry checks (security.md).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    overage_percent: Percent = Fraction(5)
    minimum_weighable_quantity: Mass = Fraction(120)
    balance_readability: Mass = Fraction(1)
    capsules_to_weigh: CapsuleCount = 10
    beyond_use_days: int = Field(default=180, ge=1, le=3650)
    pack_stats: dict[CapsuleSizeName, Mass] = Field(default_factory=dict)
    time_zone: TimeZoneName = "UTC"


DEFAULT_SETTINGS = Settings()
