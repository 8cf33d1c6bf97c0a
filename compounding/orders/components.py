"""The parts of an order that say what a batch is made of: the capsule and its shell, the source
of the drug (tablets or naltrexone HCl powder), the filler, and the overage (API v1 field names,
fixed: fields may be added, never renamed)."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)
from pydantic_core import PydanticCustomError

from compounding.display import strength as strength_text
from compounding.formulation.capsules import SIZE_NAMES
from compounding.orders.identifiers import Ndc
from compounding.orders.types import (
    AssayPercent,
    ComponentLot,
    Density,
    Expiry,
    Mass,
    Name,
    OverageCount,
    Percent,
    ShortText,
    WaterPercent,
)

CapsuleSizeName = Literal["000", "00", "0", "1", "2", "3", "4", "5"]
assert tuple(reversed(get_args(CapsuleSizeName))) == SIZE_NAMES  # one list of sizes


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Overage(_Model):
    """Extra capsules for powder loss: ``capsules`` (e) or ``percent`` of the quantity, not both."""

    capsules: OverageCount | None = None
    percent: Percent | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Overage:
        if self.capsules is not None and self.percent is not None:
            raise PydanticCustomError("OVERAGE_CONFLICT", "give capsules or percent, not both")
        if self.capsules is None and self.percent is None:
            raise PydanticCustomError("FIELD_REQUIRED", "give capsules or percent")
        return self


class Capsule(_Model):
    """The hard capsule: size, shell material, and the shell lot."""

    size: CapsuleSizeName
    shell: ShortText = "gelatin"
    ndc: Ndc | None = None
    lot: ComponentLot | None = None
    expiry: Expiry | None = None


class Source(_Model):
    """Where the naltrexone comes from: commercial tablets crushed for the batch (``kind``
    ``tablets``, the default) or naltrexone hydrochloride USP powder (``api_powder``).

    Tablets: ``strength`` is S [mg] per tablet (as HCl); ``average_tablet_weight`` is W [mg],
    the measured average weight of one whole tablet of this lot (required). ``product`` is the
    tablets' name; a strength written in it must be S (``SOURCE_STRENGTH_MISMATCH``), and
    without it the name is made from S.

    API powder: ``assay`` [%] of naltrexone HCl from the lot's certificate of analysis, on the
    basis ``assay_basis`` (``as_is``, or ``dried`` with the ``water`` content [%]); ``lot`` and
    ``expiry`` required; no tablet weight (USP <795> 2023 §8; the certificate of analysis).
    """

    kind: Literal["tablets", "api_powder"] = "tablets"
    product: Name | None = None
    strength: Mass = Fraction(50)
    average_tablet_weight: Mass | None = None
    assay: AssayPercent | None = None
    assay_basis: Literal["as_is", "dried"] = "as_is"
    water: WaterPercent | None = None
    release: ShortText = "immediate"
    manufacturer: Name | None = None
    ndc: Ndc | None = None
    lot: ComponentLot | None = None
    expiry: Expiry | None = None
    excipients: list[Name] = Field(default_factory=list, max_length=40)

    @model_validator(mode="after")
    def _tablets_weighed(self) -> Source:
        if self.kind == "tablets" and self.average_tablet_weight is None:
            raise PydanticCustomError("FIELD_REQUIRED", "field required",
                                      {"leaf": "average_tablet_weight"})
        return self

    @property
    def powder(self) -> bool:
        """Naltrexone HCl powder (API), weighed; not tablets."""
        return self.kind == "api_powder"

    @property
    def assay_as_is(self) -> Fraction | None:
        """The powder's naltrexone HCl per mg as weighed [mg/mg]: the assay as is, or the
        dried assay × (1 − water).

        >>> Source(kind="api_powder", assay="99.2 %").assay_as_is
        Fraction(124, 125)
        >>> Source(kind="api_powder", assay=99.6, assay_basis="dried", water=0.4).assay_as_is
        Fraction(62001, 62500)
        """
        if self.assay is None:
            return None
        if self.assay_basis == "dried":
            return self.assay / 100 * (1 - Fraction(self.water or 0) / 100)
        return self.assay / 100

    @property
    def product_name(self) -> str:
        """The product as printed: as given, or ``Naltrexone HCl <S> tablet`` (tablets) or
        ``Naltrexone HCl USP powder`` (API)."""
        if self.powder:
            return self.product or "Naltrexone HCl USP powder"
        return self.product or f"Naltrexone HCl {strength_text(self.strength)} tablet"


class Filler(_Model):
    """The diluent. Fill basis: ``pack_stat`` F [mg], else ``density`` [g/mL] × capsule volume."""

    name: Name = "microcrystalline cellulose"
    grade: ShortText | None = None
    pack_stat: Mass | None = None
    density: Density | None = None
    ndc: Ndc | None = None
    lot: ComponentLot | None = None
    expiry: Expiry | None = None
