"""Concurrent writers on PostgreSQL: no lost cent, exactly one pause per budget crossing."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from campaigns.models import Campaign
from campaigns.rules import Status
from core.money import ZERO
from core.tests.factories import make_brand, make_campaign
from events.selectors import event_log
from spending.models import (
    BrandDailySpend,
    BrandMonthlySpend,
    CampaignDailySpend,
    CampaignMonthlySpend,
    Spend,
)
from spending.services import spend_record

THREADS = 8
SPENDS_PER_THREAD = 60


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_spend_keeps_exact_totals_and_pauses_each_crossing_once() -> None:
    # given: one brand with a daily cap, four campaigns (three with their own caps)
    assert connection.vendor == "postgresql"
    brand = make_brand(name="Concurrent", timezone="Asia/Kolkata", daily_budget=Decimal("900.00"))
    campaigns = [
        make_campaign(brand=brand, name="a", daily_budget=Decimal("40.00")),
        make_campaign(brand=brand, name="b", daily_budget=Decimal("75.50")),
        make_campaign(brand=brand, name="c", monthly_budget=Decimal("120.00")),
        make_campaign(brand=brand, name="d"),
    ]
    rng = random.Random(7)
    plan = [
        [(rng.choice(campaigns).pk, Decimal(rng.randint(1, 600)) / 100) for _ in range(SPENDS_PER_THREAD)]
        for _ in range(THREADS)
    ]
    expected = sum((amount for work in plan for _, amount in work), ZERO)
    per_campaign = {c.pk: sum((a for work in plan for pk, a in work if pk == c.pk), ZERO) for c in campaigns}
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def writer(work: list[tuple[int, Decimal]]) -> None:
        try:
            start.wait()
            for campaign_id, amount in work:
                spend_record(campaign_id=campaign_id, amount=amount, source="load")
        except BaseException as error:  # collected and re-raised in the main thread
            failures.append(error)
        finally:
            connections.close_all()

    # when: eight threads, each with its own connection, record 480 spends at once
    threads = [threading.Thread(target=writer, args=(work,)) for work in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then: the ledger, both rollups and the expectation agree to the cent
    assert not failures, failures
    assert Spend.objects.count() == THREADS * SPENDS_PER_THREAD
    assert Spend.objects.aggregate(t=Sum("amount"))["t"] == expected
    assert CampaignDailySpend.objects.aggregate(t=Sum("amount"))["t"] == expected
    assert BrandDailySpend.objects.aggregate(t=Sum("amount"))["t"] == expected
    assert CampaignMonthlySpend.objects.aggregate(t=Sum("amount"))["t"] == expected
    assert BrandMonthlySpend.objects.aggregate(t=Sum("amount"))["t"] == expected
    for campaign in campaigns:
        assert (
            CampaignDailySpend.objects.filter(campaign=campaign).aggregate(t=Sum("amount"))["t"]
            == (per_campaign[campaign.pk])
        )
    # and every campaign stopped exactly once (a cap crossing pauses once; later spends don't)
    assert expected >= Decimal("900.00")
    for campaign in Campaign.objects.filter(brand=brand):
        assert campaign.status == Status.ACTIVE
        assert not campaign.is_active
        stops = event_log(campaign_id=campaign.pk, types=["campaign.paused"])
        assert stops.count() == 1, (campaign.name, list(stops.values_list("data", flat=True)))
    assert set(Campaign.objects.filter(brand=brand).values_list("pause_reason", flat=True)) == {
        "brand_daily_budget"
    }
