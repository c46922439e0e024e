"""Pacing of any list of brands and campaigns from the spend rollups, in one query.

The reader side of ``spending.pacing`` (a selector; the caller passes the moment, nothing
here reads the clock). Per owner, at its brand-local date ``today``:

- ``day_spend``: the daily rollup row of ``today``;
- ``month_spend``: the monthly rollup row of ``today``'s month minus the daily rows dated
  after ``today`` in that month (as ``spending.selectors.period_totals`` reads it: spend
  dated ahead is not month-to-date);
- ``recent``: the daily rows of the 7 days before ``today`` (the run-rate window);
- ``first_day``: the owner's ``created_at`` as a date in its brand's time zone (a younger
  owner averages fewer days).

One statement whatever the number of owners: a ``UNION ALL`` of the brand and campaign
daily rows from ``today - 7`` to the end of ``today``'s month and the monthly rows of
``today``'s month, one ``OR`` branch per distinct local date (at most three at a moment:
time zones span about 26 hours). Campaigns take their brand's time zone from
``campaign.brand``; campaigns whose brand is not loaded cost one more query for all of them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import CharField, F, Q, QuerySet, Value

from brands.models import Brand
from campaigns.models import Campaign
from core.money import ZERO, to_money
from core.timeutils import local_date, month_end, month_start
from spending.models import BrandDailySpend, BrandMonthlySpend, CampaignDailySpend, CampaignMonthlySpend
from spending.pacing import PACING_HIGH, PACING_LOW, RUN_RATE_DAYS, Pacing, PacingInputs, compute_pacing


@dataclass(frozen=True, slots=True)
class _Owner:
    pk: int
    timezone: str
    daily_budget: Decimal | None
    monthly_budget: Decimal | None
    created_at: dt.datetime
    today: dt.date


@dataclass(slots=True)
class _Rows:
    daily: dict[dt.date, Decimal] = field(default_factory=dict)
    monthly: Decimal = ZERO


def _owner(
    pk: int,
    timezone: str,
    budgets: tuple[Decimal | None, Decimal | None],
    created_at: dt.datetime,
    at: dt.datetime,
) -> _Owner:
    return _Owner(pk, timezone, budgets[0], budgets[1], created_at, local_date(timezone, at))


def _campaign_zones(campaigns: Sequence[Campaign]) -> dict[int, str]:
    """The time zone of each campaign's brand: from the loaded brand, else one query."""
    zones: dict[int, str] = {}
    missing: set[int] = set()
    for campaign in campaigns:
        if Campaign.brand.is_cached(campaign):
            zones[campaign.brand_id] = campaign.brand.timezone
        else:
            missing.add(campaign.brand_id)
    if missing - zones.keys():
        zones.update(Brand.objects.filter(pk__in=missing - zones.keys()).values_list("pk", "timezone"))
    return zones


def _rows_query(
    daily_model: Any, monthly_model: Any, key: str, kind: str, owners: Iterable[_Owner]
) -> list[QuerySet[Any, tuple[Any, ...]]]:
    """The daily and monthly rollup rows of ``owners`` as (kind, owner id, date, amount)."""
    ids_by_day: dict[dt.date, list[int]] = defaultdict(list)
    for owner in owners:
        ids_by_day[owner.today].append(owner.pk)
    if not ids_by_day:
        return []
    daily = Q()
    monthly = Q()
    for today, ids in sorted(ids_by_day.items()):
        first = today - dt.timedelta(days=RUN_RATE_DAYS)
        daily |= Q(**{f"{key}__in": ids}, date__gte=first, date__lte=month_end(today))
        monthly |= Q(**{f"{key}__in": ids}, month=month_start(today))
    return [
        daily_model.objects.filter(daily)
        .annotate(kind=Value(f"{kind}d", output_field=CharField()), owner=F(key), day=F("date"))
        .values_list("kind", "owner", "day", "amount"),
        monthly_model.objects.filter(monthly)
        .annotate(kind=Value(f"{kind}m", output_field=CharField()), owner=F(key), day=F("month"))
        .values_list("kind", "owner", "day", "amount"),
    ]


