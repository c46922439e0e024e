from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from core.exceptions import ConflictError, NestedValidationError
from core.tests.factories import make_brand, make_campaign
from events.selectors import event_log
from spending.models import (
    BrandDailySpend,
    BrandMonthlySpend,
    CampaignDailySpend,
    CampaignMonthlySpend,
    Spend,
)
from spending.selectors import get_daily_spend, get_monthly_spend
from spending.services import SpendInput, spend_record, spend_record_many

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@time_machine.travel(NOON, tick=False)
def test_spend_is_ledgered_and_rolled_up() -> None:
    campaign = make_campaign()

    outcome = spend_record(campaign_id=campaign.pk, amount="12.34")
    spend_record(campaign_id=campaign.pk, amount=Decimal("0.66"))

    assert outcome.created
    assert outcome.spend.date == dt.date(2026, 11, 18)
    assert Spend.objects.count() == 2
    assert CampaignDailySpend.objects.get(campaign=campaign).amount == Decimal("13.00")
    assert BrandDailySpend.objects.get(brand=campaign.brand).amount == Decimal("13.00")
    assert get_daily_spend(campaign) == Decimal("13.00")
    assert get_monthly_spend(campaign.brand) == Decimal("13.00")


@time_machine.travel(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC), tick=False)
def test_each_rollup_holds_the_ledger_summed_by_owner_and_period() -> None:
    # given: two brands, five campaigns, and batches of spend dated across three months
    brands = [make_brand(), make_brand()]
    campaigns = [make_campaign(brand=brands[i % 2]) for i in range(5)]
    days = [dt.date(2026, 10, 1), dt.date(2026, 10, 31), dt.date(2026, 11, 1), dt.date(2026, 11, 30)]
    days.append(dt.date(2026, 12, 1))
    rng = random.Random(3)

    # when: recorded in bulk, with repeats of one (campaign, day) inside a batch
    for _ in range(3):
        spend_record_many(
            items=[
                SpendInput(rng.choice(campaigns).pk, f"{rng.randint(1, 9999) / 100:.2f}", rng.choice(days))
                for _ in range(40)
            ]
        )

    # then: every rollup row is the ledger's sum for its owner and period, and no more rows
    def ledger(owner: str, monthly: bool) -> dict[tuple[int, dt.date], Decimal]:
        sums: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
        for spend in Spend.objects.all():
            period = spend.date.replace(day=1) if monthly else spend.date
            sums[(getattr(spend, owner), period)] += spend.amount
        return dict(sums)

    assert {(r.campaign_id, r.date): r.amount for r in CampaignDailySpend.objects.all()} == ledger(
        "campaign_id", monthly=False
    )
    assert {(r.brand_id, r.date): r.amount for r in BrandDailySpend.objects.all()} == ledger(
        "brand_id", monthly=False
    )
    assert {(r.campaign_id, r.month): r.amount for r in CampaignMonthlySpend.objects.all()} == ledger(
        "campaign_id", monthly=True
    )
    assert {(r.brand_id, r.month): r.amount for r in BrandMonthlySpend.objects.all()} == ledger(
        "brand_id", monthly=True
    )


@time_machine.travel(NOON, tick=False)
def test_crossing_the_campaign_daily_budget_pauses_in_the_same_transaction() -> None:
    campaign = make_campaign(daily_budget=Decimal("50.00"))

    first = spend_record(campaign_id=campaign.pk, amount="49.99")
    second = spend_record(campaign_id=campaign.pk, amount="0.01")

    assert first.campaign_state.is_active
    assert not second.campaign_state.is_active
    assert second.campaign_state.pause_reason == PauseReason.CAMPAIGN_DAILY_BUDGET
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason, campaign.status) == (
        False,
        "campaign_daily_budget",
        Status.ACTIVE,
    )
    stop = event_log(campaign_id=campaign.pk, types=["campaign.paused"]).get()
    assert (stop.actor_kind, stop.actor_name) == ("system", "spend")
    assert stop.data["reason"] == "campaign_daily_budget"


@time_machine.travel(NOON, tick=False)
def test_brand_cap_pauses_every_campaign_of_the_brand_only() -> None:
    brand = make_brand(daily_budget=Decimal("100.00"))
    spender, sibling = make_campaign(brand=brand), make_campaign(brand=brand)
    other = make_campaign()

    spend_record(campaign_id=spender.pk, amount="100.00")

    assert list(Campaign.objects.filter(brand=brand).values_list("is_active", "pause_reason")) == [
        (False, "brand_daily_budget"),
        (False, "brand_daily_budget"),
    ]
    other.refresh_from_db()
    assert other.is_active
    assert sibling.pk != spender.pk


@time_machine.travel(NOON, tick=False)
def test_repeated_external_id_returns_the_original_and_writes_nothing() -> None:
    campaign = make_campaign()
    first = spend_record(campaign_id=campaign.pk, amount="5.00", source="gads", external_id="row-1")

    again = spend_record(campaign_id=campaign.pk, amount="5.00", source="gads", external_id="row-1")

    assert not again.created
    assert again.spend.pk == first.spend.pk
    assert Spend.objects.count() == 1
    assert CampaignDailySpend.objects.get().amount == Decimal("5.00")
    with pytest.raises(ConflictError):
        spend_record(campaign_id=campaign.pk, amount="6.00", source="gads", external_id="row-1")
    # The same external id under another source is another record.
    spend_record(campaign_id=campaign.pk, amount="5.00", source="meta", external_id="row-1")
    assert Spend.objects.count() == 2


