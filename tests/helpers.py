"""Test helpers: building orders, and the one check of the API v1 error shape."""

from __future__ import annotations

import copy
import re
from typing import Any

from compounding.screening.rules import BY_CODE

BASE_ORDER: dict[str, Any] = {
    "strength": "4.5 mg",
    "quantity": 30,
    "overage": {"capsules": 2},
    "capsule": {"size": "3"},
    "source": {"average_tablet_weight": "250 mg"},
    "filler": {"pack_stat": "130 mg"},
}
"""Compounded on the pharmacy's today: 2026-11-22 in-process (the clock the tests set,
``tests/days.py``), the real day for a served workbench."""

_PART = r'(\[\d+\]|\["(?:[^"\\]|\\.)*"\])'
FIELD_PATH = re.compile(
    rf"^(order|{_PART}+|[A-Za-z_]\w*({_PART}|\.[A-Za-z_]\w*)*)$")


def make_order(**changes: Any) -> dict[str, Any]:
    """The domain.md worked-example order, with ``changes`` merged into it (one level deep).

    A value of ``None`` removes the key.
    """
    order = copy.deepcopy(BASE_ORDER)
    for key, value in changes.items():
        if value is None:
            order.pop(key, None)
        elif isinstance(value, dict) and isinstance(order.get(key), dict):
            merged = {**order[key], **value}
            order[key] = {k: v for k, v in merged.items() if v is not None}
        else:
            order[key] = value
    return order


def assert_error_body(body: Any, status: int) -> list[dict[str, str]]:
    """Check one API v1 error body; returns its errors."""
    assert isinstance(body, dict)
    assert set(body) == {"ok", "status", "errors"}, body
    assert body["ok"] is False and body["status"] == status
    errors = body["errors"]
    assert isinstance(errors, list) and errors
    for error in errors:
        assert set(error) == {"code", "field", "message"}, error
        assert error["code"] in BY_CODE, error
        assert BY_CODE[error["code"]].kind == "error", error
        assert FIELD_PATH.match(error["field"]), error
        assert isinstance(error["message"], str) and error["message"].strip()
        assert "Traceback" not in error["message"]
    return errors


def codes(errors: list[dict[str, str]]) -> set[tuple[str, str]]:
    return {(e["code"], e["field"]) for e in errors}


LOTS_USED = {"source_lot": "N456", "source_expiry": "2028-01", "filler_lot": "M789",
             "filler_expiry": "2028-06-30", "capsule_lot": "C321", "capsule_expiry": "2029-01"}
"""The lot and expiry of every component used at the bench (domain.md §12 requires them); none
expires before 2026-11-22 + 180 days, so the BUD stays 2027-05-21."""
