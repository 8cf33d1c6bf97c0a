"""The built-in master formulation records: reviewed drafts, version 1 each, kept as data.

Each record is one TOML file in the package's ``seeds`` folder, named after its id, with its
sources in its ``references`` and its BUD rationale. A pharmacy starts from these: the first
pharmacist approves them (or changes them, as a new version) before they plan a batch under a
database; without one, they are the formulary the library and the command line plan under.

>>> [mfr.id for mfr in seeded()]  # doctest: +NORMALIZE_WHITESPACE
['LDN-CAPS-API-MCC', 'LDN-CAPS-TAB-MCC', 'LDN-CAPS-TAB-MCC-IJPC', 'LDN-LIQ-01', 'LDN-LIQ-1',
 'LDN-LIQ-API-01', 'LDN-LIQ-API-1']
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from importlib.abc import Traversable

from pydantic import ValidationError

from .model import MasterFormulationRecord

SEED_FOLDER = "seeds"
"""The folder, inside this package, that holds one ``<id>.toml`` per built-in record."""


def parse_seed(text: str, name: str = "<seed>") -> MasterFormulationRecord:
    """One record from the text of a seed file; ``ValueError`` naming the file when it is not
    a valid record."""
    try:
        return MasterFormulationRecord.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(f"{name}: not a valid master formulation record: {exc}") from exc


def _files() -> list[Traversable]:
    folder = resources.files(__package__ or "compounding.formulary") / SEED_FOLDER
    return sorted((f for f in folder.iterdir() if f.name.endswith(".toml")),
                  key=lambda f: f.name)


@cache
def seeded() -> tuple[MasterFormulationRecord, ...]:
    """The built-in drafts, sorted by id; each file's name is its record's id, and each is
    version 1."""
    records = []
    for file in _files():
        mfr = parse_seed(file.read_text(encoding="utf-8"), file.name)
        if file.name != f"{mfr.id}.toml" or mfr.version != 1:
            raise ValueError(f"{file.name}: a seed is <id>.toml and version 1, not "
                             f"{mfr.id} version {mfr.version}")
        records.append(mfr)
    if not records:
        raise ValueError("no seeded master formulation records were installed")
    return tuple(sorted(records, key=lambda mfr: mfr.id))