@time_machine.travel(NOON, tick=False)
def test_only_the_exact_source_and_external_id_pair_is_a_repeat() -> None:
    campaign = make_campaign()
    spend_record(campaign_id=campaign.pk, amount="1.00", source="gads", external_id="a")
    spend_record(campaign_id=campaign.pk, amount="2.00", source="meta", external_id="b")

    # Each source and each id was seen, but neither pair: two new records, then one repeat.
    outcomes = spend_record_many(
        items=[
            SpendInput(campaign.pk, "3.00", source="gads", external_id="b"),
            SpendInput(campaign.pk, "4.00", source="meta", external_id="a"),
            SpendInput(campaign.pk, "2.00", source="meta", external_id="b"),
        ]
    )

    assert [outcome.created for outcome in outcomes] == [True, True, False]
    assert outcomes[2].spend.amount == Decimal("2.00")
    assert outcomes[2].spend.created_at is not None
    assert Spend.objects.count() == 4


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "greater than zero"),
        ("0.00", "greater than zero"),
        ("-1.00", "negative"),
        ("1.234", "2 decimal places"),
        ("10000000000.00", "at most"),
        ("abc", "valid number"),
        ("NaN", "valid number"),
        ("Infinity", "valid number"),
        (1.5, "as a string"),
        (12, "as a string"),
        (None, "valid number"),
        ("", "valid number"),
    ],
)
@time_machine.travel(NOON, tick=False)
def test_bad_amounts_are_refused_and_nothing_is_written(amount: object, message: str) -> None:
    campaign = make_campaign(daily_budget=Decimal("1.00"))

    with pytest.raises(ValidationError) as caught:
        spend_record(campaign_id=campaign.pk, amount=amount)

    assert message in caught.value.message_dict["amount"][0]
    assert not Spend.objects.exists()
    assert not CampaignDailySpend.objects.exists()
    assert not BrandDailySpend.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_unknown_campaign_and_far_future_date_are_refused() -> None:
    campaign = make_campaign()
    with pytest.raises(ValidationError) as unknown:
        spend_record(campaign_id=999_999, amount="1.00")
    assert "campaign" in unknown.value.message_dict
    with pytest.raises(ValidationError) as future:
        spend_record(campaign_id=campaign.pk, amount="1.00", date=dt.date(2026, 11, 20))
    assert "date" in future.value.message_dict
    # One day ahead is allowed (an ETL in UTC reports "tomorrow" for brands west of it).
    assert spend_record(campaign_id=campaign.pk, amount="1.00", date=dt.date(2026, 11, 19)).created
    assert Spend.objects.count() == 1


@time_machine.travel(NOON, tick=False)
def test_bulk_is_all_or_nothing() -> None:
    campaign = make_campaign()
    items = [
        SpendInput(campaign_id=campaign.pk, amount="1.00"),
        SpendInput(campaign_id=campaign.pk, amount="-1.00"),
        SpendInput(campaign_id=123456, amount="1.00"),
    ]

    with pytest.raises(NestedValidationError) as caught:
        spend_record_many(items=items)

    errors = caught.value.detail["spends"]
    assert errors[0] == {}
    assert "amount" in errors[1]
    assert "campaign" in errors[2]
    assert not Spend.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_spend_is_recorded_for_a_paused_campaign() -> None:
    campaign = make_campaign(status=Status.PAUSED)

    outcome = spend_record(campaign_id=campaign.pk, amount="3.00")

    assert outcome.created
    assert outcome.campaign_state.is_active is False
    assert outcome.campaign_state.pause_reason == ""


@pytest.mark.postgres  # the hot path of PostgreSQL; SQLite runs the rollups statement by statement
@time_machine.travel(NOON, tick=False)
def test_single_spend_costs_a_fixed_number_of_queries(django_assert_num_queries: Any) -> None:
    brand = make_brand(daily_budget=Decimal("1000.00"))
    campaigns = [make_campaign(brand=brand, daily_budget=Decimal("50.00")) for _ in range(30)]
    spend_record(campaign_id=campaigns[0].pk, amount="1.00")  # the rollup rows exist now

    # Lock the brand and read the campaign (two statements sent together), one statement
    # for ledger + rollups + totals, and the savepoint pair (the test runs inside a
    # transaction).
    with django_assert_num_queries(4):
        spend_record(campaign_id=campaigns[1].pk, amount="1.00")
    # An external id adds the look-up of an earlier record with it.
    with django_assert_num_queries(5):
        spend_record(campaign_id=campaigns[1].pk, amount="1.00", external_id="x-1", source="gads")
    # Crossing the brand cap loads the brand's other campaigns and their totals, and
    # pauses them all with one update and the insert of their events, sent together; the
    # thresholds it crosses (50, 80, 100% of the brand's daily cap: their marks' insert and
    # their events' insert, one statement) ride in the same round trip.
    with django_assert_num_queries(7):
        outcome = spend_record(campaign_id=campaigns[2].pk, amount="997.00")
    assert outcome.campaign_state.pause_reason == PauseReason.BRAND_DAILY_BUDGET
    assert not Campaign.objects.filter(brand=brand, is_active=True).exists()
    assert event_log(brand_id=brand.pk, types=["campaign.paused"]).count() == 30
