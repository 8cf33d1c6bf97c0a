"""The pharmacy profile: who the pharmacy is, its balance, its label stock, its defaults.

Written as TOML (``samples/pharmacy.toml`` documents every key); every key has a default that
works out of the box. :func:`load_profile` reads TOML text; reading the file is the caller's job.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from fractions import Fraction
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from compounding.errors import ErrorDetail, OrderError
from compounding.formulary import FormularyEntry
from compounding.orders.equipment import Balance as ListedBalance
from compounding.orders.equipment import CapsuleMachine
from compounding.orders.liquid import DEFAULT_SYRINGES, Syringe
from compounding.orders.models import CapsuleSizeName
from compounding.orders.reading import validation_errors
from compounding.orders.types import (
    CapsuleCount,
    Concentration,
    Density,
    DensityFactor,
    Mass,
    Name,
    Percent,
    ShortText,
    Volume,
)
from compounding.settings import Settings, TimeZoneName

LabelStock = Literal["4x2", "3x2", "letter"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pharmacy(_Section):
    """Name, address and phone printed on every label and worksheet (a label is refused
    while any of them is not set: no label names a pharmacy that was never given); the IANA
    time zone that decides the pharmacy's dates (default UTC)."""

    name: Name | None = None
    address: Name | None = None
    phone: Name | None = None
    time_zone: TimeZoneName = "UTC"


class Balance(_Section):
    """``readability`` [mg]: documents round weighings to it. ``minimum_weighable_quantity``
    [mg]: sensitivity ÷ acceptable error (Class A: 6 mg ÷ 5 % = 120 mg). ``capacity`` [mg]: the
    most it weighs at once (Class A prescription balance: 120 g)."""

    readability: Mass = Fraction(1)
    minimum_weighable_quantity: Mass = Fraction(120)
    capacity: Mass = Fraction(120_000)


_HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
PRINTER_PORT = 9100
"""A label printer's raw-print port (Zebra and most label printers), when none is given."""


def _printer_address(text: str) -> tuple[str, int] | None:
    """``host`` or ``host:port`` (``[v6 address]:port``) as a host and a port, else ``None``."""
    host, port = text, str(PRINTER_PORT)
    if text.startswith("["):
        inside, bracket, after = text[1:].partition("]")
        if not bracket or (after and not after.startswith(":")):
            return None
        host, port = inside, after[1:] if after else port
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return None
    else:
        if text.count(":") == 1:
            host, port = text.split(":")
        elif ":" in text:
            return None
        labels = host.rstrip(".").split(".")
        if not host or len(host) > 253 or not all(_HOST_LABEL.fullmatch(p) for p in labels):
            return None
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        return None
    return host, int(port)


