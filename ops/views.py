"""The ops dashboard: today in each brand's own time zone, at a glance."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse

from brands.models import Brand
from campaigns.rules import PauseReason, Status
from core.money import ZERO
from core.timeutils import local_date, now
from ops.charts import spend_chart
from ops.display import money, usage_bar
from ops.selectors import (
    brand_spend_history,
    campaign_state_counts,
    closest_to_caps,
    currency_totals,
    dashboard_brands,
)

CHART_DAYS = 30


def dashboard(request: HttpRequest) -> TemplateResponse:
    moment = now()
    brands = dashboard_brands(moment)
    closest = closest_to_caps(brands)
    counts = campaign_state_counts()
    stopped = [(reason.label, counts.get(reason.value, 0)) for reason in PauseReason]
    by_status = [
        (f"Status {status.label.lower()} (set by a person)", counts.get(f"status:{status.value}", 0))
        for status in Status
        if status != Status.ACTIVE
    ]
    chosen = _chosen_brand(request, brands, [usage.brand for usage in closest])
    chart = None
    if chosen is not None:
        history = brand_spend_history(chosen, moment, CHART_DAYS)
        chart = {
            "brand": chosen,
            "svg": spend_chart(history, chosen.daily_budget, chosen.currency),
            "days": len(history),
            "first": history[0].day,
            "last": history[-1].day,
            "total": money(sum((day.spend for day in history), ZERO), chosen.currency),
        }
    context = {
        **admin.site.each_context(request),
        "title": "Ops dashboard",
        "moment": moment,
        "totals": [
            {
                "row": row,
                "today_bar": usage_bar(row.today_spend_capped, row.daily_budget or None, row.currency),
                "month_bar": usage_bar(row.month_spend_capped, row.monthly_budget or None, row.currency),
                "today": money(row.today_spend),
                "month": money(row.month_spend),
            }
            for row in currency_totals(brands)
        ],
        "serving": counts.get("serving", 0),
        "stopped": stopped,
        "stopped_total": sum(count for _, count in stopped),
        "by_status": by_status,
        "closest": [
            {
                "usage": usage,
                "percent": int(usage.closeness * 100),
                "local_today": local_date(usage.brand.timezone, moment),
                "today_bar": usage_bar(usage.today_spend, usage.brand.daily_budget, usage.brand.currency),
                "month_bar": usage_bar(usage.month_spend, usage.brand.monthly_budget, usage.brand.currency),
            }
            for usage in closest
        ],
        "brands": brands,
        "chart": chart,
        "chart_days": CHART_DAYS,
    }
    return TemplateResponse(request, "ops/dashboard.html", context)


def _chosen_brand(request: HttpRequest, brands: list[Brand], closest: list[Brand]) -> Brand | None:
    """The brand in ``?brand=``, else the one closest to its caps, else the first."""
    raw = request.GET.get("brand", "")
    by_pk = {brand.pk: brand for brand in brands}
    if raw.isdigit() and int(raw) in by_pk:
        return by_pk[int(raw)]
    if closest:
        return closest[0]
    return brands[0] if brands else None
