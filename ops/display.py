"""How money, campaigns and moments look in the console: figures, colored usage bars, labels.

Green below 80% of the budget, amber from 80% up to 100%, red at or over it (spend equal
to the budget exhausts it).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.timeutils import get_zone

AMBER_FROM = Decimal("0.80")
COLORS = {"green": "#2e7d32", "amber": "#e69500", "red": "#c62828"}
BAR_STYLE = (
    "display:inline-block;vertical-align:middle;width:64px;height:10px;"
    "background:#e0e0e0;border-radius:3px;overflow:hidden;margin-right:6px"
)


def money(value: Decimal | None, currency: str = "") -> str:
    """The one money format of the console, its dashboard and its exports: thousands
    separators, two decimals, and the currency code when given ("1,026.82 USD")."""
    if value is None:
        return "-"
    return f"{value:,.2f} {currency}" if currency else f"{value:,.2f}"


def campaign_label(brand_name: str, campaign_name: str) -> str:
    """How a person tells campaigns apart: "Acme / Black Friday" (names repeat across brands)."""
    return f"{brand_name} / {campaign_name}"


def local_time(moment: dt.datetime, timezone: str) -> SafeString:
    """A moment in a brand's time zone, with UTC on hover."""
    return format_html(
        '<time datetime="{}" title="{} UTC" style="white-space:nowrap">{}</time>',
        moment.isoformat(),
        f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S}",
        f"{moment.astimezone(get_zone(timezone)):%Y-%m-%d %H:%M:%S %Z}",
    )


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


def usage_bar(spend: Decimal, budget: Decimal | None, currency: str = "") -> SafeString:
    """Spend and budget as figures (in ``currency``), with a bar when there is a cap."""
    level = usage_level(spend, budget)
    percent = usage_percent(spend, budget)
    if level is None or percent is None:
        return format_html(
            '<span class="ops-nocap"><span style="white-space:nowrap">{}</span><br>'
            "<small>(no cap)</small></span>",
            money(spend, currency),
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
        money(budget, currency),
    )
