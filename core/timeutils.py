"""Time helpers: aware datetimes only, periods in a brand's own time zone, and the strict
parsers of the time values clients send (time-zone names, dates, ``HH:MM``)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

# Not time zones of a place: the tz database's placeholder zone.
_EXCLUDED_ZONES = frozenset({"Factory"})
_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
HHMM_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


@lru_cache(maxsize=1024)
def get_zone(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name (cached: building one reads a file)."""
    return ZoneInfo(name)


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    """Every time-zone name of the IANA tz database the project ships (the pinned ``tzdata``
    package): its zones and their links (``Europe/Amsterdam``, ``UTC``), without ``Factory``.

    Read from the database's own source (``tzdata.zi``), not from the host's
    ``/usr/share/zoneinfo``: host files such as ``localtime`` (the host's clock),
    ``posixrules`` or ``right/...`` are not names of the database and differ per machine.
    """
    source = resources.files("tzdata").joinpath("zoneinfo", "tzdata.zi").read_text(encoding="utf-8")
    names: set[str] = set()
    for line in source.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "Z":  # Z <name> ...
            names.add(rest.split()[0])
        elif kind == "L":  # L <target> <name>
            names.add(rest.split()[1])
    return frozenset(names - _EXCLUDED_ZONES)


def is_valid_timezone(name: object) -> bool:
    if not isinstance(name, str) or name not in timezone_names():
        return False
    try:
        get_zone(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def parse_hhmm(value: object) -> dt.time:
    """A wall-clock time sent as exactly ``HH:MM`` (00-23, 00-59); ``ValueError`` otherwise
    (``9:00``, ``09:00:00``, ``24:00``, ``0900``, non-ASCII digits, non-strings)."""
    if isinstance(value, dt.time):
        if value.second or value.microsecond or value.tzinfo is not None:
            raise ValueError("Use whole minutes (HH:MM) without a time zone.")
        return value
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("Enter a time as HH:MM (hours 00-23).")
    return dt.time(int(match.group(1)), int(match.group(2)))


def parse_date(value: object) -> dt.date:
    """A calendar date sent as exactly ``YYYY-MM-DD``; ``ValueError`` otherwise (no
    ``20261118``, no week dates, no time part, no non-ASCII digits)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ValueError("Enter a date as YYYY-MM-DD.")
    return dt.date.fromisoformat(value)


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


def db_date(value: object) -> dt.date:
    """A date column's value as read back: a ``date`` from PostgreSQL, ISO text from SQLite
    in a hand-written statement."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
