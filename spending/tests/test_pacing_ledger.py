"""``pacing_for`` from the database against a brute-force oracle over the ledger itself.

Random spend histories are recorded through the real spend service (which writes the ledger
and the daily and monthly rollups), then the pacing that ``pacing_for`` reads from the
rollups in one query is compared with ``oracle_pacing`` (``test_pacing``) fed with the
``Spend`` rows summed per date, for the brand (all its campaigns' rows) and each campaign
(its own rows and caps, in the brand's time zone). Moments gather around month ends, the leap
day of 2028 and New Year, in Honolulu (UTC-10) and Kiritimati (UTC+14), where the same instant
is often a different local day or month.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from brands.models import Brand
from campaigns.models import Campaign
from core.tests.factories import make_brand, make_campaign
from core.timeutils import local_date
from spending.models import Spend
from spending.pacing_inputs import pacing_for
from spending.services import SpendInput, spend_record_many
from spending.tests.test_pacing import assert_matches_oracle, oracle_pacing

pytestmark = pytest.mark.django_db
UTC = dt.UTC
ZONES = ["Pacific/Honolulu", "Pacific/Kiritimati"]
ANCHORS = [
    dt.datetime(2028, 2, 29, 9, 30, tzinfo=UTC),  # Feb 28 23:30 in Honolulu, Feb 29 23:30 in Kiritimati
    dt.datetime(2028, 2, 29, 10, 30, tzinfo=UTC),  # Feb 29 00:30 in Honolulu, Mar 1 00:30 in Kiritimati
    dt.datetime(2028, 3, 1, 9, 59, tzinfo=UTC),  # the leap day's last minute in Honolulu
    dt.datetime(2026, 12, 31, 10, 0, tzinfo=UTC),  # Dec 31 00:00 in Honolulu, Jan 1 2027 in Kiritimati
    dt.datetime(2026, 4, 30, 20, 0, tzinfo=UTC),
    dt.datetime(2026, 2, 28, 9, 59, tzinfo=UTC),  # a common February's last minute (Kiritimati)
]
moments = st.one_of(
    st.tuples(st.sampled_from(ANCHORS), st.integers(min_value=-1500, max_value=1500)).map(
        lambda anchor: anchor[0] + dt.timedelta(minutes=anchor[1])
    ),
    st.datetimes(
        min_value=dt.datetime(2027, 12, 1), max_value=dt.datetime(2028, 3, 31), timezones=st.just(UTC)
    ),
)
cents = st.integers(min_value=1, max_value=300_000).map(lambda c: Decimal(c).scaleb(-2))
budgets = st.none() | st.integers(min_value=0, max_value=5_000_000).map(lambda c: Decimal(c).scaleb(-2))
# (days from today, 40 back to 1 ahead; amount): several rows may share a date.
histories = st.lists(st.tuples(st.integers(min_value=-40, max_value=1), cents), max_size=20)
campaigns_drawn = st.lists(st.tuples(budgets, budgets, histories), min_size=1, max_size=3)


def ledger_by_date(rows: list[tuple[dt.date, Decimal]], today: dt.date) -> dict[dt.date, Decimal]:
    """The oracle's history: the ledger's rows summed per (local) date, every day from 45
    before ``today`` to the day after with one (0.00 without spend)."""
    history: dict[dt.date, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for back in range(-45, 2):
        history[today + dt.timedelta(days=back)] = Decimal("0.00")
    for date, amount in rows:
        history[date] += amount
    return dict(history)


@settings(max_examples=40, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    moment=moments,
    created_back=st.integers(min_value=0, max_value=60 * 24 * 40),  # minutes before the moment
    brand_budgets=st.tuples(budgets, budgets),
    drawn=campaigns_drawn,
)
def test_pacing_for_matches_the_oracle_over_the_ledger(
    zone: str,
    moment: dt.datetime,
    created_back: int,
    brand_budgets: tuple[Decimal | None, Decimal | None],
    drawn: list[tuple[Decimal | None, Decimal | None, list[tuple[int, Decimal]]]],
) -> None:
    with transaction.atomic():  # every example leaves the database as it found it
        # given: a brand and campaigns created at the same moment, and their spend recorded
        today = local_date(zone, moment)
        created = moment - dt.timedelta(minutes=created_back)
        brand = make_brand(timezone=zone, daily_budget=brand_budgets[0], monthly_budget=brand_budgets[1])
        campaigns = [
            make_campaign(brand=brand, daily_budget=daily, monthly_budget=monthly)
            for daily, monthly, _ in drawn
        ]
        Brand.objects.filter(pk=brand.pk).update(created_at=created)
        Campaign.objects.filter(brand=brand).update(created_at=created)
        items = [
            SpendInput(campaign.pk, str(amount), today + dt.timedelta(days=offset))
            for campaign, (_, _, history) in zip(campaigns, drawn, strict=True)
            for offset, amount in history
        ]
        if items:
            spend_record_many(items=items, moment=moment)
        brand = Brand.objects.get(pk=brand.pk)
        listed = list(Campaign.objects.select_related("brand").filter(brand=brand).order_by("pk"))

        # when
        brand_pacing, campaign_pacing = pacing_for(brands=[brand], campaigns=listed, at=moment)

        # then: against the ledger's rows, per date
        rows = list(Spend.objects.filter(brand=brand).values_list("campaign_id", "date", "amount"))
        first_day = local_date(zone, created)
        expected = oracle_pacing(
            zone,
            moment,
            ledger_by_date([(date, amount) for _, date, amount in rows], today),
            first_day,
            brand.monthly_budget,
            brand.daily_budget,
        )
        assert_matches_oracle(brand_pacing[brand.pk].as_json(), expected)
        for campaign in listed:
            own = [(date, amount) for pk, date, amount in rows if pk == campaign.pk]
            expected = oracle_pacing(
                zone,
                moment,
                ledger_by_date(own, today),
                first_day,
                campaign.monthly_budget,
                campaign.daily_budget,
            )
            assert_matches_oracle(campaign_pacing[campaign.pk].as_json(), expected)
        transaction.set_rollback(True)
