"""Read paths for campaigns, and the snapshots the serving rule evaluates.

The functions named as in the source documents (``can_be_activated``, ``should_be_paused``,
``is_within_dayparting_schedule``, ``get_active_campaigns``) take the campaign (or brand) as
first argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from django.db.models import QuerySet

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import CampaignSnapshot, Decision, PauseReason, ScheduleSnapshot, evaluate, snapshot_of
from campaigns.rules import blocking_reasons as rule_blocking_reasons
from campaigns.store import schedule_snapshot
from core.timeutils import local_date, now
from scheduling.windows import Window
from spending.selectors import Totals, period_totals

ZERO_TOTALS: Totals = (Decimal("0.00"), Decimal("0.00"))


def serving_campaigns(*, brand: Brand) -> QuerySet[Campaign]:
    return Campaign.objects.filter(brand_id=brand.pk, is_active=True).order_by("pk")


def campaigns_for_evaluation(queryset: QuerySet[Campaign] | None = None) -> QuerySet[Campaign]:
    """Campaigns with everything ``build_snapshots`` reads already loaded (3 queries)."""
    base = Campaign.objects.all() if queryset is None else queryset
    return base.select_related("brand", "dayparting_schedule").prefetch_related(
        "dayparting_schedule__windows"
    )


def build_snapshots(
    campaigns: Iterable[Campaign],
    moment: dt.datetime,
    *,
    brand_totals: Mapping[int, Totals] | None = None,
    campaign_totals: Mapping[int, Totals] | None = None,
    schedules: Mapping[int, ScheduleSnapshot | None] | None = None,
    capped_only: bool = False,
) -> dict[int, CampaignSnapshot]:
    """Snapshots for campaigns whose brand and schedule (with windows) are loaded.

    One query for all spend totals, whatever the number of campaigns; none for the
    totals a caller passes because it has just computed them. ``schedules`` may carry
    ready schedule snapshots by campaign id (the record-spend path reads them itself).
    With ``capped_only`` (the sweeps) spend is read only for brands and campaigns that
    have a cap: without one the rule does not look at it, so it stays zero there.
    """
    campaigns = list(campaigns)
    brand_day = {c.brand_id: local_date(c.brand.timezone, moment) for c in campaigns}
    campaign_day = {c.pk: brand_day[c.brand_id] for c in campaigns}
    if capped_only:
        uncapped_brands = {
            c.brand_id: ZERO_TOTALS
            for c in campaigns
            if c.brand.daily_budget is None and c.brand.monthly_budget is None
        }
        uncapped = {
            c.pk: ZERO_TOTALS for c in campaigns if c.daily_budget is None and c.monthly_budget is None
        }
        brand_totals = {**uncapped_brands, **(brand_totals or {})}
        campaign_totals = {**uncapped, **(campaign_totals or {})}
    missing_brands = (
        brand_day
        if brand_totals is None
        else {pk: day for pk, day in brand_day.items() if pk not in brand_totals}
    )
    missing_campaigns = (
        campaign_day
        if campaign_totals is None
        else {pk: day for pk, day in campaign_day.items() if pk not in campaign_totals}
    )
    fetched = period_totals(brand_days=missing_brands, campaign_days=missing_campaigns)
    brand_totals = {**(brand_totals or {}), **fetched.brands}
    campaign_totals = {**(campaign_totals or {}), **fetched.campaigns}
    windows_cache: dict[int, tuple[Window, ...]] = {}
    snapshots: dict[int, CampaignSnapshot] = {}
    for campaign in campaigns:
        snapshots[campaign.pk] = snapshot_of(
            campaign,
            campaign.brand,
            brand_totals=brand_totals[campaign.brand_id],
            totals=campaign_totals[campaign.pk],
            schedule=(
                schedules[campaign.pk]
                if schedules is not None and campaign.pk in schedules
                else schedule_snapshot(campaign, windows_cache)
            ),
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


# --- The names ops staff know -----------------------------------------------------------


def decide(campaign: Campaign, moment: dt.datetime | None = None) -> Decision:
    """The serving decision at ``moment`` (default: now), from the pure rule."""
    return campaign_decision(campaign=campaign, moment=moment)


def can_be_activated(campaign: Campaign, moment: dt.datetime | None = None) -> bool:
    """Whether the campaign would serve at ``moment`` if its status were ``active``."""
    return not campaign_blocking_reasons(campaign=campaign, moment=moment)


def should_be_paused(campaign: Campaign, moment: dt.datetime | None = None) -> bool:
    """Whether it serves now but the rule says it must not."""
    return campaign.is_active and not decide(campaign, moment).serves


def is_within_dayparting_schedule(campaign: Campaign, moment: dt.datetime | None = None) -> bool:
    schedule = campaign.dayparting_schedule
    if schedule is None:
        return True
    return schedule.is_currently_active(moment or now(), brand_timezone=campaign.brand.timezone)


def get_active_campaigns(brand: Brand) -> QuerySet[Campaign]:
    """The brand's campaigns that are serving right now."""
    return serving_campaigns(brand=brand)
