"""The rule catalogue: every code documented in README.md and applied somewhere in the code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compounding.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SOURCES = [p for folder in ("compounding", "web", "records") for p in (ROOT / folder).rglob("*.py")]
CODE = "\n".join(p.read_text(encoding="utf-8") for p in SOURCES if p.name != "rules.py")


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_documented_and_used(rule):
    assert re.search(rf"`{rule.code}`", README), f"README.md does not list {rule.code}"
    assert f'"{rule.code}"' in CODE or rule.code in ("FIELD_REQUIRED", "FIELD_UNKNOWN",
                                                     "INVALID_VALUE"), rule.code
    assert rule.source and rule.summary
    assert (rule.kind == "finding") == (rule.severity is not None)


def test_readme_table_is_current():
    from compounding.rules import markdown_table

    assert markdown_table() in README, "regenerate the table: see the comment above it in README.md"


def test_codes_unique():
    assert len({r.code for r in RULES}) == len(RULES)
