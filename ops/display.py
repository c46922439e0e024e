"""How spend against a budget looks in the admin: figures and a colored usage bar.

Green below 80% of the budget, amber from 80% up to 100%, red at or over it (spend equal
to the budget exhausts it).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString

AMBER_FROM = Decimal("0.80")
COLORS = {"green": "#2e7d32", "amber": "#e69500", "red": "#c62828"}
BAR_STYLE = (
    "display:inline-block;vertical-align:middle;width:80px;height:10px;"
    "background:#e0e0e0;border-radius:3px;overflow:hidden;margin-right:6px"
)


def money(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def usage_level(spend: Decimal, budget: Decimal | None) -> str | None:
    """``green``, ``amber`` or ``red``; ``None`` when there is no cap."""
    if budget is None:
        return None
    if spend >= budget:
        return "red"
    if spend >= budget * AMBER_FROM:
        return "amber"
    return "green"


def usage_percent(spend: Decimal, budget: Decimal | None) -> int | None:
    """Whole percent of the budget spent (a zero budget is fully used)."""
    if budget is None:
        return None
    if budget == 0:
        return 100
    return int(spend * 100 / budget)


def usage_bar(spend: Decimal, budget: Decimal | None) -> SafeString:
    """Spend and budget as figures, with a bar when there is a cap."""
    level = usage_level(spend, budget)
    percent = usage_percent(spend, budget)
    if level is None or percent is None:
        return format_html(
            '<span class="ops-nocap" style="white-space:nowrap">{} <small>(no cap)</small></span>',
            money(spend),
        )
    return format_html(
        '<span class="ops-usage" title="{}% of the budget"><span style="white-space:nowrap">'
        '<span class="ops-bar ops-bar--{}" data-level="{}" style="{}">'
        '<span style="display:block;height:100%;width:{}%;background:{}"></span></span>'
        '<small>{}%</small></span><br><span style="white-space:nowrap">{} / {}</span></span>',
        percent,
        level,
        level,
        BAR_STYLE,
        min(percent, 100),
        COLORS[level],
        percent,
        money(spend),
        money(budget),
    )
