"""API v1 request and response models (pydantic v2): the capsule order and the batch plan.

Field names are fixed by ``api-v1.md``; fields may be added, never renamed. Quantities are held
exactly (:class:`fractions.Fraction`) in the canonical unit named in brackets in each docstring;
``model_dump(mode="json")`` writes them as ``{"value": <number>, "unit": "<unit>"}``.
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .capsules import SIZE_NAMES
from .confusables import invisible_character_problem
from .display import strength as strength_text
from .fill import FillBasis
from .findings import Acknowledgement, Finding
from .identifiers import ExternalId, Ndc
from .types import (
    BatchLot,
    BodyWeight,
    CapsuleCount,
    CapsulesPerDose,
    ComponentLot,
    Day,
    Density,
    DensityFactor,
    DosesPerDay,
    Expiry,
    LongText,
    Mass,
    MassOut,
    Name,
    OverageCount,
    Percent,
    Refills,
    ShortText,
    stored,
)

CapsuleSizeName = Literal["000", "00", "0", "1", "2", "3", "4", "5"]
assert tuple(reversed(get_args(CapsuleSizeName))) == SIZE_NAMES  # one list of sizes


_RX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,19}$")


def _rx_number(value: str) -> str:
    if not _RX.match(value):
        raise PydanticCustomError(
            "INVALID_VALUE", "must be letters, digits and hyphens (up to 20 characters)")
    return value


RxNumber = Annotated[ShortText, AfterValidator(_rx_number)]
"""An Rx number: letters, digits and hyphens, up to 20 (printed as a Code 128 barcode)."""


def _visible_name(value: str, info: ValidationInfo) -> str:
    if not stored(info):
        problem = invisible_character_problem(value)
        if problem:
            raise PydanticCustomError("NAME_INVISIBLE_CHARACTER", problem)
    return value


PersonName = Annotated[Name, AfterValidator(_visible_name)]
"""A person's name, in any script, with no invisible or text-direction character (a
right-to-left override would print it in another order than the one kept)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_RXCUI = re.compile(r"^[1-9][0-9]{0,7}$")


def _rxcui(value: str) -> str:
    if not _RXCUI.match(value):
        raise PydanticCustomError("INVALID_VALUE", "an RxNorm RXCUI is 1 to 8 digits")
    return value


class CodedMedication(_Model):
    """A medication as a pharmacy system codes it: its ``text`` and its RxNorm ``rxcui``, which
    is matched first (domain.md §14)."""

    text: LongText
    rxcui: Annotated[ShortText, AfterValidator(_rxcui)] | None = None


MEDICATION_TAGS = ("as-text", "as-coded")  # union branches, left out of error paths


def _medication_kind(value: object) -> str:
    return "as-coded" if isinstance(value, dict | CodedMedication) else "as-text"


Medication = Annotated[
    Annotated[LongText, Tag("as-text")] | Annotated[CodedMedication, Tag("as-coded")],
    Discriminator(_medication_kind)]
"""A concurrent medication: text as written, or text with its RxNorm code."""


def medication_entry(medication: str | CodedMedication) -> tuple[str, str | None]:
    """(text, RXCUI) of a concurrent medication."""
    if isinstance(medication, CodedMedication):
        return medication.text, medication.rxcui
    return medication, None


def _luhn_npi(npi: str) -> str:
    """Check an NPI: 10 digits whose last is the Luhn check digit over ``80840`` + the first 9."""
    if len(npi) != 10 or not (npi.isascii() and npi.isdigit()):
        raise PydanticCustomError("INVALID_NPI", "an NPI is 10 digits")
    total = 0
    for position, char in enumerate(reversed("80840" + npi[:9])):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    if (10 - total % 10) % 10 != int(npi[9]):
        raise PydanticCustomError("INVALID_NPI", "the NPI's check digit is wrong")
    return npi


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
    """The commercial tablets crushed for the batch.

    ``strength`` is S [mg] per tablet (as HCl); ``average_tablet_weight`` is W [mg], the measured
    average weight of one whole tablet of this lot. ``product`` is the tablets' name; a strength
    written in it must be S (``SOURCE_STRENGTH_MISMATCH``), and without it the name is made
    from S (domain.md §12).
    """

    product: Name | None = None
    strength: Mass = Fraction(50)
    average_tablet_weight: Mass
    release: ShortText = "immediate"
    manufacturer: Name | None = None
    ndc: Ndc | None = None
    lot: ComponentLot | None = None
    expiry: Expiry | None = None
    excipients: list[Name] = Field(default_factory=list, max_length=40)

    @property
    def product_name(self) -> str:
        """The product as printed: as given, or ``Naltrexone HCl <S> tablet``."""
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


