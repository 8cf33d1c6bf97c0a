"""Shared timing helpers for the benchmark scripts."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence


def percentile(samples: Sequence[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def time_calls(function: Callable[[], object], runs: int, warmup: int = 50) -> list[float]:
    """Wall time of each call [s]."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return samples


def time_process(argv: Sequence[str], runs: int) -> list[float]:
    """Wall time of a whole process, start to exit [s]."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return samples


def report(name: str, samples: Sequence[float], unit: str = "ms") -> float:
    scale = {"ms": 1e3, "us": 1e6, "s": 1}[unit]
    median = statistics.median(samples)
    print(f"{name:<48} median {median * scale:9.3f} {unit}   p95 "
          f"{percentile(samples, 95) * scale:9.3f} {unit}   (n={len(samples)})")
    return median


def verdict(label: str, ok: bool, detail: str) -> bool:
    print(f"  {'PASS' if ok else 'FAIL'}  {label}: {detail}")
    return ok


PYTHON = sys.executable
