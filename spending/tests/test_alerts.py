"""Threshold alerts on the spend path and on budget changes: exactly one
``budget.threshold_reached`` per owner, cap, period and threshold (API.md "Alerts")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from brands.services import brand_update
from campaigns.models import Campaign
from campaigns.rules import Status
from campaigns.services import campaign_update
from core.actors import Actor
from core.tests.factories import make_brand, make_campaign
from events.selectors import event_log
from spending.models import AlertMark
from spending.services import SpendInput, spend_record, spend_record_many

NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
OPS = Actor(kind=Actor.USER, label="ops")
REACHED = "budget.threshold_reached"

pytestmark = pytest.mark.django_db


def reached(**filters: Any) -> list[tuple[Any, ...]]:
    """(scope, period, threshold, date, campaign id) of every threshold event, in order."""
    return [
        (e.data["scope"], e.data["period"], e.data["threshold"], e.data["date"], e.campaign_id)
        for e in event_log(types=[REACHED], **filters)
    ]


def spend(campaign: Campaign, amount: str, **kwargs: Any) -> None:
    spend_record(campaign_id=campaign.pk, amount=amount, **kwargs)


@time_machine.travel(NOON, tick=False)
def test_each_cap_and_period_alerts_once_per_threshold() -> None:
    brand = make_brand(daily_budget=Decimal("100.00"), monthly_budget=Decimal("1000.00"))
    campaign = make_campaign(brand=brand, daily_budget=Decimal("20.00"), monthly_budget=Decimal("40.00"))

    spend(campaign, "10.00")  # campaign daily 50%, monthly 25%; brand 10% / 1%
    spend(campaign, "6.00")  # campaign daily 80%, monthly 40%
    spend(campaign, "4.00")  # campaign daily 100%, monthly 50%
    spend(campaign, "0.01")  # nothing new

    day, month = "2026-11-18", "2026-11-01"
    assert reached(brand_id=brand.pk) == [
        ("campaign", "daily", 50, day, campaign.pk),
        ("campaign", "daily", 80, day, campaign.pk),
        ("campaign", "daily", 100, day, campaign.pk),
        ("campaign", "monthly", 50, month, campaign.pk),
    ]
    event = event_log(types=[REACHED]).last()
    assert event is not None
    assert (event.actor_kind, event.actor_name, event.brand_id) == ("system", "spend", brand.pk)
    assert event.data["spend"] == "20.00"
    assert event.data["budget"] == "40.00"
    assert event.data["recorded_by"] == {"kind": "system", "name": "api"}


@time_machine.travel(NOON, tick=False)
def test_brand_caps_alert_with_the_brand_as_scope() -> None:
    brand = make_brand(daily_budget=Decimal("100.00"), monthly_budget=Decimal("200.00"))
    campaign = make_campaign(brand=brand)

    spend(campaign, "100.00")

    assert reached() == [
        ("brand", "daily", 50, "2026-11-18", None),
        ("brand", "daily", 80, "2026-11-18", None),
        ("brand", "daily", 100, "2026-11-18", None),
        ("brand", "monthly", 50, "2026-11-01", None),
    ]


@time_machine.travel(NOON, tick=False)
def test_a_bulk_jump_from_40_to_120_percent_writes_50_80_and_100_at_once() -> None:
    brand = make_brand(daily_budget=Decimal("100.00"))
    campaigns = [make_campaign(brand=brand) for _ in range(2)]
    spend(campaigns[0], "40.00")

    spend_record_many(items=[SpendInput(campaigns[0].pk, "50.00"), SpendInput(campaigns[1].pk, "30.00")])

    assert [t for _, _, t, _, _ in reached()] == [50, 80, 100]
    assert AlertMark.objects.count() == 3


@time_machine.travel(NOON, tick=False)
def test_a_raised_budget_re_arms_the_thresholds_above_the_usage() -> None:
    brand = make_brand(daily_budget=Decimal("100.00"))
    campaign = make_campaign(brand=brand)
    spend(campaign, "90.00")  # 50, 80

    brand_update(brand_id=brand.pk, daily_budget="200.00", actor=OPS)  # 45%: 50 and 80 re-armed
    spend(campaign, "10.00")  # 50% again
    spend(campaign, "70.00")  # 85%

    assert [t for _, _, t, _, _ in reached()] == [50, 80, 50, 80]


@time_machine.travel(NOON, tick=False)
def test_a_raised_campaign_budget_re_arms_only_above_the_usage() -> None:
    campaign = make_campaign(daily_budget=Decimal("10.00"))
    spend(campaign, "9.00")  # 50, 80

    campaign_update(campaign_id=campaign.pk, daily_budget="15.00", actor=OPS)  # 60%: 80 re-armed
    spend(campaign, "3.00")  # 80%

    assert [t for _, _, t, _, _ in reached()] == [50, 80, 80]


@time_machine.travel(NOON, tick=False)
def test_a_lowered_budget_alerts_at_once_as_the_person_who_lowered_it() -> None:
    brand = make_brand(daily_budget=Decimal("100.00"))
    campaign = make_campaign(brand=brand, status=Status.PAUSED, monthly_budget=Decimal("100.00"))
    spend(campaign, "60.00")  # brand daily 50, campaign monthly 50 (a paused campaign counts)

    brand_update(brand_id=brand.pk, daily_budget="70.00", actor=OPS)  # 85.7%: 80
    campaign_update(campaign_id=campaign.pk, monthly_budget="60.00", actor=OPS)  # 100%: 80, 100
    brand_update(brand_id=brand.pk, daily_budget="65.00", actor=OPS)  # 92%: nothing new
    spend(campaign, "10.00")  # brand 107%: 100

    events = list(event_log(types=[REACHED]))
    assert [(e.data["scope"], e.data["threshold"], e.actor_name) for e in events] == [
        ("brand", 50, "spend"),
        ("campaign", 50, "spend"),
        ("brand", 80, "ops"),
        ("campaign", 80, "ops"),
        ("campaign", 100, "ops"),
        ("brand", 100, "spend"),
    ]


@time_machine.travel(NOON, tick=False)
def test_lowered_thresholds_alert_at_once_for_the_brand_and_its_campaigns() -> None:
    brand = make_brand(daily_budget=Decimal("100.00"), alert_thresholds=[80])
    campaign = make_campaign(brand=brand, daily_budget=Decimal("10.00"))
    spend(campaign, "7.00")  # brand 7%, campaign 70%: nothing

    brand_update(brand_id=brand.pk, alert_thresholds=[60, 5, 80], actor=OPS)

    assert sorted((s, t) for s, _, t, _, _ in reached()) == [("brand", 5), ("campaign", 5), ("campaign", 60)]
    brand.refresh_from_db()
    assert brand.alert_thresholds == [5, 60, 80]
    change = event_log(types=["brand.updated"]).get()
    assert change.data["changes"] == {"alert_thresholds": [[80], [5, 60, 80]]}


def test_a_new_day_and_a_new_month_re_arm_by_themselves() -> None:
    campaign = make_campaign(daily_budget=Decimal("10.00"), monthly_budget=Decimal("100.00"))
    with time_machine.travel(dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC), tick=False):
        spend(campaign, "5.00")
        spend(campaign, "45.00")
    with time_machine.travel(dt.datetime(2026, 12, 1, 0, 1, tzinfo=dt.UTC), tick=False):
        spend(campaign, "5.00")

    assert reached() == [
        ("campaign", "daily", 50, "2026-11-30", campaign.pk),
        ("campaign", "daily", 80, "2026-11-30", campaign.pk),
        ("campaign", "daily", 100, "2026-11-30", campaign.pk),
        ("campaign", "monthly", 50, "2026-11-01", campaign.pk),
        ("campaign", "daily", 50, "2026-12-01", campaign.pk),
    ]


def test_the_local_day_is_the_brands() -> None:
    brand = make_brand(timezone="Pacific/Kiritimati", daily_budget=Decimal("10.00"))  # UTC+14
    campaign = make_campaign(brand=brand)
    with time_machine.travel(dt.datetime(2026, 11, 18, 9, 59, tzinfo=dt.UTC), tick=False):
        spend(campaign, "5.00")  # 23:59 local on the 18th
    with time_machine.travel(dt.datetime(2026, 11, 18, 10, 1, tzinfo=dt.UTC), tick=False):
        spend(campaign, "5.00")  # 00:01 local on the 19th

    assert [d for _, _, _, d, _ in reached()] == ["2026-11-18", "2026-11-19"]


@time_machine.travel(NOON, tick=False)
def test_nothing_fires_for_an_uncapped_owner_or_without_thresholds() -> None:
    uncapped = make_campaign(brand=make_brand(name="Open"))
    silent = make_brand(name="Silent", daily_budget=Decimal("10.00"), alert_thresholds=[])
    quiet = make_campaign(brand=silent, daily_budget=Decimal("1.00"), status=Status.PAUSED)

    spend(uncapped, "1000.00")
    spend(quiet, "50.00")
    brand_update(brand_id=silent.pk, daily_budget="5.00", actor=OPS)

    assert reached() == []
    assert not AlertMark.objects.exists()


@pytest.mark.postgres
@time_machine.travel(NOON, tick=False)
def test_a_crossing_adds_one_round_trip_none_with_a_pause_and_the_common_case_none(
    django_assert_num_queries: Any,
) -> None:
    brand = make_brand(daily_budget=Decimal("1000.00"), monthly_budget=Decimal("100000.00"))
    campaign = make_campaign(brand=brand, daily_budget=Decimal("100.00"))
    paused = make_campaign(brand=brand, daily_budget=Decimal("100.00"), status=Status.PAUSED)
    spend(campaign, "1.00")
    spend(paused, "1.00")

    # lock + read, ledger + rollups + totals, the savepoint pair: as without alerts
    with django_assert_num_queries(4):
        spend(campaign, "1.00")
    with django_assert_num_queries(4):
        spend(paused, "1.00")
    # 50% of the campaign's cap: the marks' insert and the events' insert, one statement
    with django_assert_num_queries(5):
        spend(paused, "48.00")
    assert reached() == [("campaign", "daily", 50, "2026-11-18", paused.pk)]
    # 50%, 80% and 100% at once, and the pause: the alerts ride with the pause's statements
    with django_assert_num_queries(5):
        spend(campaign, "98.00")
    assert reached(campaign_id=campaign.pk) == [
        ("campaign", "daily", threshold, "2026-11-18", campaign.pk) for threshold in (50, 80, 100)
    ]
    campaign.refresh_from_db()
    assert not campaign.is_active
    assert [event.type for event in event_log(campaign_id=campaign.pk)][-4:] == [
        "budget.threshold_reached",
        "budget.threshold_reached",
        "budget.threshold_reached",
        "campaign.paused",
    ]
