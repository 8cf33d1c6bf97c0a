"""API v1 request and response models (pydantic v2): the capsule order and the batch plan.

Field names are fixed by ``api-v1.md``; fields may be added, never renamed. Quantities are held
exactly (:class:`fractions.Fraction`) in the canonical unit named in brackets in each docstring;
``model_dump(mode="json")`` writes them as ``{"value": <number>, "unit": "<unit>"}``.
"""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from compounding.formulation.fill import FillBasis
from compounding.orders.components import (
    Capsule,
    CapsuleSizeName,
    Filler,
    Overage,
    Source,
    _Model,
)
from compounding.orders.confusables import invisible_character_problem
from compounding.orders.identifiers import ExternalId
from compounding.orders.types import (
    BatchLot,
    BodyWeight,
    CapsuleCount,
    CapsulesPerDose,
    Day,
    DensityFactor,
    DosesPerDay,
    LongText,
    Mass,
    MassOut,
    Name,
    Refills,
    ShortText,
    stored,
)
from compounding.screening.findings import Acknowledgement, Finding

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


_MFR_REF = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}(@[1-9][0-9]{0,5})?$")


def _mfr_ref(value: str) -> str:
    if not _MFR_REF.match(value):
        raise PydanticCustomError(
            "INVALID_VALUE", "a master formulation record's id (LDN-CAPS-TAB-MCC), or id@version")
    return value


MfrReference = Annotated[ShortText, AfterValidator(_mfr_ref)]
"""A master formulation record: its id, or ``id@version``."""


class Order(_Model):
    """A capsule order (API v1). Required: strength, quantity, capsule.size, and
    source.average_tablet_weight (tablets) or source.assay, lot and expiry (API powder).

    ``strength`` is d [mg] per capsule on ``strength_basis``; ``quantity`` is n [capsules].
    ``form`` is the dosage form (capsules); ``mfr`` the master formulation record it is made
    under (default: the formulary's default for the form and source).
    """

    form: Literal["capsules"] = "capsules"
    mfr: MfrReference | None = None
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
    kit_steps: list[LongText] | None = Field(default=None, min_length=1, max_length=12)
    """In a titration kit (:class:`compounding.orders.kit.KitOrder`): the schedule's steps this
    strength serves, one line each, as its label prints them."""


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


class WeighingPlan(_Model):
    """One weighing of the batch: ``what``, its ``mass`` [mg], the ``balance`` that weighs it
    (the most precise whose range holds it) with its ``readability`` [mg], in ``portions``
    equal portions (1: whole)."""

    what: str
    mass: MassOut
    balance: str
    readability: MassOut
    portions: int = 1


class RunPlan(_Model):
    """One run of a capsule machine: the ``run`` number, ``capsules`` filled, ``blend`` [mg]
    it takes, and the ``qc_sample`` of its capsules weighed."""

    run: int
    capsules: int
    blend: MassOut
    qc_sample: int


class MfrUsed(_Model):
    """The master formulation record a plan follows: ``id`` and ``version``, its ``name``,
    ``bud_days`` [days] and ``bud_rationale`` (its USP <795> Table 4 category or stability
    study); ``built_in``: one of the workbench's own seeded records (a plan made without a
    pharmacy's formulary), not a version a pharmacist approved."""

    id: str
    version: int
    name: str
    bud_days: int
    bud_rationale: str
    built_in: bool = False
    bud_basis: str = "USP <795> non-aqueous"
    """What gives ``bud_days``, in the words of the beyond-use rationale."""

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"


class Plan(_Model):
    """A batch plan (API v1). Masses are exact fractions [mg], written in JSON rounded to
    0.000001 mg; counts are exact. For an API powder source, ``tablets`` is 0 and the
    ``tablet_powder`` fields are the naltrexone HCl powder weighed."""

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
    form: Literal["capsules"] = "capsules"
    source_kind: Literal["tablets", "api_powder"] = "tablets"
    mfr: MfrUsed | None = None
    """``None`` only in a plan kept before the formulary."""
    shell_colour: str | None = None
    """The colour of the shells of a titration kit's strength (``"blue"``)."""
    kit_steps: list[str] | None = None
    """In a titration kit: the schedule's steps this strength serves, as the labels print them
    ("Days 15–28: take 1 blue capsule (3 mg) by mouth at bedtime")."""
    weighings: list[WeighingPlan] | None = None
    """Every weighing with the balance that makes it (``None`` only in a plan kept before the
    pharmacy's balances were listed)."""
    machine: str | None = None
    runs: list[RunPlan] | None = None
    """With a capsule machine for the size: its name and the runs that fill the batch (``None``:
    filled by hand)."""

    @property
    def unacknowledged(self) -> list[Finding]:
        """Critical findings that still need a pharmacist's acknowledgement."""
        return [f for f in self.findings if f.needs_acknowledgement]
