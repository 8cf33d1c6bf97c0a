"""The code's layout holds: no import circles (counting imports made inside functions and for
type checking only), no module over 400 lines, every package saying what lives in it, the
domain core free of the web and the PDF libraries, and the public API importable from the
package itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"compounding": ROOT / "compounding", "compounding.web": ROOT / "web",
            "compounding.records": ROOT / "records"}
"""Where each installed package's source lives (``pyproject.toml``, ``package-dir``)."""
LONGEST = 400
"""The most lines a module may have [lines]."""


def modules() -> dict[str, Path]:
    """Every module of the project by its dotted name."""
    found: dict[str, Path] = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            if "migrations" in parts and parts[-1] != "__init__":
                continue  # each migration is loaded by name from its folder, never imported
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join((package, *parts))
            if any(name.startswith(other + ".") or name == other
                   for other in PACKAGES if other != package and other.startswith(package)):
                continue
            found[name] = path
    return found


def imported(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules module ``name`` imports, wherever in it the import is."""
    tree = ast.parse(path.read_text("utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def add(target: str) -> None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            found.add(target)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return found


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on.remove(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    names = set(known)
    # a package's __init__ re-exporting its modules is not a circle with them
    return {name: {t for t in imported(name, path, names)
                   if not (path.name == "__init__.py" and t.startswith(name + "."))}
            for name, path in known.items()}


def test_no_module_imports_itself_round_a_circle():
    assert circles(graph()) == []


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_longer_than_400_lines(name):
    lines = modules()[name].read_text("utf-8").count("\n")
    assert lines <= LONGEST, f"{name}: {lines} lines"


def test_every_package_says_what_lives_in_it():
    for name, path in modules().items():
        if path.name == "__init__.py":
            assert ast.get_docstring(ast.parse(path.read_text("utf-8"))), name


def test_the_domain_core_imports_neither_the_web_nor_the_pdf_libraries():
    forbidden = ("flask", "werkzeug", "reportlab", "compounding.web", "compounding.documents",
                 "compounding.records")
    core = [n for n in modules() if n.startswith("compounding") and not n.startswith(
        ("compounding.web", "compounding.records", "compounding.documents", "compounding.cli"))]
    for name in core:
        tree = ast.parse(modules()[name].read_text("utf-8"))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom)
                     and not node.level else [])
            assert not [n for n in names if n.startswith(forbidden)], name


def test_the_public_api_is_importable_from_the_package():
    import compounding

    for public in compounding.__all__:
        assert getattr(compounding, public) is not None, public
    assert compounding.__version__
