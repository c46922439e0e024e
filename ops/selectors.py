"""Read paths of the ops console: lists annotated with spend in each brand's own day.

The spend annotations are ``spending.selectors.spend_annotations`` (the one definition of
today and month to date): one query for the time zones in use, then the list is a single
query whatever its length.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Count,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from brands.models import Brand
from campaigns.models import Campaign
from core.money import ZERO
from core.timeutils import get_zone, local_date
from events.models import Event
from scheduling.models import DaypartingSchedule
from spending.models import BrandDailySpend, Spend
from spending.selectors import spend_annotations
from spending.store import Owner


def brands_with_spend(queryset: QuerySet[Brand], moment: dt.datetime | None = None) -> QuerySet[Brand]:
    """Brands with ``today_spend``, ``month_spend`` (brand-local) and ``serving_campaigns``."""
    serving = (
        Campaign.objects.filter(brand_id=OuterRef("pk"), is_active=True)
        .order_by()
        .values("brand_id")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return queryset.annotate(
        **spend_annotations(Owner.BRAND, "timezone", moment),
        serving_campaigns=Coalesce(
            Subquery(serving, output_field=IntegerField()), Value(0), output_field=IntegerField()
        ),
    )


def campaigns_with_spend(
    queryset: QuerySet[Campaign], moment: dt.datetime | None = None
) -> QuerySet[Campaign]:
    """Campaigns with their own ``today_spend`` and ``month_spend`` in their brand's day."""
    return queryset.annotate(**spend_annotations(Owner.CAMPAIGN, "brand__timezone", moment))


def annotated(obj: Model, name: str) -> Decimal:
    """An annotation the list querysets above add (zero when the object came from elsewhere)."""
    value = getattr(obj, name, None)
    return ZERO if value is None else Decimal(value)


# --- The dashboard ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CurrencyTotals:
    currency: str
    brands: int
    today_spend: Decimal
    daily_budget: Decimal
    today_spend_capped: Decimal  # spend of the brands that have a daily cap
    month_spend: Decimal
    monthly_budget: Decimal
    month_spend_capped: Decimal


@dataclass(frozen=True, slots=True)
class BrandUsage:
    brand: Brand
    today_spend: Decimal
    month_spend: Decimal
    closeness: Decimal  # the larger share of its daily or monthly cap already spent


@dataclass(frozen=True, slots=True)
class ChartDay:
    day: dt.date
    spend: Decimal


def _share(spend: Decimal, budget: Decimal | None) -> Decimal | None:
    if budget is None:
        return None
    if budget == 0:
        return Decimal(1)
    return spend / budget


def dashboard_brands(moment: dt.datetime, brands: QuerySet[Brand] | None = None) -> list[Brand]:
    """Active brands (of ``brands``: the viewer's scope) with today's and the month's spend
    (two queries)."""
    chosen = Brand.objects.all() if brands is None else brands
    return list(brands_with_spend(chosen.filter(is_active=True), moment).order_by("name"))


def currency_totals(brands: Iterable[Brand]) -> list[CurrencyTotals]:
    """Totals per currency (amounts in different currencies are never added up)."""
    by_currency: dict[str, list[Brand]] = defaultdict(list)
    for brand in brands:
        by_currency[brand.currency].append(brand)
    totals = []
    for currency, members in sorted(by_currency.items()):
        daily = [b for b in members if b.daily_budget is not None]
        monthly = [b for b in members if b.monthly_budget is not None]
        totals.append(
            CurrencyTotals(
                currency=currency,
                brands=len(members),
                today_spend=sum((annotated(b, "today_spend") for b in members), ZERO),
                daily_budget=sum((b.daily_budget or ZERO for b in daily), ZERO),
                today_spend_capped=sum((annotated(b, "today_spend") for b in daily), ZERO),
                month_spend=sum((annotated(b, "month_spend") for b in members), ZERO),
                monthly_budget=sum((b.monthly_budget or ZERO for b in monthly), ZERO),
                month_spend_capped=sum((annotated(b, "month_spend") for b in monthly), ZERO),
            )
        )
    return totals


