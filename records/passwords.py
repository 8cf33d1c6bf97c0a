"""Passwords: what may be chosen, and how many may be hashed at once.

The policy (security.md, "People and roles"; NIST SP 800-63B §5.1.1.2): at least
:data:`MIN_PASSWORD` characters, at most 256, not a common password, and hard to guess by
zxcvbn's estimate (a score of at least :data:`MIN_SCORE` of 4) with the username, the person's
name, the pharmacy's name and the words of this trade given to it as things a guesser would try
first: "naltrexone12" and "compounding1" are refused though long enough.

Each sign-in or signature costs one argon2id hash (about 64 MiB and 0.1-0.2 s at the library's
default cost, on every core). :class:`HashingPool` lets at most a few run at once for each
purpose, so that a flood of sign-ins waits for its own slots instead of taking the server's
memory and threads from people reading and signing; beyond a short wait it refuses
(:class:`Busy`, HTTP 503 with ``Retry-After``). An answer that needs no hash (an unknown name, a
name held back after failures) waits as long as a hash takes instead (:meth:`HashingPool.pad`),
so that its time tells nothing and costs no processor time.
"""

from __future__ import annotations

import random
import threading
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from compounding.errors import ErrorDetail, OrderError

MIN_PASSWORD = 12
MIN_SCORE = 3
DOMAIN_WORDS = ("naltrexone", "ldn", "revia", "compounding", "compound", "pharmacy",
                "pharmacist", "technician", "capsule", "capsules", "prescription", "dispense",
                "workbench", "cellulose", "avicel", "tablet", "lowdose", "admin", "password")
"""Words a guesser at a compounding pharmacy tries first."""
SLOTS = {"sign_in": 2, "signature": 1}
"""Hashes that may run at once, per purpose: sign-ins cannot take a signature's slot."""
WAIT_S = 2.0
"""How long a sign-in may wait for a free slot before it is refused [s]."""
RETRY_AFTER_S = 2


def username_key(text: str) -> str:
    """A username as compared: NFKC, case-folded, trimmed."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, username: str = "", *, name: str = "",
                     pharmacy: str = "") -> str | None:
    """Why ``password`` may not be used, in words; ``None`` when it may."""
    from zxcvbn import zxcvbn

    if len(password) < MIN_PASSWORD:
        return f"a password has at least {MIN_PASSWORD} characters"
    if len(password) > 256:
        return "a password has at most 256 characters"
    folded = password.casefold()
    stem = folded.rstrip("0123456789!@#$%^&*?.-_ ")
    if folded in _common() or (len(stem) >= 4 and stem in _common()):
        return "this password is one of the most common ones; choose another"
    if len(set(folded)) <= 2:
        return "a password of one or two repeated characters is too easy to guess"
    if username and username_key(username) in folded:
        return "a password may not contain the username"
    hints = [*DOMAIN_WORDS, *(w for w in (username, *name.split(), *pharmacy.split())
                              if len(w) >= 3)]
    estimate = zxcvbn(password[:72], user_inputs=[h.casefold() for h in hints])
    if estimate["score"] < MIN_SCORE:
        advice = estimate["feedback"]["warning"] or "it is made of guessable words or sequences"
        return (f"this password is too easy to guess ({advice.rstrip('.').lower()}); "
                "a few unrelated words make a strong one")
    return None


class Busy(OrderError):
    """Too many passwords are being checked at once: 503 with ``Retry-After``."""

    status = 503

    def __init__(self) -> None:
        super().__init__([ErrorDetail(
            "UNAVAILABLE", "service", "too many sign-ins are being checked at once; try again "
            f"in {RETRY_AFTER_S} s")])


class HashingPool:
    """At most :data:`SLOTS` password hashes at once for each purpose, and the time one takes
    (a moving average), for answers that must take as long without hashing."""

    def __init__(self, slots: dict[str, int] | None = None, wait_s: float = WAIT_S) -> None:
        self._slots = {purpose: threading.BoundedSemaphore(n)
                       for purpose, n in (slots or SLOTS).items()}
        self.wait_s = wait_s
        self.typical_s = 0.0
        self._lock = threading.Lock()

    def observed(self, seconds: float) -> None:
        """A password hash took ``seconds`` [s]: the typical time moves a fifth of the way."""
        with self._lock:
            self.typical_s = seconds if not self.typical_s else (
                0.8 * self.typical_s + 0.2 * seconds)

    def pad(self) -> None:
        """Wait as long as a password hash takes (±15 %), using no processor time."""
        time.sleep(self.typical_s * random.uniform(0.85, 1.15))

    @contextmanager
    def slot(self, purpose: str) -> Iterator[None]:
        """Hold a slot of ``purpose`` while hashing; :class:`Busy` if none frees in time."""
        gate = self._slots[purpose]
        if not gate.acquire(timeout=self.wait_s):
            raise Busy()
        try:
            yield
        finally:
            gate.release()
