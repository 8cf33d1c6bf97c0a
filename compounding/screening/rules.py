"""The catalogue of rules: every error and finding code, what it means, and its source.

Rules are data (``compounding/data/rules.toml``: code, kind, severity, meaning, source). The
modules that apply them (``dosing``, ``release``, ``medications``,
``conditions``, ``weighing``, ``dating``, ``batch``) refer to the codes here, and docs/rules.md
lists every one (a test keeps the two in step).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from compounding.screening.findings import Severity

Kind = Literal["error", "finding"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: a stable ``code``; ``kind`` error (no plan) or finding (plan + look)."""

    code: str
    kind: Kind
    severity: Severity | None
    summary: str
    source: str


def _load() -> tuple[Rule, ...]:
    """The catalogue as kept in ``compounding/data/rules.toml``, in its order."""
    text = (resources.files("compounding") / "data" / "rules.toml").read_text("utf-8")
    return tuple(Rule(r["code"], r["kind"], Severity(r["severity"]) if "severity" in r else None,
                      r["summary"], r["source"]) for r in tomllib.loads(text)["rule"])


RULES: tuple[Rule, ...] = _load()
"""Every rule, in the catalogue's order."""

BY_CODE: dict[str, Rule] = {rule.code: rule for rule in RULES}
CRITICAL_CODES: frozenset[str] = frozenset(
    r.code for r in RULES if r.severity is Severity.critical
)


def rule(code: str) -> Rule:
    """The rule with this code (``KeyError`` for a code the catalogue does not have)."""
    return BY_CODE[code]


def markdown_table() -> str:
    """The catalogue as docs/rules.md's Markdown table (``python docs/generate.py``)."""
    lines = ["| code | kind | severity | meaning | source |", "|---|---|---|---|---|"]
    for r in RULES:
        severity = r.severity.value if r.severity else "—"
        lines.append(f"| `{r.code}` | {r.kind} | {severity} | {r.summary} | {r.source} |")
    return "\n".join(lines)
