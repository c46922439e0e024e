"""How money, campaigns and moments look in the console: figures, colored usage bars, labels.

Green below 80% of the budget, amber from 80% up to 100%, red at or over it (spend equal
to the budget exhausts it). Pacing bands (``pacing_band``) say their status in words and
figures, the colour only repeats it: under pace blue, on pace green, over pace amber,
exhausted red, no monthly budget grey.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.timeutils import get_zone

if TYPE_CHECKING:
    from spending.pacing import Pacing

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
    """Spend and budget as figures (in ``currency``), with a bar when there is a cap. The
    figures may wrap at their spaces, so that a list of wide amounts (lakhs of rupees)
    still fits a 1440 px screen."""
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
        "<small>{}%</small></span><br><span>{} / {}</span></span>",
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


PACE_COLORS = {
    "under_pace": "#417690",  # the admin's own blue
    "on_pace": COLORS["green"],
    "over_pace": COLORS["amber"],
    "exhausted": COLORS["red"],
    "no_budget": "#757575",
}
PACE_WORDS = {
    "under_pace": "Under pace",
    "on_pace": "On pace",
    "over_pace": "Over pace",
    "exhausted": "Exhausted",
    "no_budget": "No budget",  # under "Pacing (month)": no monthly budget
}
PILL_STYLE = (
    "display:inline-block;white-space:nowrap;padding:1px 6px;border-radius:3px;"
    "border-left:6px solid {};background:#f4f4f4;color:#222;font-weight:bold;font-size:11px"
)


def percent_text(share: Fraction | float | None) -> str:
    """A share as a whole percent, rounded down ("92%"); "-" when there is none."""
    if share is None:
        return "-"
    exact = Fraction(str(share)) if isinstance(share, float) else share  # 1.2, not 1.19999...
    return f"{int(exact * 100)}%"


def pacing_band(pacing: Pacing, used: Fraction | None) -> SafeString:
    """The pacing status as a coloured band with its name, then the month's pace and the
    largest share of a cap used ("92% of pace, 45% of a cap used"); the projected
    exhaustion date, when there is one, on hover and as text."""
    status = pacing.status.value
    pace = "no pace yet" if pacing.month_pace is None else f"{percent_text(pacing.month_pace)} of pace"
    details = pace if status != "no_budget" else "no pace"
    used_text = "no cap" if used is None else f"{percent_text(used)} cap used"
    exhaustion = pacing.projected_exhaustion
    title = f"Projected month-end spend {money(pacing.projected_monthly_spend)}"
    if exhaustion is not None:
        title += f"; budget used up on {exhaustion:%Y-%m-%d}"
    return format_html(
        '<span class="ops-pace ops-pace--{}" data-status="{}" title="{}">'
        '<span class="ops-pace-band" style="{}">{}</span><br>'
        '<small style="white-space:nowrap">{}</small><br>'
        '<small style="white-space:nowrap">{}</small>{}</span>',
        status,
        status,
        title,
        format_html(PILL_STYLE, PACE_COLORS[status]),
        PACE_WORDS[status],
        details,
        used_text,
        format_html('<br><small style="white-space:nowrap">out on {}</small>', f"{exhaustion:%d %b}")
        if exhaustion is not None and status != "exhausted"
        else "",
    )
