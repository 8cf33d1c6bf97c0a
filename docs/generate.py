"""Writes the generated tables of docs/ from the code: ``python docs/generate.py``.

- docs/rules.md, between ``<!-- rules: generated`` and ``<!-- /rules -->``: the rule
  catalogue, ``compounding.screening.rules.markdown_table()``, with each source that names a
  section of the project's internal specification turned into a link to the page of docs/
  that says the same thing;
- docs/deployment.md, between ``<!-- settings: generated`` and ``<!-- /settings -->``: the
  service settings, ``compounding.service_settings.markdown_table()``, as it is.

``python docs/generate.py --check`` changes nothing and exits 1 when a table is out of date
(tests/test_rules.py and tests/test_service_settings.py check the same).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent

# A source such as "domain.md §9" or "security.md: signatures" names a section of a
# specification the users do not have; the docs page that says the same takes its place.
SPEC_SECTIONS = {
    "2": ("the symbols", "calculation.md#symbols"),
    "3": ("the batch calculation", "calculation.md#the-batch-calculation"),
    "4": ("errors and findings", "rules.md#errors-and-findings"),
    "6": ("a batch's steps", "batch-records.md#a-batchs-steps"),
    "9": ("methods and trituration", "calculation.md#methods-and-trituration"),
    "10": ("directions", "calculation.md#directions-daily-dose-and-supply"),
    "11": ("acknowledgements", "rules.md#acknowledging-a-critical-finding"),
    "12": ("bench results", "batch-records.md#bench-results-checked-against-the-plan"),
    "13": ("documents", "documents.md"),
    "14": ("medications, conditions and allergies",
           "rules.md#medications-conditions-and-allergies"),
    "15": ("master formulation records", "formulary.md#master-formulation-records"),
    "16": ("naltrexone HCl powder", "formulary.md#naltrexone-hcl-powder-as-a-source"),
    "17": ("oral liquids", "liquids.md#oral-liquids"),
    "18": ("the dosing schedule label", "documents.md#patient-label"),
    "19": ("balances and capsule machines", "equipment.md#balances-and-capsule-machines"),
    "21": ("the weight check", "batch-records.md#the-weight-check"),
}
SECURITY_TOPICS = {
    "": ("service settings", "deployment.md#service-settings"),
    "the input boundary": ("the input boundary", "security-model.md#the-input-boundary"),
    "people and roles": ("people and roles", "security-model.md#people-and-roles"),
    "signatures": ("signatures", "security-model.md#signatures"),
    "every action has an authenticated author": ("authors", "security-model.md#authors"),
    "tamper evidence": ("tamper evidence", "security-model.md#tamper-evidence"),
    "the audit trail": ("the audit trail", "security-model.md#the-audit-trail"),
    "the audit trail (import)": ("import", "security-model.md#import"),
}
API_VERSIONS = {
    "API v1: command line": ("API v1: command line", "api.md#command-line"),
    "API v1.1": ("API v1.1", "api.md"),
    "API v1": ("API v1", "api.md"),
}

_DOMAIN = re.compile(r"domain\.md (§\d+(?:(?:, | and )§\d+)*)")
_SECURITY = re.compile(r"security\.md(?:: ([^;|]+?))?(?=\s*(?:;|\|))")
_API = re.compile(r"(?<![\[\w])API v1(?:\.1|: command line)?(?![\w.])")


class UnknownSource(ValueError):
    """A rule's source names a section of the specification that no docs page stands for."""


def _link(text: str, target: str) -> str:
    return f"[{text}]({target})"


def _domain(match: re.Match[str]) -> str:
    links = []
    for number in re.findall(r"§(\d+)", match.group(1)):
        if number not in SPEC_SECTIONS:
            raise UnknownSource(f"{match.group(0)}: add §{number} to SPEC_SECTIONS in "
                                f"docs/generate.py")
        links.append(_link(*SPEC_SECTIONS[number]))
    return "; ".join(links)


def _security(match: re.Match[str]) -> str:
    topic = (match.group(1) or "").strip()
    if topic not in SECURITY_TOPICS:
        raise UnknownSource(f"{match.group(0)}: add {topic!r} to SECURITY_TOPICS in "
                            f"docs/generate.py")
    return _link(*SECURITY_TOPICS[topic])


def source_links(row: str) -> str:
    """One row of the rule catalogue with its source column's references to the internal
    specification replaced by links to docs/; external sources stay as they are."""
    cells = row.split(" | ")
    source = cells[-1].removesuffix(" |")
    source = _DOMAIN.sub(_domain, source + " |")
    source = _SECURITY.sub(_security, source)
    source = _API.sub(lambda m: _link(*API_VERSIONS[m.group(0)]), source)
    return " | ".join([*cells[:-1], source])


def rules_table() -> str:
    """The rule catalogue as docs/rules.md prints it."""
    from compounding.screening.rules import markdown_table

    header, rule, *rows = markdown_table().split("\n")
    return "\n".join([header, rule, *(source_links(row) for row in rows)])


def settings_table() -> str:
    """The service settings as docs/deployment.md prints it."""
    from compounding.service_settings import markdown_table

    return markdown_table()


SECTIONS = {
    "rules.md": ("rules", rules_table),
    "deployment.md": ("settings", settings_table),
}


def replace_section(text: str, name: str, table: str) -> str:
    """``text`` with the lines between its ``<!-- NAME: generated ...-->`` line and its
    ``<!-- /NAME -->`` line replaced by ``table``."""
    pattern = re.compile(rf"(^<!-- {name}: generated[^\n]*\n).*?(^<!-- /{name} -->$)",
                         re.MULTILINE | re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"no <!-- {name}: generated ... --> ... <!-- /{name} --> section")
    return pattern.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text, count=1)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for page, (name, make) in SECTIONS.items():
        path = DOCS / page
        text = path.read_text(encoding="utf-8")
        new = replace_section(text, name, make())
        if new != text:
            stale.append(page)
            if not check:
                path.write_text(new, encoding="utf-8")
    for page in stale:
        print(f"docs/{page}: {'out of date' if check else 'rewritten'}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.path.insert(0, str(DOCS.parent))
    sys.exit(main(sys.argv[1:]))