def closest_to_caps(brands: Iterable[Brand], limit: int = 10) -> list[BrandUsage]:
    usages = []
    for brand in brands:
        today, month = annotated(brand, "today_spend"), annotated(brand, "month_spend")
        shares = [
            share
            for share in (_share(today, brand.daily_budget), _share(month, brand.monthly_budget))
            if share is not None
        ]
        if shares:
            usages.append(BrandUsage(brand, today, month, max(shares)))
    usages.sort(key=lambda usage: (-usage.closeness, usage.brand.name))
    return usages[:limit]


def campaign_state_counts(campaigns: QuerySet[Campaign] | None = None) -> dict[str, int]:
    """Campaigns (of ``campaigns``: the viewer's scope) by state: ``serving``, each pause
    reason, and each other status (one query)."""
    counts: dict[str, int] = defaultdict(int)
    rows = (
        (Campaign.objects.all() if campaigns is None else campaigns)
        .order_by()
        .values_list("status", "is_active", "pause_reason")
        .annotate(n=Count("pk"))
        .values_list("status", "is_active", "pause_reason", "n")
    )
    for status, is_active, pause_reason, n in rows:
        if is_active:
            counts["serving"] += n
        elif pause_reason:
            counts[pause_reason] += n
        else:
            counts[f"status:{status}"] += n
    return dict(counts)


def brand_spend_history(brand: Brand, moment: dt.datetime, days: int = 30) -> list[ChartDay]:
    """The brand's spend on each of its last ``days`` local days, today included (one query)."""
    last = local_date(brand.timezone, moment)
    first = last - dt.timedelta(days=days - 1)
    amounts = dict(
        BrandDailySpend.objects.filter(brand_id=brand.pk, date__gte=first, date__lte=last).values_list(
            "date", "amount"
        )
    )
    return [
        ChartDay(day, amounts.get(day, ZERO)) for day in (first + dt.timedelta(days=n) for n in range(days))
    ]


# --- What happened today -------------------------------------------------------------------


def local_day_start(tz_name: str, moment: dt.datetime) -> dt.datetime:
    """The first instant of ``moment``'s local day in ``tz_name`` (aware)."""
    zone = get_zone(tz_name)
    day = local_date(tz_name, moment)
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone)


def todays_events(moment: dt.datetime, limit: int = 25, brands: QuerySet[Brand] | None = None) -> list[Event]:
    """The latest events that happened today in their brand's time zone (events of no brand:
    today in UTC), newest first, with their brand and campaign loaded. Two queries: the time
    zones in use, then the events (one condition per zone). ``brands`` (the viewer's scope)
    keeps the events of those brands only, so none of no brand."""
    today = Q(brand__isnull=True, occurred_at__gte=local_day_start("UTC", moment))
    for zone in Brand.objects.order_by().values_list("timezone", flat=True).distinct():
        today |= Q(brand__timezone=zone, occurred_at__gte=local_day_start(zone, moment))
    events = Event.objects.filter(today, endpoint__isnull=True, occurred_at__lte=moment)
    if brands is not None:
        events = events.filter(brand__in=brands)
    return list(events.select_related("brand", "campaign", "campaign__brand").order_by("-seq")[:limit])


# --- Labels and totals of the admin lists ------------------------------------------------


def schedule_names(ids: Iterable[int]) -> dict[int, str]:
    """Schedule names by id (one query; none without ids): the audit trail names schedules."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return dict(DaypartingSchedule.objects.filter(pk__in=wanted).values_list("pk", "name"))


@dataclass(frozen=True, slots=True)
class SpendTotal:
    currency: str
    spends: int
    amount: Decimal


def spend_totals(queryset: QuerySet[Spend]) -> list[SpendTotal]:
    """The spends of ``queryset`` (a filtered list) added up per currency (one query)."""
    rows = (
        queryset.order_by()
        .values("brand__currency")
        .annotate(spends=Count("pk"), amount=Sum("amount"))
        .order_by("brand__currency")
        .values_list("brand__currency", "spends", "amount")
    )
    return [SpendTotal(currency, spends, amount or ZERO) for currency, spends, amount in rows]
