"""Time helpers: aware datetimes only, periods in a brand's own time zone."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.utils import timezone


@lru_cache(maxsize=1024)
def get_zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name (cached: building one reads a file)."""
    return ZoneInfo(name)


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_timezone(name: str) -> bool:
    if not name or name not in _known_zones():
        return False
    try:
        get_zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def now() -> dt.datetime:
    return timezone.now()


def local_date(tz_name: str, moment: dt.datetime | None = None) -> dt.date:
    """The calendar date at ``moment`` (default: now) in the time zone ``tz_name``."""
    moment = moment or now()
    if timezone.is_naive(moment):
        raise ValueError("local_date() needs an aware datetime")
    return moment.astimezone(get_zone(tz_name)).date()


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    next_month = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return next_month - dt.timedelta(days=1)
