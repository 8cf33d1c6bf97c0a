"""Python under Debian's faketime (``bash tests/on-day``): the date moves, the pace does not.

``tests/on-day`` runs the suite with ``faketime --exclude-monotonic``, so that only the wall
clock (the date the program sees) moves and the monotonic clock stays the kernel's: with a faked
monotonic clock, libfaketime 0.9.10 hands Python 3.11's lock time-outs (``sem_clockwait``) a
deadline decades away, and every ``Event.wait(timeout)`` hangs. With the monotonic clock left
alone, the same libfaketime turns the absolute deadline of ``time.sleep`` (``clock_nanosleep``
with ``TIMER_ABSTIME``) into a negative time and the kernel answers EINVAL (libfaketime issue
426). This module, found first on ``PYTHONPATH`` by every Python process the suite starts, makes
``time.sleep`` wait with ``select`` on the monotonic clock instead. It is loaded only when
faketime's variables say so; the installed workbench never sees it.
"""

from __future__ import annotations

import os
import select
import time

if (os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1"
        and "faketime" in os.environ.get("LD_PRELOAD", "")):

    def _sleep(seconds: float, _select=select.select, _monotonic=time.monotonic) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        deadline = _monotonic() + seconds
        while (left := deadline - _monotonic()) > 0:
            _select([], [], [], left)

    time.sleep = _sleep