class Patient(_Model):
    """The patient. ``id`` is the pharmacy system's own identifier (an MRN); ``weight`` [kg];
    ``conditions`` and ``allergies`` in words
    (``"lactose intolerance"``, ``"naloxone: anaphylaxis"``)."""

    id: ExternalId | None = None
    name: PersonName | None = None
    date_of_birth: Day | None = None
    weight: BodyWeight | None = None
    conditions: list[Name] = Field(default_factory=list, max_length=40)
    allergies: list[Name] = Field(default_factory=list, max_length=40)


class Prescriber(_Model):
    """The prescriber; ``npi`` is checked by its Luhn digit."""

    name: PersonName | None = None
    npi: Annotated[ShortText, AfterValidator(_luhn_npi)] | None = None


class Sig(_Model):
    """The directions as numbers (domain.md §10): ``capsules_per_dose``, ``doses_per_day`` and a
    ``timing`` ("at bedtime")."""

    capsules_per_dose: CapsulesPerDose = 1
    doses_per_day: DosesPerDay = 1
    timing: ShortText | None = "at bedtime"


class Order(_Model):
    """A capsule order (API v1). Required: strength, quantity, capsule.size,
    source.average_tablet_weight.

    ``strength`` is d [mg] per capsule on ``strength_basis``; ``quantity`` is n [capsules].
    """

    strength: Mass
    strength_basis: Literal["hydrochloride", "base"] = "hydrochloride"
    quantity: CapsuleCount
    doses_per_day: DosesPerDay = 1
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
    lot_number: BatchLot | None = None
    patient: Patient | None = None
    prescriber: Prescriber | None = None
    sig: Sig | None = None
    directions: LongText | None = None
    refills: Refills = 0
    concurrent_medications: list[Medication] = Field(default_factory=list, max_length=60)
    acknowledgements: list[Acknowledgement] = Field(default_factory=list, max_length=40)


class TriturationStage(_Model):
    """One stage of a trituration (domain.md §9): ``powder`` [mg] triturated (stage 1: all the
    powder of ``tablets`` tablets; stage 2: an aliquot of stage 1), ``filler_added`` [mg], its
    ``total`` [mg], ``concentration`` [mg naltrexone HCl per g], and the ``aliquot`` [mg] weighed
    out of it (for stage 2, or for the batch)."""

    stage: int
    tablets: int | None
    powder: MassOut
    filler_added: MassOut
    total: MassOut
    concentration: float
    aliquot: MassOut


class Plan(_Model):
    """A batch plan (API v1). Masses are exact fractions [mg], written in JSON rounded to
    0.000001 mg; counts are exact."""

    strength: MassOut
    strength_basis: Literal["hydrochloride", "base"]
    strength_as_ordered: MassOut
    capsules_dispensed: int
    overage_capsules: int
    capsules_required: int
    method: Literal["whole_tablets", "exact_portion", "trituration"]
    method_reason: str = ""
    trituration: list[TriturationStage] | None = None
    capsule_size: CapsuleSizeName
    tablets: int
    capsule_equivalents: float
    capsules_to_fill: int
    naltrexone_total: MassOut
    tablet_powder: MassOut
    tablet_powder_per_capsule: MassOut
    filler_per_capsule: MassOut
    filler_total: MassOut
    fill_weight: MassOut
    fill_weight_min: MassOut
    fill_weight_max: MassOut
    blend_total: MassOut
    fill_basis: FillBasis
    capsule_filler_capacity: MassOut
    capsules_to_weigh: int
    contains_lactose: bool
    compounded_on: date
    beyond_use_date: date
    beyond_use_rationale: str
    sig: Sig
    directions: str
    daily_dose: MassOut
    days_supply: int
    findings: list[Finding]

    @property
    def unacknowledged(self) -> list[Finding]:
        """Critical findings that still need a pharmacist's acknowledgement."""
        return [f for f in self.findings if f.needs_acknowledgement]
