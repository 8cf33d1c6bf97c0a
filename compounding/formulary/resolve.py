"""The formulary: every version of every master formulation record, with its status, and the
choice of the one an order is made under.

A batch follows the current MFR (USP <795> 2023): for each id that is its latest version that
is ``approved`` (signed by a pharmacist) or ``built_in`` (a seed, when there is no database).
Drafts are not made, and a version replaced by a later approved one is superseded: named
explicitly (``ID@2``) it is refused, not made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator

from compounding.errors import ErrorDetail, OrderError

from .model import MasterFormulationRecord, content_digest
from .seeds import seeded

MfrStatus = Literal["draft", "approved", "superseded", "built_in"]
USABLE: frozenset[str] = frozenset({"approved", "built_in"})
"""The statuses a batch may be made under."""
DEFAULT_CONCENTRATION = Decimal(1)
"""An oral liquid's concentration when neither the order's concentration nor its dose picks a
band [mg/mL]."""
_REF = re.compile(r"([A-Z0-9][A-Z0-9-]{1,39})(?:@([0-9]{1,9}))?")


class Approval(BaseModel):
    """A pharmacist's signature on one version: who, their licence, when, and what it means."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: int
    name: str
    licence: str | None = None
    at: datetime
    meaning: str


class FormularyEntry(BaseModel):
    """One version of one MFR in a formulary: its status, its approval (an approved version
    has one; a superseded one keeps it, if its store does; a draft or built-in one has none),
    its digest, which must be the record's (a record changed after its digest was taken is
    refused), and ``revision``, the store's count of saves of this version, when it has one."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mfr: MasterFormulationRecord
    status: MfrStatus
    approval: Approval | None = None
    digest: str
    revision: int | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.digest != content_digest(self.mfr):
            raise ValueError(f"{self.mfr.id}@{self.mfr.version}: the digest is not the "
                             f"record's")
        if self.status == "approved" and self.approval is None:
            raise ValueError("an approved version carries its approval")
        if self.status in ("draft", "built_in") and self.approval is not None:
            raise ValueError(f"a {self.status} version has no approval")
        return self

    @classmethod
    def of(cls, mfr: MasterFormulationRecord, status: MfrStatus = "draft",
           approval: Approval | None = None) -> FormularyEntry:
        """The entry of ``mfr`` with its digest computed."""
        return cls(mfr=mfr, status=status, approval=approval, digest=content_digest(mfr))

    @property
    def ref(self) -> str:
        """``ID@version``."""
        return f"{self.mfr.id}@{self.mfr.version}"


def parse_ref(ref: str) -> tuple[str, int | None]:
    """An MFR reference ``ID`` or ``ID@version`` as (id, version or None); ids are read in
    capitals. ``OrderError`` ``MFR_REQUIRED`` on ``mfr`` when it is neither.

    >>> parse_ref("ldn-caps-tab-mcc@2")
    ('LDN-CAPS-TAB-MCC', 2)
    >>> parse_ref("LDN-LIQ-1")
    ('LDN-LIQ-1', None)
    """
    match = _REF.fullmatch(ref.strip().upper()) if len(ref) <= 60 else None
    if match is None or (match[2] is not None and int(match[2]) < 1):
        raise _required("mfr", f"“{ref[:60]}” is not an MFR reference: write its id, or "
                               f"id@version (LDN-CAPS-TAB-MCC@1)")
    return match[1], int(match[2]) if match[2] is not None else None


def _required(field: str, message: str) -> OrderError:
    return OrderError([ErrorDetail("MFR_REQUIRED", field, message)])


_FORMS = {"capsules": "capsules", "oral_liquid": "an oral liquid"}
_SOURCES = {"tablets": "tablets", "api_powder": "naltrexone HCl powder"}


_BUILT_IN: dict[int, Formulary] = {}
"""The built-in formulary, read once (the seeds are package data and never change)."""


class Formulary:
    """Every version of every MFR a pharmacy keeps; :meth:`resolve` picks the one to use."""

    def __init__(self, entries: Iterable[FormularyEntry]) -> None:
        self._entries = sorted(entries, key=lambda e: (e.mfr.id, e.mfr.version))
        refs = [e.ref for e in self._entries]
        twice = sorted({r for r in refs if refs.count(r) > 1})
        if twice:
            raise ValueError(f"a version is in the formulary twice: {', '.join(twice)}")

    @classmethod
    def built_in(cls) -> Formulary:
        """The seeds, each ``built_in``: the formulary without a database."""
        return _BUILT_IN[0] if _BUILT_IN else _BUILT_IN.setdefault(
            0, cls(FormularyEntry.of(mfr, "built_in") for mfr in seeded()))

    def entries(self) -> list[FormularyEntry]:
        """Every entry, by id, then version."""
        return list(self._entries)

    def versions(self, mfr_id: str) -> list[FormularyEntry]:
        """Every version of ``mfr_id``, oldest first (none when the id is unknown)."""
        return [e for e in self._entries if e.mfr.id == mfr_id]

    def current(self, mfr_id: str) -> FormularyEntry | None:
        """The version of ``mfr_id`` a batch is made under: its latest approved or built-in
        version, or None."""
        usable = [e for e in self.versions(mfr_id) if e.status in USABLE]
        return usable[-1] if usable else None

    def resolve(self, ref: str | None, form: str, source_kind: str, *,
                strength_mg: Decimal | Fraction | int | str | None = None,
                concentration: Decimal | Fraction | int | str | None = None,
                ) -> FormularyEntry:
        """The entry an order of ``form`` from ``source_kind`` is made under.

        ``ref`` None: the current default for the form and source kind; for an oral liquid,
        the one of the order's ``concentration`` [mg/mL] or, without one, of the band the dose
        ``strength_mg`` [mg] falls in (each liquid's band starts at its strength range's
        minimum). ``ref`` ``"ID"``: the current version of ID; ``"ID@3"``: version 3, which
        must be the current one. The dose is not refused for lying outside a record's
        strength range: the dose rules judge it (:meth:`MasterFormulationRecord.covers`).

        Nothing usable: ``OrderError`` ``MFR_REQUIRED`` naming ``form``, ``source`` or
        ``concentration`` (no default for them) or ``mfr`` (the named record is unknown, not
        approved, superseded, or not for this form, source or concentration).
        """
        wanted = None if concentration is None else Fraction(concentration)
        if ref is not None:
            entry = self._named(ref)
            self._matches(entry, form, source_kind, wanted)
            return entry
        currents = [c for e in self._entries if (c := self.current(e.mfr.id)) is e]
        of_form = [e for e in currents if e.mfr.form == form]
        if not of_form:
            raise _required("form", f"No approved master formulation record makes "
                                    f"{_FORMS.get(form, form)}: a pharmacist approves one "
                                    f"in the formulary first.")
        made = [e for e in of_form if e.mfr.source_kind == source_kind]
        defaults = [e for e in made if e.mfr.default]
        if not made:
            raise _required("source", f"No approved master formulation record makes "
                                      f"{_FORMS.get(form, form)} from "
                                      f"{_SOURCES.get(source_kind, source_kind)}: a "
                                      f"pharmacist approves one in the formulary first.")
        if not defaults:
            raise _required("source", f"None of {', '.join(e.mfr.id for e in made)} is the "
                                      f"default for {_FORMS.get(form, form)} from "
                                      f"{_SOURCES.get(source_kind, source_kind)}: name one "
                                      f"in mfr.")
        if form == "oral_liquid":
            defaults = _band(defaults, wanted, strength_mg)
        if len(defaults) > 1:
            raise _required("mfr", f"{' and '.join(e.ref for e in defaults)} are each the "
                                   f"default for this order: name one in mfr.")
        return defaults[0]

    def _named(self, ref: str) -> FormularyEntry:
        mfr_id, version = parse_ref(ref)
        versions = self.versions(mfr_id)
        if not versions:
            raise _required("mfr", f"There is no master formulation record {mfr_id}.")
        current = self.current(mfr_id)
        if version is None:
            if current is None:
                raise _required("mfr", f"{mfr_id} has no approved version yet: a "
                                       f"pharmacist approves it first.")
            return current
        entry = next((e for e in versions if e.mfr.version == version), None)
        if entry is None:
            raise _required("mfr", f"{mfr_id} has no version {version} (versions: "
                                   f"{', '.join(str(e.mfr.version) for e in versions)}).")
        if entry.status == "draft":
            raise _required("mfr", f"{entry.ref} is a draft: a pharmacist approves it "
                                   f"before a batch is made under it.")
        if entry is not current:
            later = f"; the current version is {current.ref}" if current else ""
            raise _required("mfr", f"{entry.ref} is superseded{later}: a batch follows the "
                                   f"current master formulation record.")
        return entry

    @staticmethod
    def _matches(entry: FormularyEntry, form: str, source_kind: str,
                 concentration: Fraction | None) -> None:
        mfr = entry.mfr
        if mfr.form != form:
            raise _required("mfr", f"{entry.ref} makes {_FORMS[mfr.form]}, not "
                                   f"{_FORMS.get(form, form)}.")
        if mfr.source_kind != source_kind:
            raise _required("mfr", f"{entry.ref} starts from {_SOURCES[mfr.source_kind]}, not "
                                   f"from {_SOURCES.get(source_kind, source_kind)}.")
        if (concentration is not None and mfr.concentration is not None
                and Fraction(mfr.concentration) != concentration):
            raise _required("mfr", f"{entry.ref} is {mfr.concentration} mg/mL, not "
                                   f"{_number(concentration)} mg/mL.")


def _band(defaults: list[FormularyEntry], concentration: Fraction | None,
          strength_mg: Decimal | Fraction | int | str | None) -> list[FormularyEntry]:
    """The default liquids for the order's concentration, else for the band of its dose."""
    def strength(e: FormularyEntry) -> Fraction:  # its concentration [mg/mL]
        return Fraction(e.mfr.concentration or 0)

    if concentration is None and strength_mg is None:
        usual = [e for e in defaults if strength(e) == Fraction(DEFAULT_CONCENTRATION)]
        return usual or defaults
    if concentration is not None:
        found = [e for e in defaults if strength(e) == concentration]
        if not found:
            made = ", ".join(f"{e.mfr.concentration} mg/mL" for e in defaults)
            raise _required("concentration", f"No approved default oral liquid is "
                                             f"{_number(concentration)} mg/mL (defaults: "
                                             f"{made}); name an MFR in mfr.")
        return found
    dose = Fraction(strength_mg or 0)
    starts = sorted({Fraction(e.mfr.strength_range.minimum) for e in defaults})
    start = max((s for s in starts if s <= dose), default=starts[0])
    return [e for e in defaults if Fraction(e.mfr.strength_range.minimum) == start]


def _number(value: Fraction) -> str:
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f")
