"""The bench entry of an oral liquid batch, as the API and the records keep it (USP <795> 2023
§8: the compounding record's actual amounts, lots and expiries, and the final volume): the drug
put in (tablets, powder, each stock stage and the aliquot), every other ingredient's amount
[mg or mL] with its lot and expiry, the source's lot and expiry, the final volume [mL]; and its
correction. Re-exported, with its reconciliation, by :mod:`compounding.bench.liquid_results`.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from compounding.bench.results import _USED, _Entry
from compounding.orders.types import (
    BenchCount,
    ComponentLot,
    Expiry,
    LongText,
    Mass,
    ShortText,
    Volume,
    stored,
)
from compounding.units import (
    MASS,
    QUANTITY_PATTERN,
    VOLUME,
    QuantityError,
    as_json,
    parse_quantity,
)

AMOUNT_SCHEMA = {"oneOf": [
    {"type": "string", "examples": ["709 mg", "28.4 mL"], "pattern": QUANTITY_PATTERN,
     "description": "A mass (mg, g) weighed or a volume (mL) measured"},
    {"type": "object", "required": ["value", "unit"], "additionalProperties": False,
     "properties": {"value": {"type": "number"}, "unit": {"type": "string"}}},
    {"type": "null"}]}


class Amount(_Entry):
    """An ingredient's amount as used: ``value`` in ``unit``, mg weighed or mL measured. Reads
    ``"709 mg"``, ``"0.709 g"``, ``"28.4 mL"`` or ``{"value", "unit"}``."""

    value: Fraction
    unit: Literal["mg", "mL"]

    @model_validator(mode="before")
    @classmethod
    def _read(cls, value: Any) -> Any:
        if isinstance(value, Amount):
            return value
        try:
            found = (parse_quantity(value, MASS), "mg")
        except QuantityError as as_mass:
            try:
                found = (parse_quantity(value, VOLUME), "mL")
            except QuantityError as as_volume:
                if as_volume.code == as_mass.code == "WRONG_DIMENSION":
                    raise PydanticCustomError(
                        "WRONG_DIMENSION", "must be a mass (like mg) or a volume (like mL)"
                    ) from None
                raise PydanticCustomError(
                    as_mass.code, "must be a mass or a volume with its unit, like '709 mg' or "
                                  "'28.4 mL'") from None
        if found[0] <= 0:
            raise PydanticCustomError("NOT_POSITIVE", "must be more than zero")
        return {"value": found[0], "unit": found[1]}

    @field_serializer("value")
    def _number(self, value: Fraction) -> Any:
        return as_json(value, MASS if self.unit == "mg" else VOLUME)["value"]


class StockMade(_Entry):
    """One stage of a stock as made: the ``volume`` [mL] it was made to; for stage 2, the
    volume of stage 1 measured into it, ``taken`` [mL]."""

    volume: Volume
    taken: Volume | None = None


class IngredientUsed(_Entry):
    """Another ingredient as used: its ``name`` (as the plan names it), the ``amount`` weighed
    [mg] or measured [mL] (none for the vehicle the batch is made to volume with), and the
    ``lot`` and ``expiry`` of what was used."""

    name: ShortText
    amount: Annotated[Amount | None, WithJsonSchema({**AMOUNT_SCHEMA})] = None
    lot: ComponentLot | None = None
    expiry: Expiry | None = None


class LiquidBenchEntry(_Entry):
    """Results entered at the bench for an oral liquid batch. ``tablets_used``: the whole
    tablets crushed (none from naltrexone HCl powder); ``powder_actual`` [mg]: the portion of
    their powder weighed, or the naltrexone HCl powder weighed (for a stock, what stage 1 was
    made from); ``stock``: each stage as made, and ``aliquot_actual`` [mL] of the last measured
    into the batch; ``ingredients``: every other ingredient's amount, lot and expiry;
    ``final_volume`` [mL]: what the batch was made to; the source's lot and expiry as used."""

    tablets_used: BenchCount | None = None
    powder_actual: Mass | None = None
    stock: list[StockMade] = Field(default_factory=list, max_length=2)
    aliquot_actual: Volume | None = None
    ingredients: list[IngredientUsed] = Field(default_factory=list, max_length=12)
    final_volume: Volume
    source_lot: ComponentLot | None = _USED
    source_expiry: Expiry | None = _USED
    compounded_at: datetime

    @field_validator("source_lot", "source_expiry")
    @classmethod
    def _source_known(cls, value: object, info: ValidationInfo) -> object:
        """The source's lot and expiry as used are required (USP <795> 2023 §8)."""
        if value is None and not stored(info):
            raise PydanticCustomError(
                "FIELD_REQUIRED", "the lot and expiry of every component used are required")
        return value

    def lots(self) -> list[tuple[str, str]]:
        """The component lots used, for the recall index: ``("source", lot)`` and
        ``("ingredient", lot)`` for each other ingredient with a lot."""
        found = [("source", self.source_lot)] if self.source_lot else []
        return found + [("ingredient", i.lot) for i in self.ingredients if i.lot]


class LiquidCorrection(_Entry):
    """A corrected bench entry of an oral liquid batch: why, and the whole entry as it should
    read (the author is the signed-in user)."""

    reason: LongText
    bench: LiquidBenchEntry

