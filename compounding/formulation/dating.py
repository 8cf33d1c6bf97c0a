"""Beyond-use date (USP <795>, revision official 1 Nov 2023).

The master formulation record gives the days: capsules are a non-aqueous form (Table 4: 180
days), an oral liquid its Table 4 category or its stability study. The BUD is never later than
the earliest expiry of any component (tablet or powder lot, filler, shell, every ingredient of a
liquid).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from compounding.screening.review import Review

USP_795 = "USP <795> non-aqueous"


@dataclass(frozen=True, slots=True)
class Component:
    """A component whose expiry caps the BUD; ``field`` is where the order gives the expiry."""

    label: str
    field: str
    expiry: date | None


def beyond_use(review: Review, compounded_on: date, days: int,
               components: list[Component], *, basis: str = USP_795) -> tuple[date, str]:
    """The beyond-use date and its one-line rationale; ``basis`` names what gives ``days``
    [days] (the master formulation record's USP <795> category or stability study).

    A component expiring on or before the compounding date is an error (``COMPONENT_EXPIRED``).
    """
    default = compounded_on + timedelta(days=days)
    known = [(c, c.expiry) for c in components if c.expiry is not None]
    for c, expiry in known:
        if expiry <= compounded_on:
            review.error("COMPONENT_EXPIRED", c.field,
                         f"{c.label} expired on {expiry.isoformat()}, on or before the "
                         f"compounding date {compounded_on.isoformat()}")
    missing = [c.label for c in components if c.expiry is None]
    unknown = f"; no expiry given for {', '.join(missing)}" if missing else ""
    first = min(known, key=lambda pair: pair[1], default=None)
    if first is None or first[1] >= default:
        rationale = f"compounding date + {days} days ({basis}); no component expires sooner"
        return default, rationale + unknown
    earliest, expiry = first
    cap = USP_795 if basis == USP_795 else f"{basis}; USP <795>"
    rationale = (f"{earliest.label} expires {expiry.isoformat()}, before compounding "
                 f"date + {days} days ({cap}: not later than any component's expiry)")
    review.finding("BUD_LIMITED_BY_COMPONENT", earliest.field,
                   f"The beyond-use date is {expiry.isoformat()}, set by the "
                   f"{earliest.label} expiry rather than compounding date + {days} days.")
    return expiry, rationale + unknown
