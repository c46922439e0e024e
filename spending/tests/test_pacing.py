"""Pacing (pure): hand-computed values at month ends, leap February, DST days and far time
zones, and property tests against brute-force oracles (minute walks, day-by-day sums)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spending.pacing import (
    Pacing,
    PacingInputs,
    PacingStatus,
    compute_pacing,
    day_fraction,
    month_fraction,
    used_fraction,
)

UTC = dt.UTC
D = Decimal


def at(
    zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, fold: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo(zone), fold=fold)


def pace(
    zone: str,
    moment: dt.datetime,
    *,
    monthly: str | None = None,
    daily: str | None = None,
    day: str = "0.00",
    month: str = "0.00",
    recent: dict[dt.date, str] | None = None,
    first_day: dt.date | None = None,
) -> Pacing:
    return compute_pacing(
        PacingInputs(
            timezone=zone,
            daily_budget=None if daily is None else D(daily),
            monthly_budget=None if monthly is None else D(monthly),
            day_spend=D(day),
            month_spend=D(month),
            recent={when: D(amount) for when, amount in (recent or {}).items()},
            first_day=first_day,
        ),
        at=moment,
    )


def week_before(today: dt.date, amount: str) -> dict[dt.date, str]:
    return {today - dt.timedelta(days=n): amount for n in range(1, 8)}


# --- Elapsed fractions, by hand ------------------------------------------------------------


def test_fractions_in_utc_count_whole_minutes() -> None:
    # April 2026 has 30 x 1440 = 43200 minutes; the 10th at 12:00 is 9 x 1440 + 720 = 13680 in.
    result = pace("UTC", at("UTC", 2026, 4, 10, 12, 0, 59), monthly="3000.00", daily="100.00")
    assert result.month_elapsed == 0.317  # 13680 / 43200 = 0.31666...
    assert result.expected_monthly_spend == D("950.00")  # 3000 x 13680 / 43200
    assert result.day_elapsed == 0.5  # 720 / 1440; the 59 seconds are not a whole minute
    assert result.expected_daily_spend == D("50.00")


def test_new_york_month_with_the_25_hour_day() -> None:
    # 2026-11-01 (first Sunday): clocks go back, so November has 30 x 1440 + 60 = 43260 minutes.
    # The 14th at 00:00 EST is 13 days and the repeated hour in: 13 x 1440 + 60 = 18780 minutes.
    result = pace("America/New_York", at("America/New_York", 2026, 11, 14, 0, 0), monthly="2500.00")
    assert result.month_elapsed == 0.434  # 18780 / 43260 = 0.43412
    assert result.expected_monthly_spend == D("1085.30")  # 2500 x 18780 / 43260 = 1085.298
    # On the day itself at 12:00 EST: 13 real hours of a 25-hour day.
    on_the_day = pace(
        "America/New_York", at("America/New_York", 2026, 11, 1, 12, 0), daily="100.00", monthly="2500.00"
    )
    assert on_the_day.day_elapsed == 0.52  # 780 / 1500
    assert on_the_day.expected_daily_spend == D("52.00")
    assert on_the_day.month_elapsed == 0.018  # 780 / 43260 = 0.01803


def test_new_york_month_with_the_23_hour_day() -> None:
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT: March has 31 x 1440 - 60 = 44580 minutes.
    # 03:00 EDT on the 8th is 7 x 1440 + 120 = 10200 minutes into the month, 120 into the day.
    result = pace("America/New_York", at("America/New_York", 2026, 3, 8, 3, 0), daily="138.00")
    assert result.month_elapsed == 0.229  # 10200 / 44580 = 0.22880
    assert result.day_elapsed == 0.087  # 120 / 1380 = 0.08696
    assert result.expected_daily_spend == D("12.00")  # 138 x 120 / 1380


def test_london_both_transitions() -> None:
    # 2026-03-29: 01:00 GMT jumps to 02:00 BST (23 hours); 12:00 BST is 11 real hours in.
    spring = pace("Europe/London", at("Europe/London", 2026, 3, 29, 12, 0))
    assert spring.day_elapsed == 0.478  # 660 / 1380 = 0.47826
    # 2026-10-25: 02:00 BST goes back to 01:00 GMT (25 hours); 12:00 GMT is 13 real hours in.
    autumn = pace("Europe/London", at("Europe/London", 2026, 10, 25, 12, 0))
    assert autumn.day_elapsed == 0.52  # 780 / 1500
    # In the repeated hour the second 01:30 is an hour later than the first.
    first = day_fraction("Europe/London", at("Europe/London", 2026, 10, 25, 1, 30, fold=0))
    second = day_fraction("Europe/London", at("Europe/London", 2026, 10, 25, 1, 30, fold=1))
    assert (first, second) == (Fraction(90, 1500), Fraction(150, 1500))
    # October 2026 has 31 x 1440 + 60 = 44700 minutes; its last minute leaves 1 to go.
    assert month_fraction("Europe/London", at("Europe/London", 2026, 10, 31, 23, 59)) == Fraction(
        44699, 44700
    )


def test_leap_february_2028() -> None:
    # 29 days = 41760 minutes; the 29th at 12:00 is 28 x 1440 + 720 = 41040 minutes in.
    moment = at("UTC", 2028, 2, 29, 12, 0)
    result = pace(
        "UTC",
        moment,
        monthly="2900.00",
        day="50.00",
        month="2800.00",
        recent=week_before(dt.date(2028, 2, 29), "100.00"),
    )
    assert result.month_elapsed == 0.983  # 41040 / 41760 = 0.98276
    assert result.expected_monthly_spend == D("2850.00")  # 100 a day for 28.5 days
    assert result.month_pace == 0.982  # 2800 / 2850 = 0.98246
    assert result.status is PacingStatus.ON_PACE
    # The last day: no day left after today; today is projected to reach the run rate.
    assert result.run_rate_daily == D("100.00")
    assert result.projected_monthly_spend == D("2850.00")  # 2800 + 100 x 0 + (100 - 50)
    assert result.projected_exhaustion is None  # 2850 < 2900
    # A day later it is March: the run rate counts Feb 22..Feb 29 minus the 22nd.
    march = pace(
        "UTC",
        at("UTC", 2028, 3, 1, 0, 0),
        monthly="2900.00",
        recent=week_before(dt.date(2028, 3, 1), "10.00"),
    )
    assert (march.month_elapsed, march.month_pace, march.status) == (0.0, None, PacingStatus.ON_PACE)
    assert march.projected_monthly_spend == D("310.00")  # 0 + 10 x 30 + (10 - 0)


def test_honolulu_and_kiritimati_at_the_same_instant_are_in_different_months() -> None:
    moment = dt.datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    # Honolulu (UTC-10): 2026-01-31 02:00, 30 x 1440 + 120 = 43320 of 44640 minutes.
    honolulu = pace("Pacific/Honolulu", moment, monthly="3100.00", month="3000.00")
    assert honolulu.month_elapsed == 0.970  # 0.97043
    assert honolulu.expected_monthly_spend == D("3008.33")  # 3100 x 43320 / 44640 = 3008.333
    assert honolulu.month_pace == 0.997  # 3000 / 3008.333 = 0.99723
    # Kiritimati (UTC+14): 2026-02-01 02:00, 120 of 28 x 1440 = 40320 minutes.
    kiritimati = pace("Pacific/Kiritimati", moment, monthly="2800.00", daily="24.00")
    assert kiritimati.month_elapsed == 0.003  # 0.002976
    assert kiritimati.expected_monthly_spend == D("8.33")  # 2800 x 120 / 40320 = 8.333
    assert kiritimati.day_elapsed == 0.083  # 120 / 1440
    assert kiritimati.expected_daily_spend == D("2.00")


def test_month_boundary_first_and_last_minute() -> None:
    last = pace("UTC", at("UTC", 2026, 4, 30, 23, 59), monthly="3000.00", month="2000.00")
    assert last.month_elapsed == 1.0  # 43199 / 43200 rounds to 1.000
    assert last.expected_monthly_spend == D("2999.93")  # 3000 x 43199 / 43200 = 2999.9306
    assert last.month_pace == 0.667  # 2000 / 2999.9306 = 0.66668
    assert last.status is PacingStatus.UNDER_PACE
    # The first minute of May: nothing expected yet, so no pace; any spend is over pace.
    first = pace("UTC", at("UTC", 2026, 5, 1, 0, 0), monthly="3000.00")
    assert (first.expected_monthly_spend, first.month_pace, first.status) == (
        D("0.00"),
        None,
        PacingStatus.ON_PACE,
    )
    spent = pace("UTC", at("UTC", 2026, 5, 1, 0, 0, 30), monthly="3000.00", day="5.00", month="5.00")
    assert (spent.month_pace, spent.status) == (None, PacingStatus.OVER_PACE)
    # One minute later the pace is defined: 5 / (3000 / 44640) = 74.4.
    later = pace("UTC", at("UTC", 2026, 5, 1, 0, 1), monthly="3000.00", day="5.00", month="5.00")
    assert (later.month_pace, later.status) == (74.4, PacingStatus.OVER_PACE)


# --- Run rate, projection, exhaustion -------------------------------------------------------


def test_projection_and_exhaustion_date_day_by_day() -> None:
    # April 10 at noon: Apr 3..9 spent 100 each; 40 today; 1000 month-to-date; 20 days left.
    moment = at("UTC", 2026, 4, 10, 12, 0)
    recent = week_before(dt.date(2026, 4, 10), "100.00")

    def with_budget(monthly: str) -> Pacing:
        return pace("UTC", moment, monthly=monthly, day="40.00", month="1000.00", recent=recent)

    result = with_budget("3000.00")
    assert (result.run_rate_daily, result.run_rate_days) == (D("100.00"), 7)
    assert result.projected_monthly_spend == D("3060.00")  # 1000 + 100 x 20 + (100 - 40)
    # End of each day: Apr 10 -> 1060, Apr 10 + k -> 1060 + 100k >= 3000 first at k = 20.
    assert result.projected_exhaustion == dt.date(2026, 4, 30)
    assert with_budget("3060.00").projected_exhaustion == dt.date(2026, 4, 30)
    assert with_budget("3060.01").projected_exhaustion is None
    assert with_budget("1060.00").projected_exhaustion == dt.date(2026, 4, 10)
    assert with_budget("1060.01").projected_exhaustion == dt.date(2026, 4, 11)
    # Today already above the run rate: nothing more is projected for today.
    busy = pace("UTC", moment, monthly="3000.00", day="150.00", month="1110.00", recent=recent)
    assert busy.projected_monthly_spend == D("3110.00")  # 1110 + 100 x 20 + 0
    assert busy.projected_exhaustion == dt.date(2026, 4, 29)  # 1110 + 100 x 19 = 3010


def test_an_exhausted_owner_is_projected_to_exhaust_today() -> None:
    moment = at("UTC", 2026, 4, 10, 12, 0)
    result = pace("UTC", moment, monthly="1000.00", day="10.00", month="1000.00")
    assert result.status is PacingStatus.EXHAUSTED
    assert result.month_pace == 3.158  # 1000 / (1000 x 13680 / 43200 = 316.667)
    assert result.projected_exhaustion == dt.date(2026, 4, 10)
    over = pace("UTC", moment, monthly="1000.00", day="10.00", month="1200.00")
    assert over.status is PacingStatus.EXHAUSTED


def test_run_rate_of_a_younger_owner() -> None:
    today = dt.date(2026, 4, 10)
    moment = at("UTC", 2026, 4, 10, 12, 0)
    recent = {dt.date(2026, 4, 7): "30.00", dt.date(2026, 4, 8): "60.00", dt.date(2026, 4, 9): "90.00"}
    # Created on the 7th: three complete days, whatever the window's length.
    young = pace("UTC", moment, recent=recent, first_day=dt.date(2026, 4, 7))
    assert (young.run_rate_daily, young.run_rate_days) == (D("60.00"), 3)
    # Created on the 8th, with spend back-dated to the 5th: the days count from the 5th.
    backdated = pace(
        "UTC", moment, recent={**recent, dt.date(2026, 4, 5): "20.00"}, first_day=dt.date(2026, 4, 8)
    )
    assert (backdated.run_rate_daily, backdated.run_rate_days) == (D("40.00"), 5)  # 200 / 5
    # Created a month ago: all 7 days count, the empty ones as 0.
    old = pace("UTC", moment, recent=recent, first_day=dt.date(2026, 3, 1))
    assert (old.run_rate_daily, old.run_rate_days) == (D("25.71"), 7)  # 180 / 7 = 25.714
    # Created today: no complete day, so the run rate is today's spend so far.
    new = pace("UTC", moment, monthly="300.00", day="12.00", month="12.00", first_day=today)
    assert (new.run_rate_daily, new.run_rate_days) == (D("12.00"), 0)
    assert new.projected_monthly_spend == D("252.00")  # 12 + 12 x 20 + 0


def test_spend_dated_today_or_later_is_not_in_the_run_rate() -> None:
    today = dt.date(2026, 4, 10)
    recent = {today: "500.00", today + dt.timedelta(days=1): "700.00", today - dt.timedelta(days=1): "70.00"}
    result = pace("UTC", at("UTC", 2026, 4, 10, 12, 0), recent=recent)
    assert result.run_rate_daily == D("10.00")  # 70 / 7


def test_money_and_ratios_round_half_up() -> None:
    # Two complete days spending 0.05 in all: 0.025 a day rounds up to 0.03 (not to even).
    moment = at("UTC", 2026, 4, 10, 12, 0)
    young = pace("UTC", moment, recent={dt.date(2026, 4, 9): "0.05"}, first_day=dt.date(2026, 4, 8))
    assert young.run_rate_daily == D("0.03")
    # 0.01 x 720 / 1440 = 0.005 rounds up to 0.01.
    assert pace("UTC", moment, daily="0.01").expected_daily_spend == D("0.01")
    # Expected 6000 x 13680 / 43200 = 1900.00: a pace of exactly 1.1005 (2090.95 / 1900)
    # shows as 1.101, over pace (rounding half to even would show 1.100, on pace).
    tie = pace("UTC", moment, monthly="6000.00", month="2090.95")
    assert (tie.month_pace, tie.status) == (1.101, PacingStatus.OVER_PACE)
    assert pace("UTC", moment, monthly="6000.00", month="1707.15").month_pace == 0.899  # 0.8985


def test_status_bands_follow_the_pace_as_shown() -> None:
    # Expected 3000 x 13680 / 43200 = 950.00 at April 10, 12:00 UTC.
    moment = at("UTC", 2026, 4, 10, 12, 0)
    cases = {
        "854.99": (0.9, PacingStatus.ON_PACE),  # 0.89999 shows as 0.900
        "854.52": (0.899, PacingStatus.UNDER_PACE),  # 0.89949
        "855.00": (0.9, PacingStatus.ON_PACE),
        "1045.00": (1.1, PacingStatus.ON_PACE),
        "1045.47": (1.1, PacingStatus.ON_PACE),  # 1.100495
        "1045.48": (1.101, PacingStatus.OVER_PACE),  # 1.100505
        "0.00": (0.0, PacingStatus.UNDER_PACE),
        "2999.99": (3.158, PacingStatus.OVER_PACE),
        "3000.00": (3.158, PacingStatus.EXHAUSTED),
    }
    for spend, expected in cases.items():
        result = pace("UTC", moment, monthly="3000.00", month=spend)
        assert (result.month_pace, result.status) == expected, spend


def test_a_zero_budget_is_exhausted_with_no_pace() -> None:
    result = pace("UTC", at("UTC", 2026, 4, 10, 12, 0), monthly="0.00", daily="0.00")
    assert (result.status, result.month_pace, result.expected_monthly_spend) == (
        PacingStatus.EXHAUSTED,
        None,
        D("0.00"),
    )
    assert result.projected_exhaustion == dt.date(2026, 4, 10)
    assert result.expected_daily_spend == D("0.00")


def test_no_budget_leaves_the_budget_fields_null_and_still_projects() -> None:
    today = dt.date(2026, 4, 10)
    result = pace(
        "UTC", at("UTC", 2026, 4, 10, 12, 0), day="5.00", month="500.00", recent=week_before(today, "20.00")
    )
    assert result.status is PacingStatus.NO_BUDGET
    assert (result.expected_monthly_spend, result.month_pace, result.projected_exhaustion) == (
        None,
        None,
        None,
    )
    assert result.expected_daily_spend is None
    assert result.projected_monthly_spend == D("915.00")  # 500 + 20 x 20 + (20 - 5)
    assert (result.month_elapsed, result.day_elapsed) == (0.317, 0.5)


def test_as_json_has_the_contract_fields() -> None:
    result = pace(
        "UTC",
        at("UTC", 2026, 4, 10, 12, 0),
        monthly="3000.00",
        daily="100.00",
        day="40.00",
        month="1000.00",
        recent=week_before(dt.date(2026, 4, 10), "100.00"),
    )
    assert result.as_json() == {
        "month_elapsed": 0.317,
        "expected_monthly_spend": "950.00",
        "month_pace": 1.053,  # 1000 / 950 = 1.05263
        "status": "on_pace",
        "run_rate_daily": "100.00",
        "projected_monthly_spend": "3060.00",
        "projected_exhaustion": "2026-04-30",
        "day_elapsed": 0.5,
        "expected_daily_spend": "50.00",
        "run_rate_days": 7,
    }


def test_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        pace("UTC", dt.datetime(2026, 4, 10, 12, 0))


# --- Property tests against brute-force oracles -----------------------------------------------

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Pacific/Honolulu",
    "Pacific/Kiritimati",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Santiago",  # DST changes at midnight
    "Asia/Kathmandu",  # UTC+05:45
]
MINUTE = dt.timedelta(minutes=1)
moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2029, 12, 31), timezones=st.just(UTC)
)


def oracle_minutes(zone: str, moment: dt.datetime, *, monthly: bool) -> tuple[int, int]:
    """(complete minutes of the local period before ``moment``, minutes of the period), by
    walking UTC minutes one at a time while their local date stays in the period."""
    tz = ZoneInfo(zone)

    def period(instant: dt.datetime) -> tuple[int, ...]:
        local = instant.astimezone(tz)
        return (local.year, local.month) if monthly else (local.year, local.month, local.day)

    here = period(moment)
    floor = moment.replace(second=0, microsecond=0)  # every zone here is a whole-minute offset
    done = 0
    cursor = floor - MINUTE
    while period(cursor) == here:
        done += 1
        cursor -= MINUTE
    rest = 0
    cursor = floor
    while period(cursor) == here:
        rest += 1
        cursor += MINUTE
    return done, done + rest


@settings(max_examples=40, deadline=None)
@given(zone=st.sampled_from(ZONES), moment=moments)
def test_month_fraction_matches_a_minute_walk(zone: str, moment: dt.datetime) -> None:
    done, total = oracle_minutes(zone, moment, monthly=True)
    assert month_fraction(zone, moment) == Fraction(done, total)


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    moment=moments
    | st.sampled_from(
        [  # around the transitions, where the day is 23, 23.5, 24.5 or 25 hours long
            dt.datetime(2026, 3, 8, 6, 59, tzinfo=UTC),
            dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC),
            dt.datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
            dt.datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
            dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
            dt.datetime(2026, 10, 25, 0, 59, tzinfo=UTC),
            dt.datetime(2026, 4, 4, 14, 45, tzinfo=UTC),
            dt.datetime(2026, 9, 6, 3, 59, tzinfo=UTC),
        ]
    ),
)
def test_day_fraction_matches_a_minute_walk(zone: str, moment: dt.datetime) -> None:
    done, total = oracle_minutes(zone, moment, monthly=False)
    assert day_fraction(zone, moment) == Fraction(done, total)


def half_up(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def oracle_pacing(
    zone: str,
    moment: dt.datetime,
    history: dict[dt.date, Decimal],
    first_day: dt.date | None,
    monthly: Decimal | None,
    daily: Decimal | None,
) -> dict[str, object]:
    """The pacing block computed the slow way, from the full daily history."""
    today = moment.astimezone(ZoneInfo(zone)).date()
    day_spend = history.get(today, Decimal(0))
    month_spend = sum(
        (
            amount
            for day, amount in history.items()
            if (day.year, day.month) == (today.year, today.month) and day <= today
        ),
        Decimal(0),
    )
    # Run rate: walk the 7 days before today from the oldest; start counting at the owner's
    # first day or at the first of those days with spend, whichever comes first.
    counted: list[Decimal] = []
    for back in range(7, 0, -1):
        day = today - dt.timedelta(days=back)
        amount = history.get(day, Decimal(0))
        if counted or first_day is None or day >= first_day or amount > 0:
            counted.append(amount)
    with localcontext(prec=60):
        rate = half_up(sum(counted, Decimal(0)) / len(counted), "0.01") if counted else day_spend
    # Projection: today ends at the larger of its spend and the run rate, every later day of
    # the month spends the run rate; note the first day the running total reaches the budget.
    running = month_spend - day_spend
    exhaustion = None
    day = today
    while day.month == today.month:
        running += max(day_spend, rate) if day == today else rate
        if monthly is not None and exhaustion is None and running >= monthly:
            exhaustion = day
        day += dt.timedelta(days=1)
    month_done, month_total = oracle_minutes(zone, moment, monthly=True)
    day_done, day_total = oracle_minutes(zone, moment, monthly=False)
    with localcontext(prec=60):
        result: dict[str, object] = {
            "month_elapsed": float(half_up(Decimal(month_done) / month_total, "0.001")),
            "day_elapsed": float(half_up(Decimal(day_done) / day_total, "0.001")),
            "run_rate_daily": rate,
            "projected_monthly_spend": running,
            "expected_daily_spend": (
                None if daily is None else half_up(daily * day_done / day_total, "0.01")
            ),
        }
        if monthly is None:
            result.update(
                status="no_budget", month_pace=None, expected_monthly_spend=None, projected_exhaustion=None
            )
            return result
        expected = monthly * month_done / month_total
        month_pace = float(half_up(month_spend / expected, "0.001")) if expected else None
        if month_spend >= monthly:
            status = "exhausted"
        elif month_pace is None:
            status = "over_pace" if month_spend else "on_pace"
        else:
            status = "under_pace" if month_pace < 0.9 else "over_pace" if month_pace > 1.1 else "on_pace"
        result.update(
            status=status,
            month_pace=month_pace,
            expected_monthly_spend=half_up(expected, "0.01"),
            projected_exhaustion=exhaustion,
        )
    return result


cents = st.integers(min_value=0, max_value=500_000).map(lambda c: Decimal(c).scaleb(-2))
sparse_cents = st.one_of(st.just(Decimal("0.00")), cents)


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    moment=moments,
    spends=st.lists(sparse_cents, min_size=42, max_size=42),
    first_back=st.none() | st.integers(min_value=0, max_value=40),
    monthly=st.none() | st.integers(min_value=0, max_value=6_000_000).map(lambda c: Decimal(c).scaleb(-2)),
    daily=st.none() | cents,
)
def test_pacing_matches_the_oracle_over_random_histories(
    zone: str,
    moment: dt.datetime,
    spends: list[Decimal],
    first_back: int | None,
    monthly: Decimal | None,
    daily: Decimal | None,
) -> None:
    today = moment.astimezone(ZoneInfo(zone)).date()
    # 40 days back to 1 day ahead (spend recorded for tomorrow must count nowhere).
    history = {
        today + dt.timedelta(days=offset): amount
        for offset, amount in zip(range(-40, 2), spends, strict=True)
    }
    first_day = None if first_back is None else today - dt.timedelta(days=first_back)
    expected = oracle_pacing(zone, moment, history, first_day, monthly, daily)
    month_spend = sum(
        (
            amount
            for day, amount in history.items()
            if day.month == today.month and day.year == today.year and day <= today
        ),
        Decimal(0),
    )
    result = compute_pacing(
        PacingInputs(
            timezone=zone,
            daily_budget=daily,
            monthly_budget=monthly,
            day_spend=history[today],
            month_spend=month_spend,
            recent=history,
            first_day=first_day,
        ),
        at=moment,
    ).as_json()
    assert_matches_oracle(result, expected)


def assert_matches_oracle(block: dict[str, object], expected: dict[str, object]) -> None:
    """A rendered block (``Pacing.as_json``) equals the oracle's values."""
    assert block["status"] == expected["status"]
    for key in ("month_elapsed", "day_elapsed", "month_pace"):
        assert block[key] == expected[key], key
    for key in (
        "run_rate_daily",
        "projected_monthly_spend",
        "expected_daily_spend",
        "expected_monthly_spend",
    ):
        value = expected[key]
        assert block[key] == (None if value is None else str(value)), key
    exhaustion = expected["projected_exhaustion"]
    assert block["projected_exhaustion"] == (None if exhaustion is None else str(exhaustion))


def _used(daily: str | None, monthly: str | None, day: str, month: str) -> Fraction | None:
    return used_fraction(
        PacingInputs(
            timezone="UTC",
            daily_budget=None if daily is None else Decimal(daily),
            monthly_budget=None if monthly is None else Decimal(monthly),
            day_spend=Decimal(day),
            month_spend=Decimal(month),
            recent={},
        )
    )


def test_used_fraction_is_the_largest_share_of_a_cap() -> None:
    assert _used(None, None, "5.00", "50.00") is None
    assert _used("10.00", None, "8.00", "500.00") == Fraction(4, 5)
    assert _used("10.00", "100.00", "2.00", "90.00") == Fraction(9, 10)
    assert _used(None, "300.00", "0.00", "100.00") == Fraction(1, 3)
    assert _used("0.00", "100.00", "0.00", "1.00") == 1  # a cap of 0 is used in full
    assert _used("10.00", None, "12.00", "12.00") == Fraction(6, 5)
