"""Read paths for spend: totals per period, from the daily rollups.

"Today" and "this month" are the brand's local day and month; callers pass the local
date, so these functions never read the clock. Month-to-date means from the first of
the month up to and including the given day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet, Sum

from core.money import ZERO
from core.timeutils import month_start
from spending.models import BrandDailySpend, CampaignDailySpend, Spend

if TYPE_CHECKING:
    from brands.models import Brand
    from campaigns.models import Campaign

Totals = tuple[Decimal, Decimal]  # (day, month-to-date)


def campaign_day_spend(*, campaign: Campaign, day: dt.date) -> Decimal:
    total = CampaignDailySpend.objects.filter(campaign_id=campaign.pk, date=day).aggregate(
        total=Sum("amount")
    )["total"]
    return total or ZERO


def campaign_month_spend(*, campaign: Campaign, day: dt.date) -> Decimal:
    total = CampaignDailySpend.objects.filter(
        campaign_id=campaign.pk, date__gte=month_start(day), date__lte=day
    ).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


def brand_day_spend(*, brand: Brand, day: dt.date) -> Decimal:
    total = BrandDailySpend.objects.filter(brand_id=brand.pk, date=day).aggregate(total=Sum("amount"))[
        "total"
    ]
    return total or ZERO


def brand_month_spend(*, brand: Brand, day: dt.date) -> Decimal:
    total = BrandDailySpend.objects.filter(
        brand_id=brand.pk, date__gte=month_start(day), date__lte=day
    ).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


def _period_totals(
    queryset: QuerySet[CampaignDailySpend] | QuerySet[BrandDailySpend],
    key: str,
    day_by_key: Mapping[int, dt.date],
) -> dict[int, Totals]:
    """(day, month-to-date) totals for each key, where each key has its own local day.

    One query per distinct day among the keys (at most three at any moment, since
    time zones span about 26 hours), whatever the number of keys.
    """
    keys_by_day: dict[dt.date, list[int]] = defaultdict(list)
    for item, day in day_by_key.items():
        keys_by_day[day].append(item)
    totals: dict[int, Totals] = dict.fromkeys(day_by_key, (ZERO, ZERO))
    for day, keys in keys_by_day.items():
        rows = (
            queryset.filter(**{f"{key}__in": keys}, date__gte=month_start(day), date__lte=day)
            .values(key)
            .annotate(month=Sum("amount"), day=Sum("amount", filter=Q(date=day)))
            .order_by()
        )
        for row in rows:
            totals[row[key]] = (row["day"] or ZERO, row["month"] or ZERO)
    return totals


def campaign_period_totals(day_by_campaign: Mapping[int, dt.date]) -> dict[int, Totals]:
    return _period_totals(CampaignDailySpend.objects.all(), "campaign_id", day_by_campaign)


def brand_period_totals(day_by_brand: Mapping[int, dt.date]) -> dict[int, Totals]:
    return _period_totals(BrandDailySpend.objects.all(), "brand_id", day_by_brand)


def spend_list() -> QuerySet[Spend]:
    return Spend.objects.select_related("campaign", "brand").order_by("-date", "-pk")
