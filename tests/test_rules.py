"""The rule catalogue: every code documented in docs/rules.md, which the README links, and applied
somewhere in the code."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from compounding.screening.rules import RULES

ROOT = Path(__file__).resolve().parent.parent
RULES_PAGE = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
SOURCES = [p for folder in ("compounding", "web", "records") for p in (ROOT / folder).rglob("*.py")]
CODE = "\n".join(p.read_text(encoding="utf-8") for p in SOURCES if p.name != "rules.py")


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_documented_and_used(rule):
    assert re.search(rf"`{rule.code}`", RULES_PAGE), f"docs/rules.md does not list {rule.code}"
    assert f'"{rule.code}"' in CODE or rule.code in ("FIELD_REQUIRED", "FIELD_UNKNOWN",
                                                     "INVALID_VALUE"), rule.code
    assert rule.source and rule.summary
    assert (rule.kind == "finding") == (rule.severity is not None)


def generator():
    """docs/generate.py, which writes the table into docs/rules.md."""
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docs_table_is_current():
    table = generator().rules_table()
    assert f"{table}\n<!-- /rules -->" in RULES_PAGE, \
        "regenerate the table: python docs/generate.py (see the comment above it in docs/rules.md)"
    assert "\n<!-- rules: generated" in RULES_PAGE


def test_docs_table_is_the_catalogue_with_its_sources_linked():
    """Each row is markdown_table()'s, word for word but for the source column, where only a
    reference to the project's internal specification becomes a link to a page of docs/."""
    from compounding.screening.rules import markdown_table

    ours = generator().rules_table().split("\n")
    theirs = markdown_table().split("\n")
    assert len(ours) == len(theirs)
    for mine, original in zip(ours, theirs, strict=True):
        assert mine.rsplit(" | ", 1)[0] == original.rsplit(" | ", 1)[0]
    for rule in RULES:  # external sources (USP, CFR, articles) are kept as they are
        kept = [part.strip() for part in rule.source.split(";")
                if ".md" not in part and not part.strip().startswith("API v1")]
        row = next(line for line in ours if line.startswith(f"| `{rule.code}` |"))
        for part in kept:
            assert part in row, (rule.code, part)


def test_a_source_naming_an_unknown_section_is_refused():
    generate = generator()
    with pytest.raises(generate.UnknownSource):
        generate.source_links("| `X` | error | — | meaning | domain.md §99 |")
    with pytest.raises(generate.UnknownSource):
        generate.source_links("| `X` | error | — | meaning | security.md: somewhere else |")
    assert generate.source_links("| `X` | error | — | meaning | USP <795> (2023); domain.md §9 |") \
        == ("| `X` | error | — | meaning | USP <795> (2023); "
            "[methods and trituration](calculation.md#methods-and-trituration) |")


def test_readme_links_the_catalogue():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "(docs/rules.md)" in readme


def test_codes_unique():
    assert len({r.code for r in RULES}) == len(RULES)
