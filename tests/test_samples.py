"""samples/: each order with its golden plan (or error body). Rebuild: samples/rebuild."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compounding import OrderError, plan_order
from compounding.profile import load_profile

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
ORDERS = sorted(SAMPLES.glob("*.order.json"))
PROFILE = load_profile((SAMPLES / "pharmacy.toml").read_text(encoding="utf-8"))


def profile_of(stem: str):
    """The profile a sample is made with: ``high-volume.toml`` for ``high-volume-4.5mg``, the
    file named by the stem without its last part when there is one, else pharmacy.toml."""
    own = SAMPLES / f"{stem.rsplit('-', 1)[0]}.toml"
    return load_profile(own.read_text(encoding="utf-8")) if own.exists() else PROFILE


def test_samples_exist():
    names = {p.name.removesuffix(".order.json") for p in ORDERS}
    assert {"usual-4.5mg", "titration-1.5mg", "very-low-0.5mg", "opioid-percocet",
            "rejected-contrave"} <= names


@pytest.mark.parametrize("path", ORDERS, ids=[p.name for p in ORDERS])
def test_sample_matches_golden(path):
    stem = path.name.removesuffix(".order.json")
    order = json.loads(path.read_text(encoding="utf-8"))
    golden_plan, golden_errors = SAMPLES / f"{stem}.plan.json", SAMPLES / f"{stem}.errors.json"
    assert golden_plan.exists() != golden_errors.exists()
    try:
        got = plan_order(order, profile_of(stem).settings).model_dump(mode="json")
        golden = golden_plan
    except OrderError as exc:
        got = exc.to_json()
        golden = golden_errors
    assert got == json.loads(golden.read_text(encoding="utf-8"))
