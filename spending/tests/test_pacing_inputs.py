"""The pacing reader: inputs gathered from the rollups for any list of owners in one query."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings

from brands.models import Brand
from campaigns.models import Campaign
from core.tests.factories import make_brand, make_campaign
from core.timeutils import month_start
from spending.models import BrandDailySpend, BrandMonthlySpend, CampaignDailySpend, CampaignMonthlySpend
from spending.pacing import PacingInputs, PacingStatus, compute_pacing
from spending.pacing_inputs import pacing_for, pacing_inputs
from spending.selectors import period_totals
from spending.services import SpendInput, spend_record_many

pytestmark = pytest.mark.django_db
D = Decimal
NOON = dt.datetime(2026, 4, 10, 12, 0, tzinfo=dt.UTC)


def write_rollups(owner: Brand | Campaign, amounts: dict[dt.date, str]) -> None:
    """Daily rows as given and the monthly rows summing them, as the ledger would leave them."""
    by_month: dict[dt.date, Decimal] = defaultdict(Decimal)
    for day, amount in amounts.items():
        by_month[month_start(day)] += D(amount)
    if isinstance(owner, Brand):
        BrandDailySpend.objects.bulk_create(
            BrandDailySpend(brand=owner, date=day, amount=D(a)) for day, a in amounts.items()
        )
        BrandMonthlySpend.objects.bulk_create(
            BrandMonthlySpend(brand=owner, month=m, amount=a) for m, a in by_month.items()
        )
    else:
        CampaignDailySpend.objects.bulk_create(
            CampaignDailySpend(campaign=owner, date=day, amount=D(a)) for day, a in amounts.items()
        )
        CampaignMonthlySpend.objects.bulk_create(
            CampaignMonthlySpend(campaign=owner, month=m, amount=a) for m, a in by_month.items()
        )


def created(owner: Brand | Campaign, moment: dt.datetime) -> None:
    type(owner).objects.filter(pk=owner.pk).update(created_at=moment)
    owner.refresh_from_db()


def test_today_month_to_date_and_the_week_before() -> None:
    # given: a UTC brand created on March 1 with spend from March 31 to tomorrow, April 11
    brand = make_brand(timezone="UTC", monthly_budget=D("3000.00"), daily_budget=D("150.00"))
    created(brand, dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC))
    days = {dt.date(2026, 3, 31) + dt.timedelta(days=n): f"{10 * (n + 1)}.00" for n in range(12)}
    write_rollups(brand, days)  # Mar 31: 10, Apr 1: 20, ..., Apr 10: 110, Apr 11: 120

    # when
    brands, campaigns = pacing_inputs(brands=[brand], at=NOON)

    # then: the week is Apr 3..9; month-to-date is Apr 1..10 (the 11th is ahead)
    assert campaigns == {}
    assert brands == {
        brand.pk: PacingInputs(
            timezone="UTC",
            daily_budget=D("150.00"),
            monthly_budget=D("3000.00"),
            day_spend=D("110.00"),
            month_spend=D("650.00"),  # 20 + 30 + ... + 110
            recent={dt.date(2026, 4, 3) + dt.timedelta(days=n): D(f"{40 + 10 * n}.00") for n in range(7)},
            first_day=dt.date(2026, 3, 1),
        )
    }


def test_far_time_zones_read_their_own_dates_and_months() -> None:
    # At 2026-01-31 12:00 UTC Honolulu is on Jan 31 and Kiritimati on Feb 1.
    moment = dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.UTC)
    honolulu = make_brand(timezone="Pacific/Honolulu")
    kiritimati = make_brand(timezone="Pacific/Kiritimati")
    campaign = make_campaign(brand=kiritimati, monthly_budget=D("500.00"))
    # Both created at 2026-01-28 09:00 UTC: Jan 27 23:00 in Honolulu, Jan 28 23:00 in Kiritimati.
    for owner in (honolulu, kiritimati, campaign):
        created(owner, dt.datetime(2026, 1, 28, 9, 0, tzinfo=dt.UTC))
    spend = {dt.date(2026, 1, 30): "7.00", dt.date(2026, 1, 31): "8.00", dt.date(2026, 2, 1): "9.00"}
    for owner in (honolulu, kiritimati, campaign):
        write_rollups(owner, spend)
    campaign = Campaign.objects.select_related("brand").get(pk=campaign.pk)

    brands, campaigns = pacing_inputs(brands=[honolulu, kiritimati], campaigns=[campaign], at=moment)

    assert (brands[honolulu.pk].day_spend, brands[honolulu.pk].month_spend) == (D("8.00"), D("15.00"))
    assert brands[honolulu.pk].recent == {dt.date(2026, 1, 30): D("7.00")}
    assert brands[honolulu.pk].first_day == dt.date(2026, 1, 27)
    for inputs in (brands[kiritimati.pk], campaigns[campaign.pk]):
        assert (inputs.day_spend, inputs.month_spend) == (D("9.00"), D("9.00"))
        assert inputs.recent == {dt.date(2026, 1, 30): D("7.00"), dt.date(2026, 1, 31): D("8.00")}
        assert inputs.first_day == dt.date(2026, 1, 28)
        assert inputs.timezone == "Pacific/Kiritimati"
    assert campaigns[campaign.pk].monthly_budget == D("500.00")


def test_owners_without_spend_get_zeros() -> None:
    brand = make_brand(timezone="Europe/London")
    campaign = make_campaign(brand=brand)
    brands, campaigns = pacing_inputs(brands=[brand], campaigns=[campaign], at=NOON)
    for inputs in (brands[brand.pk], campaigns[campaign.pk]):
        assert (inputs.day_spend, inputs.month_spend, dict(inputs.recent)) == (D("0.00"), D("0.00"), {})


def test_agrees_with_the_ledger_and_period_totals_after_real_spends() -> None:
    # given: spends recorded through the service over two weeks, in three time zones
    zones = ["America/New_York", "Pacific/Honolulu", "Pacific/Kiritimati"]
    brands = [make_brand(timezone=zone, monthly_budget=D("900.00")) for zone in zones]
    campaigns = [make_campaign(brand=brand, daily_budget=D("40.00")) for brand in brands for _ in range(2)]
    for back in range(14, -2, -1):  # two weeks ago to tomorrow (local), one batch a day
        spend_record_many(
            items=[
                SpendInput(
                    c.pk, f"{(c.pk % 5) + back + 2}.25", c.brand.local_today(NOON) - dt.timedelta(days=back)
                )
                for c in campaigns
            ],
            moment=NOON,
        )
    listed = list(Campaign.objects.select_related("brand").filter(pk__in=[c.pk for c in campaigns]))

    # when
    brand_inputs, campaign_inputs = pacing_inputs(brands=brands, campaigns=listed, at=NOON)
    totals = period_totals(
        brand_days={b.pk: b.local_today(NOON) for b in brands},
        campaign_days={c.pk: c.brand.local_today(NOON) for c in listed},
    )
    brand_totals, campaign_totals = totals.brands, totals.campaigns

    # then: today's and month-to-date spend as the serving rule reads them, and the week
    for pk, (day, month) in brand_totals.items():
        assert (brand_inputs[pk].day_spend, brand_inputs[pk].month_spend) == (day, month)
    for pk, (day, month) in campaign_totals.items():
        assert (campaign_inputs[pk].day_spend, campaign_inputs[pk].month_spend) == (day, month)
    for campaign in listed:
        today = campaign.brand.local_today(NOON)
        week = {
            today - dt.timedelta(days=back): D(f"{(campaign.pk % 5) + back + 2}.25") for back in range(1, 8)
        }
        assert campaign_inputs[campaign.pk].recent == week
    # and pacing_for is compute_pacing of those inputs
    brand_pacing, campaign_pacing = pacing_for(brands=brands, campaigns=listed, at=NOON)
    assert brand_pacing == {pk: compute_pacing(item, at=NOON) for pk, item in brand_inputs.items()}
    assert campaign_pacing == {pk: compute_pacing(item, at=NOON) for pk, item in campaign_inputs.items()}


def owners(count: int) -> tuple[list[Brand], list[Campaign]]:
    """``count`` brands over three local dates, with two campaigns each and a week of spend."""
    zones = ["Pacific/Honolulu", "UTC", "Pacific/Kiritimati"]
    brands = [make_brand(timezone=zones[n % 3], monthly_budget=D("100.00")) for n in range(count)]
    campaigns = [make_campaign(brand=brand) for brand in brands for _ in range(2)]
    everyone: list[Brand | Campaign] = [*brands, *campaigns]
    for owner in everyone:
        write_rollups(owner, {dt.date(2026, 4, 9) - dt.timedelta(days=n): "3.00" for n in range(10)})
    long_ago = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    Brand.objects.filter(pk__in=[b.pk for b in brands]).update(created_at=long_ago)
    Campaign.objects.filter(pk__in=[c.pk for c in campaigns]).update(created_at=long_ago)
    listed = list(Campaign.objects.select_related("brand").filter(pk__in=[c.pk for c in campaigns]))
    return list(Brand.objects.filter(pk__in=[b.pk for b in brands])), listed


@pytest.mark.parametrize("count", [2, 12])
def test_one_query_for_any_number_of_owners(count: int, django_assert_num_queries: Any) -> None:
    brands, campaigns = owners(count)
    with django_assert_num_queries(1):
        brand_pacing, campaign_pacing = pacing_for(brands=brands, campaigns=campaigns, at=NOON)
    # 3.00 a day up to Apr 9: a full week for Apr 10 (Honolulu, UTC); Apr 10 empty for
    # Kiritimati's Apr 11, so 6 x 3.00 / 7 = 2.57.
    rates = {"Pacific/Honolulu": D("3.00"), "UTC": D("3.00"), "Pacific/Kiritimati": D("2.57")}
    assert {pk: p.run_rate_daily for pk, p in brand_pacing.items()} == {
        b.pk: rates[b.timezone] for b in brands
    }
    assert {pk: p.run_rate_daily for pk, p in campaign_pacing.items()} == {
        c.pk: rates[c.brand.timezone] for c in campaigns
    }


@pytest.mark.parametrize("count", [2, 12])
def test_campaigns_without_their_brand_loaded_cost_one_query_more(
    count: int, django_assert_num_queries: Any
) -> None:
    _, campaigns = owners(count)
    bare = list(Campaign.objects.filter(pk__in=[c.pk for c in campaigns]))
    with django_assert_num_queries(2):
        _, campaign_inputs = pacing_inputs(campaigns=bare, at=NOON)
    assert {pk: item.timezone for pk, item in campaign_inputs.items()} == {
        c.pk: c.brand.timezone for c in campaigns
    }


def test_nothing_to_read_costs_no_query(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert pacing_for(at=NOON) == ({}, {})


def test_pace_bands_come_from_the_settings() -> None:
    # Expected at Apr 10 noon: 3000 x 13680 / 43200 = 950.00; 900 / 950 = 0.947.
    brand = make_brand(timezone="UTC", monthly_budget=D("3000.00"))
    write_rollups(brand, {dt.date(2026, 4, 10): "900.00"})
    assert pacing_for(brands=[brand], at=NOON)[0][brand.pk].status is PacingStatus.ON_PACE
    with override_settings(PACING_LOW=0.95, PACING_HIGH=1.2):
        assert pacing_for(brands=[brand], at=NOON)[0][brand.pk].status is PacingStatus.UNDER_PACE
    with override_settings(PACING_LOW="0.5", PACING_HIGH="0.9"):
        assert pacing_for(brands=[brand], at=NOON)[0][brand.pk].status is PacingStatus.OVER_PACE
    assert pacing_for(brands=[brand], at=NOON, high=D("0.94"))[0][brand.pk].status is PacingStatus.OVER_PACE
