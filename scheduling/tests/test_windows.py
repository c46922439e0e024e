"""Dayparting: the pure window functions, checked against a brute-force oracle."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.windows import (
    MINUTES_PER_DAY,
    Window,
    active_hours,
    days_display,
    days_to_mask,
    is_within,
    mask_to_days,
)

UTC = dt.UTC
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


def oracle_minutes(window: Window) -> set[int]:
    """Every minute of the week (0 = Monday 00:00) the window covers, by walking minutes.

    Independent of ``Window.covers``: each listed day contributes the minutes from its
    start, walking forward one minute at a time until the end time is reached (wrapping
    past midnight into the next day when the end is not later than the start).
    """
    covered: set[int] = set()
    for day in mask_to_days(window.days_mask):
        minute = day * MINUTES_PER_DAY + window.start_minute
        end_of_day = window.end_minute
        while True:
            covered.add(minute % MINUTES_PER_WEEK)
            minute += 1
            if minute % MINUTES_PER_DAY == end_of_day:
                break
    return covered


@st.composite
def valid_windows(draw: st.DrawFn) -> Window:
    start = draw(st.integers(min_value=0, max_value=MINUTES_PER_DAY - 1))
    end = draw(st.integers(min_value=0, max_value=MINUTES_PER_DAY - 1).filter(lambda e: e != start))
    return Window(draw(st.integers(min_value=1, max_value=127)), start, end)


@settings(max_examples=300, deadline=None)
@given(
    windows=st.lists(valid_windows(), min_size=1, max_size=4),
    minute_of_week=st.integers(min_value=0, max_value=MINUTES_PER_WEEK - 1),
)
def test_covers_matches_the_brute_force_oracle(windows: list[Window], minute_of_week: int) -> None:
    covered = set().union(*(oracle_minutes(w) for w in windows))
    # 2024-01-01 was a Monday: build the UTC moment for that minute of the week.
    moment = dt.datetime(2024, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=minute_of_week)
    assert is_within(windows, "UTC", moment) == (minute_of_week in covered)


@settings(max_examples=200, deadline=None)
@given(
    window=valid_windows(),
    moment=st.datetimes(
        min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(["America/New_York", "Asia/Kolkata", "Europe/London", "Australia/Lord_Howe"]),
)
def test_wall_clock_in_any_zone_matches_the_oracle(window: Window, moment: dt.datetime, zone: str) -> None:
    local = moment.astimezone(ZoneInfo(zone))
    minute_of_week = local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute
    assert is_within([window], zone, moment) == (minute_of_week in oracle_minutes(window))


def at(zone: str, year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone))


def test_overnight_window_crosses_saturday_into_sunday_and_sunday_into_monday() -> None:
    # Saturday and Sunday 22:00-02:00. 2026-11-21 is a Saturday.
    window = Window.from_times([5, 6], dt.time(22), dt.time(2))
    cases = {
        (2026, 11, 21, 21, 59): False,  # Saturday before the start
        (2026, 11, 21, 22, 0): True,  # Saturday start (inclusive)
        (2026, 11, 22, 1, 30): True,  # Sunday morning, from Saturday
        (2026, 11, 22, 2, 0): False,  # end is exclusive
        (2026, 11, 22, 23, 0): True,  # Sunday evening
        (2026, 11, 23, 1, 59): True,  # Monday morning, from Sunday
        (2026, 11, 23, 22, 30): False,  # Monday evening: Monday is not listed
        (2026, 11, 21, 1, 0): False,  # Saturday morning: Friday is not listed
    }
    for parts, expected in cases.items():
        assert is_within([window], "UTC", at("UTC", *parts)) is expected, parts


def test_friday_night_window_covers_saturday_early_morning() -> None:
    window = Window.from_times([4], dt.time(22), dt.time(2))
    assert is_within([window], "UTC", at("UTC", 2026, 11, 21, 1, 30))


def test_end_at_midnight_means_until_midnight() -> None:
    window = Window.from_times([0], dt.time(18), dt.time(0))  # Monday 18:00-24:00
    assert not window.is_overnight
    assert is_within([window], "UTC", at("UTC", 2026, 11, 23, 23, 59))
    assert not is_within([window], "UTC", at("UTC", 2026, 11, 24, 0, 0))  # Tuesday 00:00
    assert not is_within([window], "UTC", at("UTC", 2026, 11, 23, 17, 59))


def test_start_equal_to_end_is_invalid() -> None:
    with pytest.raises(ValueError, match="differ"):
        Window.from_times([0], dt.time(9), dt.time(9))


def test_spring_forward_day_keeps_wall_clock_edges() -> None:
    # 2026-03-08 in New York: 02:00 jumps to 03:00 (a 23-hour Sunday).
    window = Window.from_times([6], dt.time(1, 30), dt.time(3, 30))
    zone = "America/New_York"
    assert is_within([window], zone, dt.datetime(2026, 3, 8, 6, 45, tzinfo=UTC))  # 01:45 EST
    assert is_within([window], zone, dt.datetime(2026, 3, 8, 7, 15, tzinfo=UTC))  # 03:15 EDT
    assert not is_within([window], zone, dt.datetime(2026, 3, 8, 7, 30, tzinfo=UTC))  # 03:30 EDT
    # The window lasted one real hour that day (01:30 EST .. 03:30 EDT).
    inside = [
        m
        for m in range(0, 24 * 60)
        if is_within([window], zone, dt.datetime(2026, 3, 8, 5, 0, tzinfo=UTC) + dt.timedelta(minutes=m))
    ]
    assert len(inside) == 60


def test_fall_back_day_covers_the_repeated_hour_twice() -> None:
    # 2026-11-01 in New York: 01:00-02:00 happens twice (a 25-hour Sunday).
    window = Window.from_times([6], dt.time(1), dt.time(2))
    zone = "America/New_York"
    first = dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second = dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST
    assert is_within([window], zone, first)
    assert is_within([window], zone, second)
    assert not is_within([window], zone, dt.datetime(2026, 11, 1, 7, 0, tzinfo=UTC))  # 02:00 EST


def test_the_same_moment_reads_differently_in_schedule_and_brand_zones() -> None:
    window = Window.from_times([0, 1, 2, 3, 4], dt.time(9), dt.time(17))
    moment = dt.datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 15:00 UTC
    assert is_within([window], "Europe/Paris", moment)  # 16:00 in Paris
    assert not is_within([window], "Asia/Tokyo", moment)  # 00:00 Tuesday in Tokyo
    assert not is_within([window], "America/Los_Angeles", moment)  # 07:00 in Los Angeles


def test_naive_moments_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_within([Window.from_times([0], dt.time(1), dt.time(2))], "UTC", dt.datetime(2026, 1, 1))


def test_days_display_and_masks() -> None:
    assert days_display(days_to_mask([0, 1, 2, 3, 4])) == "Mon-Fri"
    assert days_display(days_to_mask(range(7))) == "Every day"
    assert days_display(days_to_mask([0, 2, 5, 6])) == "Mon, Wed, Sat, Sun"
    assert days_display(days_to_mask([0, 1, 2, 4, 5, 6])) == "Mon-Wed, Fri-Sun"
    assert days_display(0) == "No days"
    assert mask_to_days(days_to_mask([6, 0])) == [0, 6]
    with pytest.raises(ValueError, match="outside"):
        days_to_mask([7])


def test_active_hours() -> None:
    windows = [Window.from_times([4], dt.time(22, 30), dt.time(1, 15))]
    assert active_hours(windows, 4) == {22, 23}
    assert active_hours(windows, 5) == {0, 1}
    assert active_hours(windows, 0) == set()
    assert active_hours(windows) == {0, 1, 22, 23}


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["9:00", "09:00:00", "24:00", "0900", "\u0660\u0669:\u0660\u0660"])
def test_the_schedule_service_takes_times_as_exactly_hh_mm(bad: str) -> None:
    from django.core.exceptions import ValidationError

    from scheduling.services import schedule_create

    with pytest.raises(ValidationError):
        schedule_create(
            name="strict", windows=[{"days_of_week": [0], "start_time": bad, "end_time": "17:00"}]
        )
