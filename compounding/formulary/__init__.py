"""The formulary: master formulation records (MFRs) and the choice of the one a batch follows.

A master formulation record is the recipe every batch of one preparation follows (USP <795>,
revision official 1 Nov 2023): ingredients with their roles, grades and amounts, the
container-closure, equipment, numbered steps, quality control, storage, and the beyond-use date
with the source that supports it (a USP <795> Table 4 category or a stability study). Records
are versioned; a pharmacist approves a version, and an approved version never changes.

- :mod:`.model`: the record (:class:`MasterFormulationRecord`) and its parts, and
  :func:`content_digest`, its SHA-256 fingerprint.
- :mod:`.seeds`: the built-in drafts (:func:`seeded`), one TOML file each in ``seeds/``.
- :mod:`.resolve`: :class:`Formulary`, every version with its status, and
  :meth:`Formulary.resolve`, the record an order is made under.
- :mod:`.diff`: :func:`diff`, what changed between two versions.

Pure Python: storing the formulary is the caller's business.
"""

from .diff import Change, diff
from .model import (
    MFR_ID_PATTERN,
    TABLE4_DAYS,
    TABLE4_NAMES,
    Bounds,
    BudRationale,
    Form,
    Ingredient,
    IngredientUnit,
    LiquidKind,
    MasterFormulationRecord,
    QualityControl,
    Role,
    SourceKind,
    StrengthRange,
    Table4Category,
    canonical_json,
    content_digest,
)
from .resolve import (
    DEFAULT_CONCENTRATION,
    USABLE,
    Approval,
    Formulary,
    FormularyEntry,
    MfrStatus,
    parse_ref,
)
from .seeds import parse_seed, seeded

__all__ = [
    "DEFAULT_CONCENTRATION",
    "MFR_ID_PATTERN",
    "TABLE4_DAYS",
    "TABLE4_NAMES",
    "USABLE",
    "Approval",
    "Bounds",
    "BudRationale",
    "Change",
    "Form",
    "Formulary",
    "FormularyEntry",
    "Ingredient",
    "IngredientUnit",
    "LiquidKind",
    "MasterFormulationRecord",
    "MfrStatus",
    "QualityControl",
    "Role",
    "SourceKind",
    "StrengthRange",
    "Table4Category",
    "canonical_json",
    "content_digest",
    "diff",
    "parse_ref",
    "parse_seed",
    "seeded",
]
