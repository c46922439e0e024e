"""Dayparting, as pure functions: no database, no clock.

A window is a set of weekdays (0=Monday..6=Sunday) and a start and end wall-clock
time at minute resolution, read in one time zone:

* ``start < end``: active on each listed day from ``start`` (inclusive) to ``end``
  (exclusive);
* ``start > end``: overnight, starting on a listed day and running past midnight into
  the next day's morning ("Fri 22:00-02:00" covers Saturday 01:30);
* ``end == 00:00`` means "until midnight"; ``start == end`` is invalid.

Times are wall-clock times: on a DST day the local clock is read as it stands, so a
day may have 23 or 25 hours and a window keeps its wall-clock edges.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.timeutils import get_zone

MINUTES_PER_DAY = 24 * 60
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ALL_DAYS_MASK = 0b1111111


def days_to_mask(days: Iterable[int]) -> int:
    mask = 0
    for day in days:
        if not 0 <= day <= 6:
            raise ValueError(f"day of week {day} is outside 0 (Monday) .. 6 (Sunday)")
        mask |= 1 << day
    return mask


def mask_to_days(mask: int) -> list[int]:
    return [day for day in range(7) if mask & (1 << day)]


def time_to_minute(value: dt.time) -> int:
    return value.hour * 60 + value.minute


@dataclass(frozen=True, slots=True)
class Window:
    """One window: ``days_mask`` bit ``d`` set means weekday ``d``; minutes since midnight."""

    days_mask: int
    start_minute: int
    end_minute: int

    def __post_init__(self) -> None:
        if not 0 < self.days_mask <= ALL_DAYS_MASK:
            raise ValueError("a window needs at least one day of the week")
        if not (0 <= self.start_minute < MINUTES_PER_DAY and 0 <= self.end_minute < MINUTES_PER_DAY):
            raise ValueError("window times must lie within one day")
        if self.start_minute == self.end_minute:
            raise ValueError("a window's start and end must differ")

    @classmethod
    def from_times(cls, days: Iterable[int], start: dt.time, end: dt.time) -> Window:
        return cls(days_to_mask(days), time_to_minute(start), time_to_minute(end))

    @classmethod
    def from_mask(cls, days_mask: int, start: dt.time, end: dt.time) -> Window:
        return cls(days_mask, time_to_minute(start), time_to_minute(end))

    @property
    def is_overnight(self) -> bool:
        return self.end_minute != 0 and self.start_minute > self.end_minute

    def covers(self, weekday: int, minute: int) -> bool:
        """Whether the wall-clock moment (``weekday``, ``minute`` of that day) is inside."""
        if self.end_minute == 0 or self.start_minute < self.end_minute:
            end = self.end_minute or MINUTES_PER_DAY
            return bool(self.days_mask & (1 << weekday)) and self.start_minute <= minute < end
        # Overnight: the evening part belongs to a listed day, the morning part to the
        # day after a listed day.
        if self.days_mask & (1 << weekday) and minute >= self.start_minute:
            return True
        previous = (weekday - 1) % 7
        return bool(self.days_mask & (1 << previous)) and minute < self.end_minute


@lru_cache(maxsize=1024)
def wall_clock(moment: dt.datetime, tz_name: str) -> tuple[int, int]:
    """(weekday, minute of day) of an aware ``moment`` on the wall clock of ``tz_name``.

    Kept for the last moments and zones asked: a sweep asks it for every scheduled
    campaign at one moment, in a few dozen zones (a pure function of its arguments)."""
    if moment.tzinfo is None:
        raise ValueError("dayparting needs an aware datetime")
    local = moment.astimezone(get_zone(tz_name))
    return local.weekday(), local.hour * 60 + local.minute


def is_within(windows: Sequence[Window], tz_name: str, moment: dt.datetime) -> bool:
    """Whether ``moment`` falls inside any of ``windows`` read in ``tz_name``."""
    weekday, minute = wall_clock(moment, tz_name)
    return any(window.covers(weekday, minute) for window in windows)


def active_hours(windows: Sequence[Window], weekday: int | None = None) -> set[int]:
    """Hours (0-23) during which any window is active for at least a minute.

    With ``weekday`` only that day's wall clock counts; without it, any day of the week.
    """
    days = range(7) if weekday is None else (weekday,)
    hours: set[int] = set()
    for day in days:
        for hour in range(24):
            if hour in hours:
                continue
            if any(w.covers(day, hour * 60 + m) for w in windows for m in range(60)):
                hours.add(hour)
    return hours


def days_display(mask: int) -> str:
    """A short human form of a set of weekdays: "Every day", "Mon-Fri", "Mon, Wed, Sat-Sun"."""
    days = mask_to_days(mask)
    if not days:
        return "No days"
    if len(days) == 7:
        return "Every day"
    runs: list[tuple[int, int]] = []
    for day in days:
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    parts = []
    for first, last in runs:
        if first == last:
            parts.append(DAY_NAMES[first])
        elif last == first + 1:
            parts.append(f"{DAY_NAMES[first]}, {DAY_NAMES[last]}")
        else:
            parts.append(f"{DAY_NAMES[first]}-{DAY_NAMES[last]}")
    return ", ".join(parts)
