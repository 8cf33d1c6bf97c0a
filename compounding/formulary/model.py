"""The master formulation record (MFR): the recipe every batch of one preparation follows.

Its contents are those USP <795> (revision official 1 Nov 2023) lists: name, dosage form,
strength or concentration, each component with its role, grade and amount, container-closure,
equipment, steps, calculations, quality control and expected results, physical description,
storage, the beyond-use date (BUD) with the source that supports it, label cautions and
references. A record is frozen data; :func:`content_digest` fingerprints it, so an approved
version can be shown never to have changed.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    model_validator,
)

MFR_ID_PATTERN = r"^[A-Z0-9][A-Z0-9-]{1,39}$"
"""An MFR id: capital letters, digits and hyphens, 2 to 40 characters (``LDN-CAPS-TAB-MCC``)."""

Form = Literal["capsules", "oral_liquid"]
SourceKind = Literal["tablets", "api_powder"]
LiquidKind = Literal["solution", "suspension"]
Role = Literal["active", "filler", "vehicle", "preservative", "antioxidant", "co_solvent",
               "flavour"]
IngredientUnit = Literal["as ordered", "mg", "mg/mL", "% w/v", "% v/v", "q.s.", "to volume"]
"""How an ingredient's amount is given: ``as ordered`` (the active of a capsule: the strength
of the order), ``mg`` per capsule, ``mg/mL``, ``% w/v`` (g per 100 mL), ``% v/v`` (mL per
100 mL), ``q.s.`` (filler to the fill weight) or ``to volume`` (the vehicle)."""
_NUMBERED_UNITS = frozenset({"mg", "mg/mL", "% w/v", "% v/v"})
_CAPSULE_UNITS = frozenset({"as ordered", "mg", "q.s."})
_LIQUID_UNITS = frozenset({"mg/mL", "% w/v", "% v/v", "to volume"})

Table4Category = Literal["aqueous_non_preserved", "aqueous_preserved",
                         "non_aqueous_oral_liquid", "other_non_aqueous"]
TABLE4_DAYS: dict[str, int] = {"aqueous_non_preserved": 14, "aqueous_preserved": 35,
                               "non_aqueous_oral_liquid": 90, "other_non_aqueous": 180}
"""USP <795> (2023) Table 4: the longest BUD without a stability study, by category [days]."""
TABLE4_NAMES: dict[str, str] = {
    "aqueous_non_preserved": "aqueous dosage forms, non-preserved",
    "aqueous_preserved": "aqueous dosage forms, preserved",
    "non_aqueous_oral_liquid": "non-aqueous oral liquids",
    "other_non_aqueous": "other non-aqueous dosage forms (capsules)"}


def _plain(value: Decimal) -> Decimal:
    """One spelling per number (``1``, not ``1.0``), so that equal records digest alike."""
    return Decimal(0) if value == 0 else Decimal(format(value.normalize(), "f"))


Amount = Annotated[Decimal, Field(ge=0, allow_inf_nan=False), AfterValidator(_plain),
                   PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json")]
"""A non-negative exact decimal; JSON writes it as a plain numeral in a string (``"0.5"``)."""
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Bounds(_Frozen):
    """A closed range ``low``–``high`` (percent of the fill weight, or pH)."""

    low: Amount
    high: Amount

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self


class StrengthRange(_Frozen):
    """The doses a record is written for [mg]: per capsule, or per dose of a liquid.

    >>> StrengthRange(minimum="0.02", maximum="1", maximum_inclusive=False).contains("0.999")
    True
    >>> str(StrengthRange(minimum="0.5", maximum="5"))
    '0.5-5 mg'
    """

    minimum: Amount
    maximum: Amount
    maximum_inclusive: bool = True

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not 0 < self.minimum < self.maximum:
            raise ValueError("a strength range needs 0 < minimum < maximum")
        return self

    def contains(self, mg: Decimal | Fraction | int | str) -> bool:
        """Whether a dose of ``mg`` [mg] lies in the range."""
        dose, top = Fraction(mg), Fraction(self.maximum)
        return self.minimum <= dose and (dose <= top if self.maximum_inclusive else dose < top)

    def __str__(self) -> str:
        return (f"{self.minimum}-{self.maximum} mg" if self.maximum_inclusive
                else f"{self.minimum} mg to under {self.maximum} mg")


class Ingredient(_Frozen):
    """One component: its role, name, grade (``USP``, ``NF``) and amount."""

    role: Role
    name: Text
    grade: Text
    quantity: Amount | None = None
    unit: IngredientUnit

    @model_validator(mode="after")
    def _amount(self) -> Self:
        numbered = self.unit in _NUMBERED_UNITS
        if numbered == (self.quantity is None):
            raise ValueError(f"{self.name}: “{self.unit}” "
                             f"{'needs a' if numbered else 'takes no'} quantity")
        if self.unit.startswith("%") and self.quantity is not None and self.quantity > 100:
            raise ValueError(f"{self.name}: {self.quantity} {self.unit} is above 100 %")
        return self


class QualityControl(_Frozen):
    """Checks on the finished preparation and their expected results.

    ``fill_weight_percent``: each capsule's net weight within this range of the theoretical
    fill weight (the low limit rounded up, the high one down, to the balance readability);
    ``capsules_to_weigh`` at least (all when fewer; every one when ``weigh_every_capsule``);
    ``final_volume_tolerance_percent`` for a liquid; ``ph_range`` when the reference gives one.
    """

    fill_weight_percent: Bounds | None = None
    capsules_to_weigh: int | None = Field(default=None, ge=1)
    weigh_every_capsule: bool = False
    final_volume_tolerance_percent: Amount | None = None
    appearance: Text
    ph_range: Bounds | None = None


class BudRationale(_Frozen):
    """Why the BUD is what it is: a USP <795> (2023) Table 4 category, or a stability study.

    ``kind="usp_table4"``: ``category`` and ``days`` (at most the table's for the category).
    ``kind="study"``: ``citation``, ``storage_condition``, ``days`` and ``matches_study``, a
    statement that the formula and container are those of the study; ``room_temperature_days``
    is its shorter BUD out of the refrigerator, if any. ``days`` is the day count either way.

    >>> BudRationale(kind="usp_table4", category="other_non_aqueous", days=180,
    ...              storage_condition="20-25 °C", protect_from_light=True).summary()
    'USP <795> (2023) Table 4, other non-aqueous dosage forms (capsules): 180 days, 20-25 °C'
    """

    kind: Literal["usp_table4", "study"]
    days: int = Field(ge=1, le=3650)
    category: Table4Category | None = None
    citation: Text | None = None
    storage_condition: Text
    matches_study: Text | None = None
    room_temperature_days: int | None = Field(default=None, ge=1, le=3650)
    protect_from_light: bool = False
    refrigerate: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        table4, category = self.kind == "usp_table4", self.category
        if table4 != (category is not None):
            raise ValueError("a USP <795> Table 4 rationale, and only it, names a category")
        if table4 and (self.citation or self.matches_study or self.room_temperature_days):
            raise ValueError("a citation and its statements belong to a study rationale")
        if category is not None and self.days > TABLE4_DAYS[category]:
            raise ValueError(f"USP <795> Table 4 allows at most {TABLE4_DAYS[category]} days "
                             f"for {TABLE4_NAMES[category]}, not {self.days}")
        if category == "aqueous_non_preserved" and not self.refrigerate:
            raise ValueError("a non-preserved aqueous preparation is refrigerated")
        if not table4 and not (self.citation and self.matches_study):
            raise ValueError("a study rationale needs its citation and the statement that "
                             "the formula and container match the study")
        if self.room_temperature_days and not self.refrigerate:
            raise ValueError("room_temperature_days is for a refrigerated preparation")
        return self

    def summary(self) -> str:
        """One line for a worksheet or a plan: the source, the days, the storage."""
        if self.kind == "usp_table4":
            source = f"USP <795> (2023) Table 4, {TABLE4_NAMES[self.category or '']}"
        else:
            source = f"stability study: {self.citation}"
        return f"{source}: {self.days} days, {self.storage_condition}"


class MasterFormulationRecord(_Frozen):
    """One version of one master formulation record.

    ``default``: the formulary's default for its form and source kind (a liquid: for its
    concentration band, doses from ``strength_range.minimum`` up to the next band's).
    ``api_powder_dilution_factor``: DF of API powder, how densely it packs relative to the
    filler (1 = the same; a setting; only for ``api_powder``). ``weigh_in_portions``: a mass
    above every balance's capacity may be weighed in equal portions, each in range.
    """

    id: Annotated[str, Field(pattern=MFR_ID_PATTERN)]
    version: int = Field(ge=1)
    name: Text
    form: Form
    source_kind: SourceKind
    default: bool = False
    strength_range: StrengthRange
    concentration: Amount | None = None
    kind: LiquidKind | None = None
    ingredients: tuple[Ingredient, ...] = Field(min_length=1)
    capsule_shell: Text | None = None
    container_closure: Text
    equipment: tuple[Text, ...] = Field(min_length=1)
    method: tuple[Text, ...] = Field(min_length=1)
    calculations: tuple[Text, ...] = ()
    qc: QualityControl
    physical_description: Text
    storage: Text
    bud: BudRationale
    label_cautions: tuple[Text, ...] = ()
    references: tuple[Text, ...] = Field(min_length=1)
    api_powder_dilution_factor: Amount = Decimal(1)
    weigh_in_portions: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        actives = [i for i in self.ingredients if i.role == "active"]
        if len(actives) != 1:
            raise ValueError(f"a record has exactly one active ingredient, not {len(actives)}")
        if len({i.name.casefold() for i in self.ingredients}) != len(self.ingredients):
            raise ValueError("an ingredient is listed twice")
        factor = self.api_powder_dilution_factor
        if not Decimal("0.5") <= factor <= 2 or (self.source_kind == "tablets" and factor != 1):
            raise ValueError("api_powder_dilution_factor is 0.5-2, and 1 unless from API powder")
        if self.form == "capsules":
            self._capsules()
        else:
            self._liquid(actives[0])
        return self

    def _capsules(self) -> None:
        if self.concentration is not None or self.kind is not None or not self.capsule_shell:
            raise ValueError("capsules name their shell, and have no concentration or kind")
        if not any(i.role == "filler" for i in self.ingredients):
            raise ValueError("capsules need a filler")
        if any(i.unit not in _CAPSULE_UNITS for i in self.ingredients):
            raise ValueError(f"capsule ingredients are given in {sorted(_CAPSULE_UNITS)}")
        if (self.qc.fill_weight_percent is None or self.qc.capsules_to_weigh is None
                or self.qc.final_volume_tolerance_percent is not None):
            raise ValueError("capsule QC gives the fill-weight range and capsules to weigh, "
                             "and no final volume")
        if self.bud.kind == "usp_table4" and self.bud.category != "other_non_aqueous":
            raise ValueError("capsules are a USP <795> Table 4 “other non-aqueous” form")

    def _liquid(self, active: Ingredient) -> None:
        if not self.concentration or self.kind is None or self.capsule_shell is not None:
            raise ValueError("an oral liquid gives its concentration and kind, and no shell")
        if self.source_kind == "tablets" and self.kind != "suspension":
            raise ValueError("a liquid from tablets is a suspension: excipients do not dissolve")
        if any(i.unit not in _LIQUID_UNITS for i in self.ingredients):
            raise ValueError(f"liquid ingredients are given in {sorted(_LIQUID_UNITS)}")
        to_volume = [i for i in self.ingredients if i.unit == "to volume"]
        if len(to_volume) != 1 or to_volume[0].role != "vehicle":
            raise ValueError("an oral liquid has one vehicle, made “to volume”")
        if active.unit != "mg/mL" or active.quantity != self.concentration:
            raise ValueError("the active of a liquid is given in mg/mL, as the concentration")
        if (self.qc.final_volume_tolerance_percent is None
                or self.qc.fill_weight_percent or self.qc.capsules_to_weigh):
            raise ValueError("liquid QC gives the final volume tolerance, and no fill weights")
        if self.bud.kind == "usp_table4" and self.bud.category == "other_non_aqueous":
            raise ValueError("an oral liquid is not an “other non-aqueous” Table 4 form")

    def covers(self, strength_mg: Decimal | Fraction | int | str) -> bool:
        """Whether a dose [mg] lies in the strength range the record is written for."""
        return self.strength_range.contains(strength_mg)


def canonical_json(mfr: MasterFormulationRecord) -> str:
    """The record as JSON with sorted keys and no spaces: the text :func:`content_digest`
    hashes, the same in every run and on every machine."""
    return json.dumps(mfr.model_dump(mode="json"), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))


def content_digest(mfr: MasterFormulationRecord) -> str:
    """SHA-256 (hex) of :func:`canonical_json`: it changes when any field changes."""
    return hashlib.sha256(canonical_json(mfr).encode("utf-8")).hexdigest()
