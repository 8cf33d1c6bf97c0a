"""The pharmacy's clock: "today" and the day a moment falls on, in the pharmacy's time zone.

One IANA time zone (the pharmacy profile's, ``pharmacy.time_zone``) decides the compounding
date an order defaults to, the day of a lot number, the beyond-use date and every expiry check
(security.md, "The input boundary"), so the same moment is judged the same way whatever the
server's own time zone. A moment stated without an offset is read as the pharmacy's local time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@cache
def zone(name: str) -> ZoneInfo:
    """The time zone ``name`` (an IANA name such as ``America/Chicago``); ``ValueError`` if
    there is none of that name."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        raise ValueError(f"“{name[:64]}” is not an IANA time zone name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"“{name}” is not an IANA time zone name, like America/Chicago") \
            from None


def now() -> datetime:
    """The present moment, with its offset (UTC)."""
    return datetime.now(UTC)


def today(zone_name: str, moment: datetime | None = None) -> date:
    """The pharmacy's date at ``moment`` (default: now).

    >>> today("America/Chicago", datetime(2026, 11, 23, 3, 30, tzinfo=UTC))
    datetime.date(2026, 11, 22)
    >>> today("Pacific/Auckland", datetime(2026, 11, 23, 3, 30, tzinfo=UTC))
    datetime.date(2026, 11, 23)
    """
    return day_of(moment or now(), zone_name)


def day_of(moment: datetime, zone_name: str) -> date:
    """The pharmacy's date of ``moment``; a moment without an offset is pharmacy local time.

    >>> day_of(datetime(2026, 11, 22, 23, 30), "America/Chicago")
    datetime.date(2026, 11, 22)
    >>> day_of(datetime(2026, 11, 22, 23, 30, tzinfo=UTC), "America/Chicago")
    datetime.date(2026, 11, 22)
    >>> day_of(datetime(2026, 11, 23, 5, 30, tzinfo=UTC), "America/Chicago")
    datetime.date(2026, 11, 22)
    """
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(zone(zone_name)).date()
