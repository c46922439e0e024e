"""Read paths for campaigns, and the snapshots the serving rule evaluates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from campaigns.models import Campaign, CampaignEvent
from campaigns.rules import CampaignSnapshot, Decision, PauseReason, ScheduleSnapshot, Status, evaluate
from campaigns.rules import blocking_reasons as rule_blocking_reasons
from core.timeutils import local_date, now
from scheduling.windows import Window
from spending.selectors import Totals, brand_period_totals, campaign_period_totals

if TYPE_CHECKING:
    from brands.models import Brand


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("brand", "dayparting_schedule")


def serving_campaigns(*, brand: Brand) -> QuerySet[Campaign]:
    return Campaign.objects.filter(brand_id=brand.pk, is_active=True).order_by("pk")


def campaigns_for_evaluation(queryset: QuerySet[Campaign] | None = None) -> QuerySet[Campaign]:
    """Campaigns with everything ``build_snapshots`` reads already loaded (3 queries)."""
    base = Campaign.objects.all() if queryset is None else queryset
    return base.select_related("brand", "dayparting_schedule").prefetch_related(
        "dayparting_schedule__windows"
    )


def campaign_events(*, campaign: Campaign) -> QuerySet[CampaignEvent]:
    return CampaignEvent.objects.filter(campaign_id=campaign.pk).select_related("actor_user")


def _schedule_snapshot(campaign: Campaign, cache: dict[int, tuple[Window, ...]]) -> ScheduleSnapshot | None:
    schedule = campaign.dayparting_schedule
    if schedule is None or not schedule.is_active:
        return None
    windows = cache.get(schedule.pk)
    if windows is None:
        windows = tuple(window.as_window() for window in schedule.windows.all())
        cache[schedule.pk] = windows
    return ScheduleSnapshot(windows=windows, timezone=schedule.effective_timezone(campaign.brand.timezone))


def build_snapshots(
    campaigns: Iterable[Campaign],
    moment: dt.datetime,
    *,
    brand_totals: Mapping[int, Totals] | None = None,
) -> dict[int, CampaignSnapshot]:
    """Snapshots for campaigns whose brand and schedule (with windows) are loaded.

    One query for brand totals and one for campaign totals per distinct local date (at
    most three dates at any moment), whatever the number of campaigns. ``brand_totals``
    may be given by a caller that has just computed them.
    """
    campaigns = list(campaigns)
    brand_day = {c.brand_id: local_date(c.brand.timezone, moment) for c in campaigns}
    if brand_totals is None or not brand_day.keys() <= brand_totals.keys():
        brand_totals = brand_period_totals(brand_day)
    campaign_totals = campaign_period_totals({c.pk: brand_day[c.brand_id] for c in campaigns})
    windows_cache: dict[int, tuple[Window, ...]] = {}
    snapshots: dict[int, CampaignSnapshot] = {}
    for campaign in campaigns:
        brand = campaign.brand
        brand_day_spend, brand_month_spend = brand_totals[brand.pk]
        day_spend, month_spend = campaign_totals[campaign.pk]
        snapshots[campaign.pk] = CampaignSnapshot(
            status=campaign.status,
            brand_is_active=brand.is_active,
            brand_daily_budget=brand.daily_budget,
            brand_monthly_budget=brand.monthly_budget,
            brand_day_spend=brand_day_spend,
            brand_month_spend=brand_month_spend,
            daily_budget=campaign.daily_budget,
            monthly_budget=campaign.monthly_budget,
            day_spend=day_spend,
            month_spend=month_spend,
            schedule=_schedule_snapshot(campaign, windows_cache),
        )
    return snapshots


def campaign_snapshot(*, campaign: Campaign, moment: dt.datetime | None = None) -> CampaignSnapshot:
    return build_snapshots([campaign], moment or now())[campaign.pk]


def campaign_decision(*, campaign: Campaign, moment: dt.datetime | None = None) -> Decision:
    moment = moment or now()
    return evaluate(campaign_snapshot(campaign=campaign, moment=moment), moment)


def campaign_blocking_reasons(
    *, campaign: Campaign, moment: dt.datetime | None = None
) -> tuple[PauseReason, ...]:
    """Every rule except ``status`` that would stop the campaign at ``moment``."""
    moment = moment or now()
    return rule_blocking_reasons(campaign_snapshot(campaign=campaign, moment=moment), moment)


def active_status_campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.filter(status=Status.ACTIVE)
