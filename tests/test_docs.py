"""The README and docs/: written for the project's users, standing alone, starting with the
two commands a newcomer runs (tracker issue 23)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [README, *DOCS]
NAMES = [p.relative_to(ROOT).as_posix() for p in PAGES]

# documents of the project's internal reference, which its users do not have
ELSEWHERE = ("domain.md", "security.md", "api-v1.md", "style.md", "../shared")

_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_LINK = re.compile(r"(?<!\\)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def prose(text: str) -> str:
    """``text`` without its code blocks and code spans, where nothing is a link or heading."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    found = set()
    for heading in _HEADING.findall(_FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(path: Path) -> list[str]:
    return _LINK.findall(prose(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("page", PAGES, ids=NAMES)
def test_no_page_sends_the_reader_to_documents_they_do_not_have(page):
    text = page.read_text(encoding="utf-8")
    for name in ELSEWHERE:
        assert name not in text, f"{page.name} mentions {name}: say what it says instead"


@pytest.mark.parametrize("page", PAGES, ids=NAMES)
def test_every_relative_link_reaches_a_file_and_a_heading_that_exist(page):
    for target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.exists(), f"{page.name}: {target} is not a file of the project"
        assert ROOT in file.parents or file == ROOT, f"{page.name}: {target} leaves the project"
        if anchor:
            assert file.suffix == ".md", f"{page.name}: {target}"
            assert anchor in anchors(file), f"{page.name}: {target}: no such heading"


def test_the_link_checker_sees_links_and_headings():
    assert "docs/rules.md" in links(README)
    assert "symbols" in anchors(ROOT / "docs" / "calculation.md")
    assert slug("A batch's steps") == "a-batchs-steps"
    assert slug("Directions, daily dose and supply") == "directions-daily-dose-and-supply"


START = re.compile(r"\A# [^\n]+\n\n```sh\n([^\n]+)\n```\n\n```sh\n([^\n]+)\n```\n")
"""The title, then the two commands, one line each, before anything else."""


def the_two_commands() -> tuple[str, str]:
    start = START.match(README.read_text(encoding="utf-8"))
    assert start, "README.md starts with its title and the two commands, nothing between"
    return start.group(1), start.group(2)


def test_the_readme_starts_with_the_two_commands():
    serve, tests = the_two_commands()
    for command in (serve, tests):
        assert re.match(r"python3 -m venv (\S+) && \. \1/bin/activate && ", command), \
            "each command makes and uses a virtual environment (Debian's pip refuses otherwise)"
    assert serve.endswith(" && pip install . && compounding serve")
    assert tests.endswith(" && bash tests/install-deps && python -m pytest")


def test_ci_runs_the_readme_test_command_as_written():
    """.ci/run takes the README's second command and runs it: the same text, not a copy."""
    _, tests = the_two_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    extract = re.search(r"command=\$\((awk .*?README\.md)\)", ci).group(1)
    found = subprocess.run(["bash", "-c", extract], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.strip()
    assert found == tests
    assert 'bash -c "$command"' in ci


def test_the_tests_run_in_another_virtual_environment_than_the_service():
    serve, tests = the_two_commands()
    assert serve.split()[3] != tests.split()[3], "the editable install would replace the " \
                                                 "service's workbench under it"


def test_the_readme_is_short_and_indexes_every_docs_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) < 200
    linked = {(ROOT / target.partition("#")[0]).resolve() for target in links(README)}
    for page in DOCS:
        assert page.resolve() in linked, f"the README does not link {page.name}"


def test_the_readme_says_where_the_data_lives_and_how_to_start():
    text = README.read_text(encoding="utf-8")
    for words in ("COMPOUNDING_DATA_DIR", "COMPOUNDING_PORT", "--port",
                  "~/.local/share/compounding-workbench", "/setup/",
                  "compounding plan samples/usual-4.5mg.order.json"):
        assert words in text, words