def _inputs(owner: _Owner, rows: _Rows) -> PacingInputs:
    today = owner.today
    window = today - dt.timedelta(days=RUN_RATE_DAYS)
    ahead = sum((amount for day, amount in rows.daily.items() if today < day <= month_end(today)), ZERO)
    return PacingInputs(
        timezone=owner.timezone,
        daily_budget=owner.daily_budget,
        monthly_budget=owner.monthly_budget,
        day_spend=rows.daily.get(today, ZERO),
        month_spend=rows.monthly - ahead,
        recent={day: amount for day, amount in rows.daily.items() if window <= day < today},
        first_day=local_date(owner.timezone, owner.created_at),
    )


def pacing_inputs(
    *, brands: Sequence[Brand] = (), campaigns: Sequence[Campaign] = (), at: dt.datetime
) -> tuple[dict[int, PacingInputs], dict[int, PacingInputs]]:
    """The inputs of ``compute_pacing`` by id, for brands and for campaigns, at ``at``.

    One query (none for empty lists; one more when some campaigns' brands are not loaded).
    """
    zones = _campaign_zones(campaigns)
    owners = {
        "b": [_owner(b.pk, b.timezone, (b.daily_budget, b.monthly_budget), b.created_at, at) for b in brands],
        "c": [
            _owner(c.pk, zones[c.brand_id], (c.daily_budget, c.monthly_budget), c.created_at, at)
            for c in campaigns
        ],
    }
    queries = [
        *_rows_query(BrandDailySpend, BrandMonthlySpend, "brand_id", "b", owners["b"]),
        *_rows_query(CampaignDailySpend, CampaignMonthlySpend, "campaign_id", "c", owners["c"]),
    ]
    rows: dict[str, dict[int, _Rows]] = {kind: defaultdict(_Rows) for kind in owners}
    if queries:
        for kind, owner_id, day, amount in queries[0].union(*queries[1:], all=True):
            found = rows[kind[0]][int(owner_id)]
            if kind[1] == "m":
                found.monthly += to_money(amount)
            else:
                found.daily[day] = found.daily.get(day, ZERO) + to_money(amount)
    brand_inputs, campaign_inputs = (
        {owner.pk: _inputs(owner, rows[kind][owner.pk]) for owner in owners[kind]} for kind in ("b", "c")
    )
    return brand_inputs, campaign_inputs


def pace_bands() -> tuple[Decimal, Decimal]:
    """(low, high): the settings ``PACING_LOW`` and ``PACING_HIGH`` when present, else 0.9
    and 1.1."""
    low = Decimal(str(getattr(settings, "PACING_LOW", PACING_LOW)))
    high = Decimal(str(getattr(settings, "PACING_HIGH", PACING_HIGH)))
    return low, high


def pacing_for(
    *,
    brands: Sequence[Brand] = (),
    campaigns: Sequence[Campaign] = (),
    at: dt.datetime,
    low: Decimal | None = None,
    high: Decimal | None = None,
) -> tuple[dict[int, Pacing], dict[int, Pacing]]:
    """The ``pacing`` block by id, for brands and for campaigns, at ``at`` (queries as
    ``pacing_inputs``). The pace bands default to the settings ``PACING_LOW`` and
    ``PACING_HIGH`` when present, else 0.9 and 1.1."""
    default_low, default_high = pace_bands()
    low = low if low is not None else default_low
    high = high if high is not None else default_high
    brand_inputs, campaign_inputs = pacing_inputs(brands=brands, campaigns=campaigns, at=at)

    def computed(inputs: Mapping[int, PacingInputs]) -> dict[int, Pacing]:
        return {pk: compute_pacing(item, at=at, low=low, high=high) for pk, item in inputs.items()}

    return computed(brand_inputs), computed(campaign_inputs)
