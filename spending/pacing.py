"""Pacing: how an owner's spend compares with its budgets at a moment (pure).

No database and no clock: the caller passes the moment and the spend figures (see
``spending.pacing_inputs`` for the reader that gathers them). Everything is in the owner's
brand time zone. The fields are the ``pacing`` block of API.md:

- ``month_elapsed``: whole minutes from the first instant of the local month to the moment
  (rounded down), over the real minutes of the local month (a month with a 23-hour day
  has 60 fewer, one with a 25-hour day 60 more). ``day_elapsed`` likewise for the local day.
- ``expected_monthly_spend = monthly_budget x month_elapsed`` and ``expected_daily_spend =
  daily_budget x day_elapsed``, from the unrounded fractions.
- ``month_pace = monthly_spend / expected_monthly_spend`` (unrounded expected); ``None``
  while nothing is expected yet (the first minute of the month, or a budget of 0).
- ``status``: ``no_budget`` without a monthly budget; else ``exhausted`` when
  ``monthly_spend >= monthly_budget``; else by ``month_pace`` as shown (rounded):
  ``under_pace`` below ``low``, ``over_pace`` above ``high``, else ``on_pace``. With no
  pace yet (first minute): ``over_pace`` if anything was spent, else ``on_pace``.
- ``run_rate_daily``: the mean spend of the complete local days in the 7 before today,
  counted from the owner's first day (``first_day``, or an earlier day that has spend,
  since spend may be back-dated): ``n`` days, ``1 <= n <= 7``. An owner whose first day is
  today has no complete day: its run rate is today's spend so far.
- ``projected_monthly_spend = monthly_spend + run_rate_daily x days left after today +
  max(0, run_rate_daily - today's spend)``, with the run rate as shown (cents), so the
  formula holds on the displayed figures.
- ``projected_exhaustion``: the projection is cumulative at the end of each local day:
  ``C(today) = monthly_spend + max(0, run_rate_daily - today's spend)`` and
  ``C(today + k) = C(today) + k x run_rate_daily``; the first date from today to the end
  of the month with ``C >= monthly_budget``, else ``None`` (an owner already exhausted
  gets today). ``None`` without a monthly budget.

Money is ``Decimal`` rounded half up to cents, ratios are floats rounded half up to 3
places; every intermediate value is an exact fraction. Spend dated after today (allowed up
to ``SPEND_MAX_DAYS_AHEAD``) counts nowhere: ``monthly_spend`` is month-to-date, and days
from today on in ``recent`` are ignored.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from core.money import ZERO
from core.timeutils import get_zone, month_end, month_start

PACING_LOW = Decimal("0.9")
PACING_HIGH = Decimal("1.1")
RUN_RATE_DAYS = 7
RATIO_PLACES = 3
_MINUTE = dt.timedelta(minutes=1)
_RATIO_SCALE = 10**RATIO_PLACES


class PacingStatus(StrEnum):
    UNDER_PACE = "under_pace"
    ON_PACE = "on_pace"
    OVER_PACE = "over_pace"
    EXHAUSTED = "exhausted"
    NO_BUDGET = "no_budget"


@dataclass(frozen=True, slots=True)
class PacingInputs:
    """What pacing needs of one owner (a brand, or a campaign in its brand's time zone).

    ``day_spend`` is the spend dated today (local), ``month_spend`` the month-to-date
    spend (first of the month to today, inclusive). ``recent`` maps local dates to spend;
    only the 7 days before today are read (missing days spent nothing). ``first_day`` is
    the owner's first local day (its creation date in its time zone), ``None`` when it
    is unknown (then all 7 days count).
    """

    timezone: str
    daily_budget: Decimal | None
    monthly_budget: Decimal | None
    day_spend: Decimal
    month_spend: Decimal
    recent: Mapping[dt.date, Decimal]
    first_day: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Pacing:
    """The ``pacing`` block of API.md (``run_rate_days`` is extra: the days averaged)."""

    month_elapsed: float
    expected_monthly_spend: Decimal | None
    month_pace: float | None
    status: PacingStatus
    run_rate_daily: Decimal
    projected_monthly_spend: Decimal
    projected_exhaustion: dt.date | None
    day_elapsed: float
    expected_daily_spend: Decimal | None
    run_rate_days: int

    def as_json(self) -> dict[str, Any]:
        """The block as the API renders it: money as strings, the date as ``YYYY-MM-DD``."""

        def money(value: Decimal | None) -> str | None:
            return None if value is None else str(value)

        return {
            "month_elapsed": self.month_elapsed,
            "expected_monthly_spend": money(self.expected_monthly_spend),
            "month_pace": self.month_pace,
            "status": self.status.value,
            "run_rate_daily": money(self.run_rate_daily),
            "projected_monthly_spend": money(self.projected_monthly_spend),
            "projected_exhaustion": (
                None if self.projected_exhaustion is None else self.projected_exhaustion.isoformat()
            ),
            "day_elapsed": self.day_elapsed,
            "expected_daily_spend": money(self.expected_daily_spend),
            "run_rate_days": self.run_rate_days,
        }


# --- Rounding (exact fractions in, half up out) ---------------------------------------


def _half_up(value: Fraction, scale: int) -> int:
    """``value`` (not negative) times ``scale``, rounded half up to an integer."""
    return math.floor(value * scale + Fraction(1, 2))


def round_money(value: Fraction) -> Decimal:
    """An exact non-negative amount rounded half up to cents."""
    return Decimal(_half_up(value, 100)).scaleb(-2)


def round_ratio(value: Fraction) -> float:
    """An exact non-negative ratio rounded half up to ``RATIO_PLACES`` places, as a float."""
    return float(Decimal(_half_up(value, _RATIO_SCALE)).scaleb(-RATIO_PLACES))


# --- Local periods ----------------------------------------------------------------------


def local_day_start(tz_name: str, day: dt.date) -> dt.datetime:
    """The first instant (UTC) whose local date in ``tz_name`` is ``day``.

    Local midnight, or the end of the gap when the clocks jump over midnight (``fold=0``
    of a missing time takes the offset from before the jump, which lands on it).
    """
    local = dt.datetime.combine(day, dt.time(0), tzinfo=get_zone(tz_name))
    return local.astimezone(dt.UTC)


def elapsed_minutes(start: dt.datetime, end: dt.datetime, at: dt.datetime) -> tuple[int, int]:
    """(whole minutes from ``start`` to ``at``, rounded down; minutes from ``start`` to ``end``)."""
    return (at - start) // _MINUTE, (end - start) // _MINUTE


def month_fraction(tz_name: str, at: dt.datetime) -> Fraction:
    """The fraction of ``at``'s local month gone, to the minute, in real (DST-aware) minutes."""
    today = at.astimezone(get_zone(tz_name)).date()
    start = local_day_start(tz_name, month_start(today))
    end = local_day_start(tz_name, month_end(today) + dt.timedelta(days=1))
    done, total = elapsed_minutes(start, end, at)
    return Fraction(done, total)


def day_fraction(tz_name: str, at: dt.datetime) -> Fraction:
    """The fraction of ``at``'s local day gone, to the minute (23- and 25-hour days too)."""
    today = at.astimezone(get_zone(tz_name)).date()
    start = local_day_start(tz_name, today)
    end = local_day_start(tz_name, today + dt.timedelta(days=1))
    done, total = elapsed_minutes(start, end, at)
    return Fraction(done, total)


# --- How much of its caps an owner has used ----------------------------------------------


def used_fraction(inputs: PacingInputs) -> Fraction | None:
    """The largest share of one of the owner's caps used: today's spend over the daily
    budget, month-to-date over the monthly budget (exact). ``None`` without any cap; a cap
    of 0 counts as used in full (1), as the serving rule treats it as exhausted.

    ``used_at_least=<percent>`` (API.md) and the console's "near cap" keep the owners with
    ``used_fraction(...) * 100 >= percent``."""
    shares = [
        Fraction(spend) / Fraction(budget) if budget else Fraction(1)
        for budget, spend in (
            (inputs.daily_budget, inputs.day_spend),
            (inputs.monthly_budget, inputs.month_spend),
        )
        if budget is not None
    ]
    return max(shares) if shares else None


# --- Run rate and projection -------------------------------------------------------------


def run_rate(
    recent: Mapping[dt.date, Decimal], *, today: dt.date, first_day: dt.date | None, day_spend: Decimal
) -> tuple[Decimal, int]:
    """(mean daily spend of the complete local days counted, how many days were counted)."""
    window_start = today - dt.timedelta(days=RUN_RATE_DAYS)
    counted_from = window_start
    if first_day is not None:
        spent_days = [day for day, amount in recent.items() if window_start <= day < today and amount]
        counted_from = max(window_start, min([first_day, *spent_days]))
    days = (today - counted_from).days
    if days <= 0:
        return round_money(Fraction(day_spend)), 0
    total = sum(
        (Fraction(amount) for day, amount in recent.items() if counted_from <= day < today),
        start=Fraction(0),
    )
    return round_money(total / days), days


def exhaustion_date(
    *, today: dt.date, budget: Decimal, end_of_today: Decimal, rate: Decimal
) -> dt.date | None:
    """The first local date from today to the month's end on which the projection reaches
    ``budget``: ``end_of_today + k x rate >= budget`` for ``k`` days after today."""
    if end_of_today >= budget:
        return today
    if rate <= 0:
        return None
    days = math.ceil(Fraction(budget - end_of_today) / Fraction(rate))
    if days > (month_end(today) - today).days:
        return None
    return today + dt.timedelta(days=days)


def _status(
    *, budget: Decimal, spend: Decimal, pace: float | None, low: Decimal, high: Decimal
) -> PacingStatus:
    if spend >= budget:
        return PacingStatus.EXHAUSTED
    if pace is None:
        return PacingStatus.OVER_PACE if spend > 0 else PacingStatus.ON_PACE
    if Decimal(str(pace)) < low:
        return PacingStatus.UNDER_PACE
    if Decimal(str(pace)) > high:
        return PacingStatus.OVER_PACE
    return PacingStatus.ON_PACE


def compute_pacing(
    inputs: PacingInputs, *, at: dt.datetime, low: Decimal = PACING_LOW, high: Decimal = PACING_HIGH
) -> Pacing:
    """The ``pacing`` block of one owner at the aware moment ``at`` (see the module's rules)."""
    if at.tzinfo is None:
        raise ValueError("compute_pacing() needs an aware datetime")
    today = at.astimezone(get_zone(inputs.timezone)).date()
    month_part = month_fraction(inputs.timezone, at)
    day_part = day_fraction(inputs.timezone, at)
    rate, rate_days = run_rate(
        inputs.recent, today=today, first_day=inputs.first_day, day_spend=inputs.day_spend
    )
    end_of_today = inputs.month_spend + max(ZERO, rate - inputs.day_spend)
    projected = round_money(Fraction(end_of_today + rate * (month_end(today) - today).days))

    budget = inputs.monthly_budget
    expected_monthly: Decimal | None = None
    pace: float | None = None
    exhaustion: dt.date | None = None
    status = PacingStatus.NO_BUDGET
    if budget is not None:
        expected = Fraction(budget) * month_part
        expected_monthly = round_money(expected)
        pace = round_ratio(Fraction(inputs.month_spend) / expected) if expected else None
        status = _status(budget=budget, spend=inputs.month_spend, pace=pace, low=low, high=high)
        exhaustion = exhaustion_date(today=today, budget=budget, end_of_today=end_of_today, rate=rate)
    expected_daily = (
        None if inputs.daily_budget is None else round_money(Fraction(inputs.daily_budget) * day_part)
    )
    return Pacing(
        month_elapsed=round_ratio(month_part),
        expected_monthly_spend=expected_monthly,
        month_pace=pace,
        status=status,
        run_rate_daily=rate,
        projected_monthly_spend=projected,
        projected_exhaustion=exhaustion,
        day_elapsed=round_ratio(day_part),
        expected_daily_spend=expected_daily,
        run_rate_days=rate_days,
    )
