"""The ops dashboard: today in each brand's own time zone, at a glance.

Scoped (``ops.scope``): every panel and the chart count only the brands and campaigns the
viewer may see; ``?brand=`` naming another team's brand shows the default chart, as an
unknown id does."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse

from access.roles import Action
from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from core.money import ZERO
from core.timeutils import local_date, now
from events.models import Event
from ops import audit
from ops.charts import pace_points, spend_chart
from ops.display import PACE_WORDS, campaign_label, local_time, money, percent_text, usage_bar
from ops.pacing import at_risk
from ops.scope import in_scope
from ops.selectors import (
    annotated,
    brand_spend_history,
    campaign_state_counts,
    closest_to_caps,
    currency_totals,
    dashboard_brands,
    schedule_names,
    todays_events,
)

CHART_DAYS = 30
TODAY_EVENTS = 25
CAMPAIGNS = "admin:campaigns_campaign_changelist"


def _event_row(event: Event, schedules: dict[int, str]) -> dict[str, Any]:
    """One line of "What happened today": in the brand's time zone, linked to its campaign
    (or brand)."""
    if event.campaign is not None:
        subject = campaign_label(event.campaign.brand.name, event.campaign.name)
        link = reverse("admin:campaigns_campaign_change", args=[event.campaign.pk])
    elif event.brand is not None:
        subject, link = event.brand.name, reverse("admin:brands_brand_change", args=[event.brand.pk])
    else:
        subject, link = "", ""
    return {
        "when": local_time(event.occurred_at, event.brand.timezone if event.brand is not None else "UTC"),
        "what": audit.what(event),
        "subject": subject,
        "link": link,
        "why": audit.why(event),
        "who": audit.who(event),
        "change": audit.change(event, schedules),
    }


def dashboard(request: HttpRequest) -> TemplateResponse:
    moment = now()
    brands = dashboard_brands(moment, in_scope(request, Brand, Action.READ))
    closest = closest_to_caps(brands)
    counts = campaign_state_counts(in_scope(request, Campaign, Action.READ))
    campaigns = reverse(CAMPAIGNS)
    # Each count links to the campaign list filtered to exactly those campaigns.
    stopped = [
        (reason.label, counts.get(reason.value, 0), f"{campaigns}?pause_reason__exact={reason.value}")
        for reason in PauseReason
    ]
    by_status = [
        (
            f"Status {status.label.lower()} (set by a person)",
            counts.get(f"status:{status.value}", 0),
            f"{campaigns}?status__exact={status.value}",
        )
        for status in Status
        if status != Status.ACTIVE
    ]
    events = todays_events(moment, TODAY_EVENTS, in_scope(request, Brand, Action.READ))
    schedules = schedule_names(audit.schedule_ids(events))
    chosen = _chosen_brand(request, brands, [usage.brand for usage in closest])
    chart = None
    if chosen is not None:
        history = brand_spend_history(chosen, moment, CHART_DAYS)
        pace = (
            []
            if chosen.monthly_budget is None
            else pace_points(
                history,
                monthly_budget=chosen.monthly_budget,
                month_spend=annotated(chosen, "month_spend"),
                timezone=chosen.timezone,
                at=moment,
            )
        )
        chart = {
            "brand": chosen,
            "svg": spend_chart(history, chosen.daily_budget, chosen.currency, pace),
            "pace": None
            if not pace
            else {
                "budget": money(chosen.monthly_budget, chosen.currency),
                "expected": money(pace[-1].expected, chosen.currency),
                "actual": money(pace[-1].actual, chosen.currency),
            },
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
        "serving_link": f"{campaigns}?is_active__exact=1",
        "stopped": stopped,
        "stopped_total": sum(count for _, count, _ in stopped),
        "stopped_link": f"{campaigns}?status__exact={Status.ACTIVE.value}&is_active__exact=0",
        "today_events": [_event_row(event, schedules) for event in events],
        "all_events": reverse("admin:events_event_changelist"),
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
        "at_risk": [
            {
                "item": item,
                "kind": item.kind,
                "status": PACE_WORDS[item.pacing.status.value],
                "pace": percent_text(item.pacing.month_pace),
                "run_rate": money(item.pacing.run_rate_daily),
                "projected": money(item.pacing.projected_monthly_spend),
                "budget": money(item.monthly_budget, item.currency),
            }
            for item in at_risk(in_scope(request, Brand, Action.READ), in_scope(request, Campaign), moment)
        ],
        "at_risk_links": {
            "brands": f"{reverse('admin:brands_brand_changelist')}?pacing=exhausts",
            "campaigns": f"{campaigns}?pacing=exhausts",
        },
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
