"""Read paths for spend: a day's and a month's spend of brands and campaigns.

Every figure of "today" and "month to date" (the engine, the API, the admin lists, the
dashboard, the commands) comes from here, with one definition (``spending.store``): today is
the owner's daily rollup row of its brand's local date; month to date is the monthly rollup
row of that month minus the daily rows dated after the day. ``period_totals`` reads them for
any number of owners in one statement; ``spend_annotations`` is the same definition as
queryset annotations, for lists that sort and filter by spend.

The functions named as in the source documents (``get_daily_spend``,
``get_monthly_budget_remaining``, ...) take the brand or campaign as first argument; callers
pass the local date, or it is today in the brand's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from django.db.models import Case, DecimalField, Expression, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from brands.models import Brand
from campaigns.models import Campaign
from core.budgets import is_available, remaining
from core.money import MONEY_DECIMAL_PLACES, TOTAL_MAX_DIGITS, ZERO
from core.timeutils import local_date, month_end, month_start, now
from spending import store
from spending.models import Spend
from spending.store import DAILY, MONTHLY, Owner, PeriodTotals
from spending.store import Totals as Totals

TOTAL = DecimalField(max_digits=TOTAL_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES)


def period_totals(
    *,
    brand_days: Mapping[int, dt.date] | None = None,
    campaign_days: Mapping[int, dt.date] | None = None,
) -> PeriodTotals:
    """(day, month to date) of brands and of campaigns, each for its own local day, in one
    statement whatever their number."""
    return store.period_totals(brand_days, campaign_days)


def brand_period_totals(day_by_brand: Mapping[int, dt.date]) -> dict[int, Totals]:
    return store.period_totals(day_by_brand, {}).brands


# --- One owner: the names ops staff know -----------------------------------------------------

Owned = Brand | Campaign


def _brand_of(owner: Owned) -> Brand:
    return owner if isinstance(owner, Brand) else owner.brand


def owner_totals(owner: Owned, day: dt.date | None = None) -> Totals:
    """(``day``'s spend, month to date) of a brand or a campaign; ``day`` defaults to today in
    its brand's time zone."""
    day = day or local_date(_brand_of(owner).timezone)
    if isinstance(owner, Brand):
        return store.period_totals({owner.pk: day}, {}).brands[owner.pk]
    return store.period_totals({}, {owner.pk: day}).campaigns[owner.pk]


def get_daily_spend(owner: Owned, day: dt.date | None = None) -> Decimal:
    return owner_totals(owner, day)[0]


def get_monthly_spend(owner: Owned, day: dt.date | None = None) -> Decimal:
    """Month to date: from the first of ``day``'s month to ``day`` included."""
    return owner_totals(owner, day)[1]


def get_daily_budget_limit(owner: Owned) -> Decimal | None:
    """The owner's own daily cap, or ``None`` for none."""
    return owner.daily_budget


def get_monthly_budget_limit(owner: Owned) -> Decimal | None:
    return owner.monthly_budget


def get_daily_budget_remaining(owner: Owned, day: dt.date | None = None) -> Decimal | None:
    return remaining(owner.daily_budget, get_daily_spend(owner, day))


def get_monthly_budget_remaining(owner: Owned, day: dt.date | None = None) -> Decimal | None:
    return remaining(owner.monthly_budget, get_monthly_spend(owner, day))


def has_daily_budget_available(owner: Owned, day: dt.date | None = None) -> bool:
    return is_available(owner.daily_budget, get_daily_spend(owner, day))


def has_monthly_budget_available(owner: Owned, day: dt.date | None = None) -> bool:
    return is_available(owner.monthly_budget, get_monthly_spend(owner, day))


def can_activate_campaigns(brand: Brand, day: dt.date | None = None) -> bool:
    """True when the brand itself blocks nothing: active, and both its budgets available."""
    if not brand.is_active:
        return False
    day_spend, month_spend = owner_totals(brand, day)
    return is_available(brand.monthly_budget, month_spend) and is_available(brand.daily_budget, day_spend)


def get_daily_total(spend: Spend) -> Decimal:
    """The campaign's total for this record's date."""
    return store.period_totals({}, {spend.campaign_id: spend.date}).campaigns[spend.campaign_id][0]


def get_monthly_total(spend: Spend) -> Decimal:
    """The campaign's total for this record's month up to and including its date."""
    return store.period_totals({}, {spend.campaign_id: spend.date}).campaigns[spend.campaign_id][1]


def get_brand_daily_total(spend: Spend) -> Decimal:
    return store.period_totals({spend.brand_id: spend.date}, {}).brands[spend.brand_id][0]


def get_brand_monthly_total(spend: Spend) -> Decimal:
    return store.period_totals({spend.brand_id: spend.date}, {}).brands[spend.brand_id][1]


# --- Lists: the same definition as annotations -----------------------------------------------


def brand_timezones() -> list[str]:
    return list(Brand.objects.order_by().values_list("timezone", flat=True).distinct())


def local_day_groups(timezones: Iterable[str], moment: dt.datetime) -> dict[dt.date, list[str]]:
    """The time zones grouped by their local date at ``moment`` (at most three dates)."""
    groups: dict[dt.date, list[str]] = defaultdict(list)
    for name in sorted(set(timezones)):
        groups[local_date(name, moment)].append(name)
    return dict(groups)


def _rollup_amount(owner: Owner, *, first: dt.date, last: dt.date, monthly: bool) -> Expression:
    """The sum of the row's owner's rollup rows (``OuterRef("pk")``) from ``first`` to ``last``."""
    rollup = MONTHLY[owner] if monthly else DAILY[owner]
    rows = (
        rollup.model._default_manager.filter(
            **{rollup.key: OuterRef("pk"), f"{rollup.period}__gte": first, f"{rollup.period}__lte": last}
        )
        .order_by()
        .values(rollup.key)
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )
    return Coalesce(Subquery(rows, output_field=TOTAL), Value(ZERO), output_field=TOTAL)


def _day_spend(owner: Owner, day: dt.date) -> Expression:
    return _rollup_amount(owner, first=day, last=day, monthly=False)


def _month_to_date(owner: Owner, day: dt.date) -> Expression:
    """The month's row minus the daily rows after ``day`` (as ``store.read_totals``)."""
    month = month_start(day)
    after = _rollup_amount(owner, first=day + dt.timedelta(days=1), last=month_end(day), monthly=False)
    return _rollup_amount(owner, first=month, last=month, monthly=True) - after


def spend_annotations(
    owner: Owner, timezone_field: str, moment: dt.datetime | None = None
) -> dict[str, Case]:
    """``today_spend`` and ``month_spend`` of each row (a brand, or a campaign) in its brand's
    local day, as annotations: per row the expression for its brand's date, picked with
    ``CASE <timezone_field> IN (...)``. One query for the time zones in use; the list stays a
    single query whatever its length."""
    groups = local_day_groups(brand_timezones(), moment or now())

    def per_local_day(build: Callable[[dt.date], Expression]) -> Case:
        return Case(
            *[When(**{f"{timezone_field}__in": names}, then=build(day)) for day, names in groups.items()],
            default=Value(ZERO),
            output_field=TOTAL,
        )

    return {
        "today_spend": per_local_day(lambda day: _day_spend(owner, day)),
        "month_spend": per_local_day(lambda day: _month_to_date(owner, day)),
    }
