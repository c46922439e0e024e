"""A server-rendered SVG bar chart of daily spend against the daily budget (no scripts,
nothing loaded from elsewhere); for a brand with a monthly budget, two lines on a right-hand
scale over the current month's days: the expected pace (monthly budget x month elapsed at
each day's end, now for today) and the month-to-date spend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from core.money import ZERO
from core.timeutils import local_date, month_start
from ops.display import COLORS, money, usage_level
from ops.selectors import ChartDay
from spending.pacing import local_day_start, month_fraction, round_money

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 10, 14, 34
RIGHT_WITH_PACE = 74
NO_CAP_COLOR = "#417690"  # the admin's own blue
PACE_COLOR = "#6a1b9a"
MONTH_TO_DATE_COLOR = "#263238"


@dataclass(frozen=True, slots=True)
class PacePoint:
    day: dt.date
    expected: Decimal  # monthly budget x the month elapsed at the day's end (now, for today)
    actual: Decimal  # month-to-date spend at the day's end


def pace_points(
    days: Sequence[ChartDay], *, monthly_budget: Decimal, month_spend: Decimal, timezone: str, at: dt.datetime
) -> list[PacePoint]:
    """The expected pace and the month-to-date spend on each of ``days`` (ending today, in
    ``timezone``) that lies in the current local month. ``month_spend`` is the month to date
    now: each earlier day's figure is it less the spend of the days after."""
    today = local_date(timezone, at)
    first = month_start(today)
    points: list[PacePoint] = []
    later = ZERO
    for day in sorted((d for d in days if first <= d.day <= today), key=lambda d: d.day, reverse=True):
        end = at if day.day == today else local_day_start(timezone, day.day + dt.timedelta(days=1))
        expected = round_money(month_fraction(timezone, end) * Fraction(monthly_budget))
        points.append(PacePoint(day.day, expected, month_spend - later))
        later += day.spend
    return points[::-1]


def _scale_top(values: Sequence[Decimal]) -> Decimal:
    top = max(values, default=Decimal(0))
    return top * Decimal("1.1") if top > 0 else Decimal(1)


def spend_chart(
    days: Sequence[ChartDay], daily_budget: Decimal | None, currency: str, pace: Sequence[PacePoint] = ()
) -> SafeString:
    """One ``rect.bar`` per day (colored by its share of the budget), a dashed budget line,
    and with ``pace`` the ``polyline.pace`` and ``polyline.month-to-date`` lines."""
    right = RIGHT_WITH_PACE if pace else RIGHT
    plot_w, plot_h = WIDTH - LEFT - right, HEIGHT - TOP - BOTTOM
    top = _scale_top([d.spend for d in days] + ([daily_budget] if daily_budget is not None else []))
    slot = Decimal(plot_w) / max(len(days), 1)
    bar_w = max(slot * Decimal("0.7"), Decimal(1))

    def y(value: Decimal) -> Decimal:
        return TOP + plot_h - (value / top) * plot_h

    bars = []
    labels = []
    for index, day in enumerate(days):
        level = usage_level(day.spend, daily_budget)
        x = LEFT + slot * index + (slot - bar_w) / 2
        height = (day.spend / top) * plot_h
        bars.append(
            (
                f"{x:.1f}",
                f"{y(day.spend):.1f}",
                f"{bar_w:.1f}",
                f"{height:.1f}",
                COLORS[level] if level else NO_CAP_COLOR,
                day.day.isoformat(),
                f"{day.spend:.2f}",
                f"{day.day:%a %d %b}: {money(day.spend)} {currency}",
            )
        )
        if index % 5 == 0 or index == len(days) - 1:
            labels.append((f"{x + bar_w / 2:.1f}", HEIGHT - BOTTOM + 16, f"{day.day:%d %b}"))
    ticks = [(f"{y(top * n / 4):.1f}", f"{LEFT - 6}", money(top * n / 4)) for n in range(5)]
    index_of = {day.day: index for index, day in enumerate(days)}
    pace_lines = _pace_lines(pace, [LEFT + slot * index_of[p.day] + slot / 2 for p in pace], plot_w, plot_h)
    budget_line = SafeString("")
    if daily_budget is not None:
        budget_line = format_html(
            '<line class="budget" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#c62828" stroke-width="2" '
            'stroke-dasharray="6 4"/><text x="{}" y="{}" text-anchor="start" font-size="11" '
            'fill="#c62828">daily budget {}</text>',
            LEFT,
            LEFT + plot_w,
            f"{y(daily_budget):.1f}",
            f"{y(daily_budget):.1f}",
            LEFT + 4,
            f"{y(daily_budget) - 4:.1f}",
            money(daily_budget),
        )
    return format_html(
        '<svg id="spend-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="{}" '
        'height="{}" role="img" aria-label="Daily spend for the last {} days against the daily budget" '
        'font-family="sans-serif">'
        '<g class="grid" stroke="#ddd">{}</g>'
        '<g class="axis" font-size="11" fill="#555">{}{}</g>'
        '<g class="bars">{}</g>{}{}'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#999"/></svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        len(days),
        format_html_join(
            "", '<line x1="{}" x2="{}" y1="{}" y2="{}"/>', ((LEFT, LEFT + plot_w, t[0], t[0]) for t in ticks)
        ),
        format_html_join(
            "", '<text x="{}" y="{}" text-anchor="end" dy="4">{}</text>', ((t[1], t[0], t[2]) for t in ticks)
        ),
        format_html_join("", '<text x="{}" y="{}" text-anchor="middle">{}</text>', labels),
        format_html_join(
            "",
            '<rect class="bar" x="{}" y="{}" width="{}" height="{}" fill="{}" data-date="{}" '
            'data-spend="{}"><title>{}</title></rect>',
            bars,
        ),
        budget_line,
        pace_lines,
        LEFT,
        LEFT + plot_w,
        TOP + plot_h,
        TOP + plot_h,
    )


def _pace_lines(pace: Sequence[PacePoint], xs: Sequence[Decimal], plot_w: int, plot_h: int) -> SafeString:
    """The expected pace (dashed) and the month to date (solid) on their own scale, labelled
    on the right."""
    if not pace:
        return SafeString("")
    top = _scale_top([p.expected for p in pace] + [p.actual for p in pace])

    def y(value: Decimal) -> str:
        return f"{TOP + plot_h - (value / top) * plot_h:.1f}"

    def points(values: Sequence[Decimal]) -> str:
        return " ".join(f"{x:.1f},{y(v)}" for x, v in zip(xs, values, strict=True))

    axis_x = LEFT + plot_w + 6
    ticks = [(axis_x, y(top * n / 4), money(top * n / 4)) for n in range(5)]
    return format_html(
        '<g class="pace-axis" font-size="11" fill="{}">{}</g>'
        '<polyline class="pace" points="{}" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="4 3">'
        "<title>Expected pace: {} by today</title></polyline>"
        '<polyline class="month-to-date" points="{}" fill="none" stroke="{}" stroke-width="2">'
        "<title>Month to date: {}</title></polyline>",
        PACE_COLOR,
        format_html_join("", '<text x="{}" y="{}" dy="4">{}</text>', ticks),
        points([p.expected for p in pace]),
        PACE_COLOR,
        money(pace[-1].expected),
        points([p.actual for p in pace]),
        MONTH_TO_DATE_COLOR,
        money(pace[-1].actual),
    )
