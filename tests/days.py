"""Days for tests that talk to a running service, computed from the clock (domain.md §20).

A server started by the tests reads the same clock as the tests (under ``faketime`` too), and
its "today" is the pharmacy's day in the sample profile's time zone: the dates a test types are
counted from that day, never written in.
"""

from __future__ import annotations

import os
import time
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from compounding import clock

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "pharmacy.toml"
ZONE: str = tomllib.loads(SAMPLE.read_text(encoding="utf-8"))["pharmacy"]["time_zone"]


COMPOUNDING_DAY = "2026-11-22T10:00:00-06:00"
"""The moment in-process tests run at: 10:00 in the sample pharmacy's zone (America/Chicago)
on the day their orders are compounded (``compounded_on`` 2026-11-22). Their dates (lot
expiries, BUDs, lot numbers, the compounding date itself, which may be at most 31 days from
today) are written for that day, so the clock is set to it (time-machine; it keeps running from
there) rather than read from the machine: they pass on any day and in any time zone
(domain.md §20)."""


def on_compounding_day() -> Any:
    """A context in which the clock reads :data:`COMPOUNDING_DAY` and runs on from there
    (time-machine)."""
    import time_machine

    return time_machine.travel(COMPOUNDING_DAY, tick=True)


def today() -> date:
    """The pharmacy's day now, in the sample profile's time zone."""
    return clock.today(ZONE)


def in_days(days: int) -> date:
    """The pharmacy's day ``days`` from today (negative: before)."""
    return today() + timedelta(days=days)


def month_in_years(years: int) -> str:
    """An expiry month (``YYYY-MM``) ``years`` from this month."""
    day = today()
    return f"{day.year + years:04d}-{day.month:02d}"


def real_time() -> float:
    """The kernel's own time [s since the epoch]: boot time plus time since boot, read from
    /proc, which faketime does not shift."""
    with open("/proc/stat", encoding="ascii") as stat:
        boot = next(int(line.split()[1]) for line in stat if line.startswith("btime "))
    with open("/proc/uptime", encoding="ascii") as uptime:
        return boot + float(uptime.read().split()[0])


def clock_shifted() -> bool:
    """Whether this process's clock is moved off the kernel's (``bash tests/on-day``)."""
    try:
        return abs(time.time() - real_time()) > 120
    except (OSError, StopIteration, ValueError):  # no /proc: not Linux, and not faketime
        return False


shifted_clock = pytest.mark.skipif(
    clock_shifted(),
    reason="the clock is shifted (tests/on-day): this test talks to what faketime cannot "
           "shift (Caddy, a static Go program; the package index, whose TLS certificates are "
           "dated on the real day), or measures elapsed time, which faketime slows")
"""Marks a test that cannot run on a shifted clock; it still runs in every ordinary run."""


def real_clock_environment() -> dict[str, str]:
    """This process's environment without faketime's variables: for a program that keeps the
    real clock under ``tests/on-day`` (Chromium, which crawls on a faked clock and shows only
    what the server dated)."""
    return {name: value for name, value in os.environ.items()
            if name != "LD_PRELOAD" and not name.startswith("FAKETIME")}