class Label(_Section):
    """Label stock: ``4x2`` (4 × 2 in, default), ``3x2`` (3 × 2 in thermal) or ``letter`` (a
    letter sheet of ten 4 × 2 in labels). ``printer``: the network label printer (ZPL) the
    batch page can send a dispensing label to, ``"host"`` or ``"host:port"`` (port 9100 when
    none is given); none set (the default), labels are printed from a PDF only."""

    stock: LabelStock = "4x2"
    printer: str | None = None

    @field_validator("printer")
    @classmethod
    def _printer_known(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip()
        if _printer_address(text) is None:
            raise PydanticCustomError(
                "INVALID_VALUE", "must be the label printer's address, a host name or IP "
                "address, with its port if not 9100: \"10.0.0.9\", \"zebra-1.local:9100\"")
        return text

    @model_serializer(mode="wrap")
    def _without_unset_printer(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A profile without a printer dumps as it did before the key existed (batches keep
        their profile, and an export's chain is checked against it)."""
        dumped = handler(self)
        if isinstance(dumped, dict) and dumped.get("printer") is None:
            dumped.pop("printer", None)
        return dumped

    @property
    def printer_address(self) -> tuple[str, int] | None:
        """The printer's host and port, or ``None`` when no printer is set."""
        return _printer_address(self.printer) if self.printer else None


class Calculation(_Section):
    """Defaults of the calculation (domain.md *(default)* values)."""

    overage_percent: Percent = Fraction(5)
    capsules_to_weigh: CapsuleCount = 10
    beyond_use_days: int | None = Field(default=None, ge=1, le=3650)
    compounding_date_window_days: int = Field(default=31, ge=0, le=366)
    crushing_loss_percent: Percent = Fraction(2)
    surplus_capsules: CapsuleCount = 10
    surplus_percent: Percent = Fraction(10)
    fill_density_min: Density = Fraction(1, 5)
    fill_density_max: Density = Fraction(3, 2)
    density_factor_min: DensityFactor = Fraction(1, 2)
    density_factor_max: DensityFactor = Fraction(2)

    @model_validator(mode="after")
    def _ranges(self) -> Calculation:
        for low, high in (("fill_density_min", "fill_density_max"),
                          ("density_factor_min", "density_factor_max")):
            if getattr(self, low) > getattr(self, high):
                raise PydanticCustomError("INVALID_RANGE", f"{low} is above {high}")
        return self


class Liquids(_Section):
    """Oral liquids: the oral ``syringes`` dispensed (capacity and graduation [mL]), the
    measurable dose volume ``dose_volume_min``-``dose_volume_max`` [mL], the overage
    (``overage_percent`` [%], at least ``overage_minimum`` [mL]), the whole-tablet
    ``surplus_volume`` [mL], and stocks: ``stock_aliquot_minimum`` [mL], the flask
    ``stock_volumes`` [mL], ``stock_concentration_max`` [mg/mL] (docs/liquids.md)."""

    syringes: tuple[Syringe, ...] = Field(default=DEFAULT_SYRINGES, min_length=1, max_length=12)
    dose_volume_min: Volume = Fraction(1, 5)
    dose_volume_max: Volume = Fraction(20)
    overage_percent: Percent = Fraction(5)
    overage_minimum: Volume = Fraction(5)
    surplus_volume: Volume = Fraction(10)
    stock_aliquot_minimum: Volume = Fraction(1)
    stock_volumes: tuple[Volume, ...] = Field(
        default=(Fraction(10), Fraction(25), Fraction(50), Fraction(100)),
        min_length=1, max_length=12)
    stock_concentration_max: Concentration = Fraction(50)

    @model_validator(mode="after")
    def _ranges(self) -> Liquids:
        if self.dose_volume_min > self.dose_volume_max:
            raise PydanticCustomError("INVALID_RANGE", "dose_volume_min is above "
                                                       "dose_volume_max")
        return self


def _strength_key(value: str) -> str:
    """A kit colour's key: a strength in mg (``"1.5"`` or ``"1.5 mg"``), kept as its number."""
    text = value.strip().removesuffix("mg").strip()
    try:
        number = Fraction(text) if re.fullmatch(r"\d{1,3}(\.\d{1,4})?", text) else None
    except ValueError:
        number = None
    if number is None or number <= 0:
        raise PydanticCustomError("INVALID_VALUE", "a kit colour's key is a strength in mg, "
                                                   "like \"1.5\"")
    return text


class Records(_Section):
    """Rules of the compounding records: may the pharmacist who compounded a batch verify it,
    or one who made or changed the compounder's account in the last
    ``account_change_window_days`` [days]?"""

    allow_self_verification: bool = False
    account_change_window_days: int = Field(default=90, ge=0, le=3650)


class Profile(_Section):
    """The whole profile; ``settings`` is what the calculation reads."""

    pharmacy: Pharmacy = Pharmacy()
    balance: Balance = Balance()
    label: Label = Label()
    calculation: Calculation = Calculation()
    liquids: Liquids = Liquids()
    records: Records = Records()
    pack_stats: dict[CapsuleSizeName, Mass] = Field(default_factory=dict)
    shell_colours: dict[CapsuleSizeName, ShortText] = Field(default_factory=dict)
    """The colour of the pharmacy's capsule shells by size (``"0" = "green"``): data only for
    now, kept with each batch's profile; the documents do not print it yet."""
    balances: tuple[ListedBalance, ...] = Field(default=(), max_length=12)
    """The pharmacy's balances (``[[balances]]``): each weighing takes the most precise whose
    range holds it. None listed: the one ``[balance]``."""
    capsule_machines: tuple[CapsuleMachine, ...] = Field(default=(), max_length=12)
    """The capsule machines (``[[capsule_machines]]``): a batch of a size one takes is filled
    in runs of its plate. None: by hand."""
    kit_colours: dict[Annotated[str, AfterValidator(_strength_key)], ShortText] = Field(
        default_factory=dict, max_length=12)
    """The shell colour of each strength of a titration kit, by strength in mg of the
    hydrochloride (``"1.5" = "white"``, ``"3" = "blue"``, ``"4.5" = "green"``)."""
    formulary: tuple[FormularyEntry, ...] | None = None
    """The pharmacy's master formulation records with their status, as its records database
    keeps them (never read from a profile file: a record is approved by a signature); a kept
    batch's profile holds the one it was made under. ``None``: the built-in records."""

    def with_formulary(self, entries: tuple[FormularyEntry, ...] | None) -> Profile:
        """This profile planning under ``entries`` (a new object, so its settings follow)."""
        return Profile.model_validate({**{name: getattr(self, name)
                                          for name in type(self).model_fields},
                                       "formulary": entries})

    def with_pharmacy(self, pharmacy: Pharmacy) -> Profile:
        """This profile with other pharmacy details (a new object, so its settings follow).
        Built from the sections themselves, not from a dump: a dump writes fractions as text
        (pydantic 2.14), which the quantity types do not read back."""
        return Profile.model_validate({**{name: getattr(self, name)
                                          for name in type(self).model_fields},
                                       "pharmacy": pharmacy})

    def in_zone(self, time_zone: str | None) -> Profile:
        """This profile with the pharmacy's time zone set to ``time_zone`` (a new object;
        ``None`` keeps it)."""
        if time_zone is None:
            return self
        return self.with_pharmacy(Pharmacy.model_validate(
            {**{name: getattr(self.pharmacy, name) for name in Pharmacy.model_fields},
             "time_zone": time_zone}))

    @cached_property
    def settings(self) -> Settings:
        return Settings(
            overage_percent=self.calculation.overage_percent,
            minimum_weighable_quantity=self.balance.minimum_weighable_quantity,
            balance_readability=self.balance.readability,
            balance_capacity=self.balance.capacity,
            capsules_to_weigh=self.calculation.capsules_to_weigh,
            beyond_use_days=self.calculation.beyond_use_days,
            **{name: getattr(self.calculation, name) for name in (
                "compounding_date_window_days", "crushing_loss_percent", "surplus_capsules",
                "surplus_percent",
                "fill_density_min", "fill_density_max", "density_factor_min",
                "density_factor_max")},
            pack_stats=dict(self.pack_stats),
            time_zone=self.pharmacy.time_zone,
            syringes=self.liquids.syringes,
            dose_volume_min=self.liquids.dose_volume_min,
            dose_volume_max=self.liquids.dose_volume_max,
            liquid_overage_percent=self.liquids.overage_percent,
            liquid_overage_minimum=self.liquids.overage_minimum,
            surplus_volume=self.liquids.surplus_volume,
            stock_aliquot_minimum=self.liquids.stock_aliquot_minimum,
            stock_volumes=self.liquids.stock_volumes,
            stock_concentration_max=self.liquids.stock_concentration_max,
            formulary=self.formulary,
            kit_colours=tuple((Fraction(k), v) for k, v in self.kit_colours.items()),
            balances=self.balances,
            capsule_machines=self.capsule_machines,
        )


DEFAULT_PROFILE = Profile()


class ProfileError(OrderError):
    """The profile file is not valid; fields are named ``profile.<section>.<key>``."""


def load_profile(text: str) -> Profile:
    """A profile from TOML text (:class:`ProfileError` naming the key when invalid)."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError([ErrorDetail("INVALID_VALUE", "profile",
                                        f"not valid TOML: {exc}")]) from None
    if "formulary" in data:
        raise ProfileError([ErrorDetail(
            "INVALID_VALUE", "profile.formulary",
            "master formulation records are kept in the records database and approved there "
            "by a pharmacist's signature, not written in a profile file")])
    try:
        return Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(validation_errors(exc, prefix="profile.")) from None
