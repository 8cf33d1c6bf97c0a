"""What changed between two versions of a master formulation record, field by field.

Each change is a path into the record (``bud.days``, ``ingredients[2].grade``), the value
before and the value after, as plain text: numbers as written (``"0.5"``), yes/no for a flag,
None where there was nothing (an ingredient, step or caution added or removed). The order is
the record's own (its fields as declared, list items by position), so the same two versions
always give the same list. The version numbers themselves are not listed: they head the diff.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from .model import MasterFormulationRecord


class Change(BaseModel):
    """One changed value: where, before, after."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    before: str | None
    after: str | None

    def __str__(self) -> str:
        return f"{self.path}: {self.before or '—'} → {self.after or '—'}"


_ABSENT: Any = object()


def diff(old: MasterFormulationRecord, new: MasterFormulationRecord) -> list[Change]:
    """The changes from ``old`` to ``new``.

    >>> from compounding.formulary.seeds import seeded
    >>> caps = next(m for m in seeded() if m.id == "LDN-CAPS-TAB-MCC")
    >>> later = caps.model_copy(update={"version": 2, "storage": "Keep cool"})
    >>> [str(change) for change in diff(caps, later)]  # doctest: +ELLIPSIS
    ['storage: Controlled room temperature 20-25 °C, ... → Keep cool']
    """
    changes: list[Change] = []
    _compare("", old.model_dump(mode="json", exclude={"version"}),
             new.model_dump(mode="json", exclude={"version"}), changes)
    return changes


def _compare(path: str, before: Any, after: Any, out: list[Change]) -> None:
    """Append to ``out`` the leaves under ``path`` that differ; a part present on one side
    only (a nested record that was None, a list item past the other's end) is compared
    against nothing."""
    if isinstance(before, dict) or isinstance(after, dict):
        old = before if isinstance(before, dict) else {}
        new = after if isinstance(after, dict) else {}
        for key in [*old, *(k for k in new if k not in old)]:
            _compare(f"{path}.{key}" if path else key, old.get(key, _ABSENT),
                     new.get(key, _ABSENT), out)
    elif isinstance(before, list) or isinstance(after, list):
        old_items = before if isinstance(before, list) else []
        new_items = after if isinstance(after, list) else []
        for index in range(max(len(old_items), len(new_items))):
            _compare(f"{path}[{index}]",
                     old_items[index] if index < len(old_items) else _ABSENT,
                     new_items[index] if index < len(new_items) else _ABSENT, out)
    elif (first := _plain(before)) != (second := _plain(after)):
        out.append(Change(path=path, before=first, after=second))


def _plain(value: Any) -> str | None:
    if value is None or value is _ABSENT:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
