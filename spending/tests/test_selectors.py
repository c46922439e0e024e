"""One definition of today and month to date: the totals statement, the list annotations and
the names ops staff know all agree, in every brand's own day."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
import time_machine

from brands.models import Brand
from campaigns.models import Campaign
from core.tests.factories import make_brand, make_campaign
from core.timeutils import local_date
from spending.selectors import (
    get_daily_spend,
    get_monthly_spend,
    owner_totals,
    period_totals,
    spend_annotations,
)
from spending.services import spend_record_many
from spending.store import Owner
from spending.validation import SpendInput

pytestmark = pytest.mark.django_db
# 2026-12-01 02:00 UTC: still November 30 in Los Angeles, December 1 in Kolkata.
MOMENT = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
ZONES = ("America/Los_Angeles", "UTC", "Asia/Kolkata", "Pacific/Kiritimati")


@time_machine.travel(MOMENT, tick=False)
def test_annotations_and_the_totals_statement_agree_for_every_owner() -> None:
    rng = random.Random(7)
    campaigns = []
    for zone in ZONES:
        brand = make_brand(timezone=zone)
        campaigns += [make_campaign(brand=brand), make_campaign(brand=brand)]
    items = []
    for campaign in campaigns:
        today = local_date(campaign.brand.timezone, MOMENT)
        # Spend across last month, this month, today, and tomorrow (not yet month to date).
        for offset in (-40, -31, -3, -1, 0, 0, 1):
            amount = Decimal(rng.randrange(1, 10_000)) / 100
            items.append(SpendInput(campaign.pk, f"{amount:.2f}", today + dt.timedelta(days=offset)))
    spend_record_many(items=items, moment=MOMENT)

    brands = Brand.objects.annotate(**spend_annotations(Owner.BRAND, "timezone", MOMENT))
    days = {b.pk: local_date(b.timezone, MOMENT) for b in brands}
    totals = period_totals(brand_days=days, campaign_days={c.pk: days[c.brand_id] for c in campaigns})
    for brand in brands:
        assert (brand.today_spend, brand.month_spend) == totals.brands[brand.pk]  # type: ignore[attr-defined]
        assert owner_totals(brand) == totals.brands[brand.pk]
    for campaign in Campaign.objects.annotate(**spend_annotations(Owner.CAMPAIGN, "brand__timezone", MOMENT)):
        expected = totals.campaigns[campaign.pk]
        assert (campaign.today_spend, campaign.month_spend) == expected  # type: ignore[attr-defined]
        assert (get_daily_spend(campaign), get_monthly_spend(campaign)) == expected


@time_machine.travel(MOMENT, tick=False)
def test_month_to_date_leaves_out_spend_dated_after_the_day() -> None:
    brand = make_brand(timezone="America/Los_Angeles")  # its today: 2026-11-30
    campaign = make_campaign(brand=brand)
    spend_record_many(
        items=[
            SpendInput(campaign.pk, "1.00", dt.date(2026, 11, 1)),
            SpendInput(campaign.pk, "2.00", dt.date(2026, 11, 30)),
            SpendInput(campaign.pk, "4.00", dt.date(2026, 12, 1)),  # its tomorrow
        ],
        moment=MOMENT,
    )
    assert owner_totals(campaign) == (Decimal("2.00"), Decimal("3.00"))
    assert owner_totals(brand, dt.date(2026, 12, 1)) == (Decimal("4.00"), Decimal("4.00"))
    assert owner_totals(brand, dt.date(2026, 11, 1)) == (Decimal("1.00"), Decimal("1.00"))
