"""A server-rendered SVG bar chart of daily spend against the daily budget (no scripts,
nothing loaded from elsewhere)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from ops.display import COLORS, money, usage_level
from ops.selectors import ChartDay

WIDTH, HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 10, 14, 34
NO_CAP_COLOR = "#417690"  # the admin's own blue


def _scale_top(values: Sequence[Decimal]) -> Decimal:
    top = max(values, default=Decimal(0))
    return top * Decimal("1.1") if top > 0 else Decimal(1)


def spend_chart(days: Sequence[ChartDay], daily_budget: Decimal | None, currency: str) -> SafeString:
    """One ``rect.bar`` per day (colored by its share of the budget) and a dashed budget line."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
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
    budget_line = SafeString("")
    if daily_budget is not None:
        budget_line = format_html(
            '<line class="budget" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#c62828" stroke-width="2" '
            'stroke-dasharray="6 4"/><text x="{}" y="{}" text-anchor="start" font-size="11" '
            'fill="#c62828">daily budget {}</text>',
            LEFT,
            WIDTH - RIGHT,
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
        '<g class="bars">{}</g>{}'
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#999"/></svg>',
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        len(days),
        format_html_join(
            "", '<line x1="{}" x2="{}" y1="{}" y2="{}"/>', ((LEFT, WIDTH - RIGHT, t[0], t[0]) for t in ticks)
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
        LEFT,
        WIDTH - RIGHT,
        TOP + plot_h,
        TOP + plot_h,
    )
