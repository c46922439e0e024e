"""Read paths for spend: totals per period, from the daily rollups.

"Today" and "this month" are the brand's local day and month; callers pass the local
date, so these functions never read the clock. Month-to-date means from the first of
the month up to and including the given day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Sum

from core.money import ZERO, to_money
from core.timeutils import month_end, month_start
from spending.models import (
    BrandDailySpend,
    BrandMonthlySpend,
    CampaignDailySpend,
    CampaignMonthlySpend,
)

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


def period_totals_sql(
    *,
    brand_days: Mapping[int, dt.date] | None = None,
    campaign_days: Mapping[int, dt.date] | None = None,
) -> tuple[str, list[Any]]:
    """The SQL of ``period_totals``: rows of (kind, id, date, amount).

    Per rollup owner (``b`` brand, ``c`` campaign) and distinct local day: the monthly
    rollup row of the day's month (kind ``bm``/``cm``) and the daily rows from the day to
    the month's end (``bd``/``cd``): the day's own row, and any spend dated after it,
    which is not month-to-date. Two index probes per id, whatever the day of the month.
    """
    parts: list[str] = []
    params: list[Any] = []
    groups = (
        ("b", BrandDailySpend._meta.db_table, BrandMonthlySpend._meta.db_table, "brand_id", brand_days),
        (
            "c",
            CampaignDailySpend._meta.db_table,
            CampaignMonthlySpend._meta.db_table,
            "campaign_id",
            campaign_days,
        ),
    )
    for kind, daily, monthly, key, days in groups:
        keys_by_day: dict[dt.date, list[int]] = defaultdict(list)
        for item, day in (days or {}).items():
            keys_by_day[day].append(item)
        for day, keys in keys_by_day.items():
            # PostgreSQL takes the ids as one array parameter (cheaper to parse and plan
            # than a thousand placeholders); SQLite has no arrays.
            id_params: list[Any]
            if connection.vendor == "postgresql":
                ids, id_params = "= ANY(%s)", [keys]
            else:
                ids, id_params = "IN (" + ", ".join(["%s"] * len(keys)) + ")", list(keys)
            parts.append(
                f"SELECT '{kind}d', {key}, date, amount FROM {daily} "  # noqa: S608 - names are constants
                f"WHERE {key} {ids} AND date >= %s AND date <= %s"
            )
            params.extend([*id_params, day, month_end(day)])
            parts.append(
                f"SELECT '{kind}m', {key}, month, amount FROM {monthly} "  # noqa: S608
                f"WHERE {key} {ids} AND month = %s"
            )
            params.extend([*id_params, month_start(day)])
    return " UNION ALL ".join(parts), params


def read_period_totals(
    rows: Iterable[Sequence[Any]],
    *,
    brand_days: Mapping[int, dt.date] | None = None,
    campaign_days: Mapping[int, dt.date] | None = None,
) -> tuple[dict[int, Totals], dict[int, Totals]]:
    """Totals by id from the rows of ``period_totals_sql`` (zero where no row came back)."""
    days = {"b": brand_days or {}, "c": campaign_days or {}}
    sums: dict[str, dict[int, list[Decimal]]] = {
        owner: {item: [ZERO, ZERO] for item in owner_days} for owner, owner_days in days.items()
    }
    for kind, item, when, amount in rows:
        owner, part = kind[0], kind[1]
        key = int(item)
        money = to_money(amount)
        totals = sums[owner][key]
        if part == "m":
            totals[1] += money
            continue
        on = when if isinstance(when, dt.date) else dt.date.fromisoformat(str(when))
        if on == days[owner][key]:
            totals[0] += money
        else:  # dated after the day: in the monthly row, but not month-to-date
            totals[1] -= money
    brands = {item: (day, month) for item, (day, month) in sums["b"].items()}
    campaigns = {item: (day, month) for item, (day, month) in sums["c"].items()}
    return brands, campaigns


def period_totals(
    *,
    brand_days: Mapping[int, dt.date] | None = None,
    campaign_days: Mapping[int, dt.date] | None = None,
) -> tuple[dict[int, Totals], dict[int, Totals]]:
    """(day, month-to-date) totals of brands and of campaigns, each for its own local day.

    One query whatever the number of brands and campaigns: a ``UNION ALL`` of index
    probes into the daily and monthly rollups per distinct local date (at most three
    dates at any moment, since time zones span about 26 hours). Hand-written SQL: this
    is the hot path of every sweep batch.
    """
    sql, params = period_totals_sql(brand_days=brand_days, campaign_days=campaign_days)
    rows: list[Sequence[Any]] = []
    if sql:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = list(cursor.fetchall())
    return read_period_totals(rows, brand_days=brand_days, campaign_days=campaign_days)


def brand_period_totals(day_by_brand: Mapping[int, dt.date]) -> dict[int, Totals]:
    return period_totals(brand_days=day_by_brand)[0]
