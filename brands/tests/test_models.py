"""The names ops staff know from the source documents: selector functions of the brand,
campaign or spend they take first, and the services behind activate and pause."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from campaigns.rules import PauseReason, Status
from campaigns.selectors import (
    can_be_activated,
    get_active_campaigns,
    is_within_dayparting_schedule,
    should_be_paused,
)
from campaigns.services import campaign_activate, campaign_pause, campaign_update
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.selectors import event_log
from spending.selectors import (
    can_activate_campaigns,
    get_brand_daily_total,
    get_brand_monthly_total,
    get_daily_budget_limit,
    get_daily_budget_remaining,
    get_daily_spend,
    get_daily_total,
    get_monthly_budget_limit,
    get_monthly_budget_remaining,
    get_monthly_spend,
    get_monthly_total,
    has_daily_budget_available,
    has_monthly_budget_available,
)
from spending.services import spend_record

pytestmark = pytest.mark.django_db
UTC = dt.UTC
# Tuesday 2026-11-24, 10:00 UTC; in Los Angeles it is still 02:00 on Tuesday.
MOMENT = dt.datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@time_machine.travel(MOMENT, tick=False)
def test_brand_spend_and_budget_methods() -> None:
    brand = make_brand(timezone="America/Los_Angeles", daily_budget=Decimal("100.00"), monthly_budget=None)
    campaign = make_campaign(brand=brand)
    spend_record(campaign_id=campaign.pk, amount="30.00")
    spend_record(campaign_id=campaign.pk, amount="20.00", date=dt.date(2026, 11, 2))
    spend_record(campaign_id=campaign.pk, amount="5.00", date=dt.date(2026, 10, 31))

    assert brand.local_today() == dt.date(2026, 11, 24)
    assert get_daily_spend(brand) == Decimal("30.00")
    assert get_monthly_spend(brand) == Decimal("50.00")
    assert get_daily_spend(brand, dt.date(2026, 11, 2)) == Decimal("20.00")
    assert get_daily_budget_remaining(brand) == Decimal("70.00")
    assert get_monthly_budget_remaining(brand) is None
    assert has_daily_budget_available(brand)
    assert has_monthly_budget_available(brand)
    assert list(get_active_campaigns(brand)) == [campaign]
    assert can_activate_campaigns(brand)
    spend_record(campaign_id=campaign.pk, amount="70.00")
    assert get_daily_budget_remaining(brand) == Decimal("0.00")
    assert not has_daily_budget_available(brand)
    assert not can_activate_campaigns(brand)
    assert list(get_active_campaigns(brand)) == []


@time_machine.travel(MOMENT, tick=False)
def test_campaign_methods() -> None:
    campaign = make_campaign(daily_budget=Decimal("10.00"), monthly_budget=Decimal("15.00"))
    assert get_daily_budget_limit(campaign) == Decimal("10.00")
    assert get_monthly_budget_limit(campaign) == Decimal("15.00")
    assert can_be_activated(campaign)
    assert not should_be_paused(campaign)
    spend_record(campaign_id=campaign.pk, amount="6.00", date=dt.date(2026, 11, 1))
    spend_record(campaign_id=campaign.pk, amount="4.00")
    assert get_daily_spend(campaign) == Decimal("4.00")
    assert get_monthly_spend(campaign) == Decimal("10.00")
    assert get_daily_budget_remaining(campaign) == Decimal("6.00")
    assert get_monthly_budget_remaining(campaign) == Decimal("5.00")
    assert has_daily_budget_available(campaign)
    assert has_monthly_budget_available(campaign)
    spend_record(campaign_id=campaign.pk, amount="5.00")
    campaign.refresh_from_db()
    assert not has_monthly_budget_available(campaign)
    assert not can_be_activated(campaign)
    assert (campaign.is_active, campaign.pause_reason) == (False, PauseReason.CAMPAIGN_MONTHLY_BUDGET)
    assert not should_be_paused(campaign)  # already stopped


@time_machine.travel(MOMENT, tick=False)
def test_activate_and_pause_go_through_the_services() -> None:
    campaign = make_campaign(status=Status.DRAFT)
    assert campaign_activate(campaign_id=campaign.pk).is_active is True
    campaign.refresh_from_db()
    assert campaign.status == Status.ACTIVE
    assert campaign_pause(campaign_id=campaign.pk).is_active is False
    campaign.refresh_from_db()
    assert (campaign.status, campaign.is_active) == (Status.PAUSED, False)
    events = [(event.type, event.data) for event in event_log(campaign_id=campaign.pk)]
    assert [kind for kind, _ in events] == [
        "campaign.updated",
        "campaign.resumed",
        "campaign.updated",
        "campaign.paused",
    ]
    assert events[0][1]["changes"] == {"status": ["draft", "active"]}
    assert events[2][1]["changes"] == {"status": ["active", "paused"]}
    assert events[3][1]["status"] == "paused"  # a person's status stopped it, no system reason


@time_machine.travel(MOMENT, tick=False)
def test_should_be_paused_sees_a_closed_window_before_the_sweep_does() -> None:
    schedule = make_schedule(([1], "09:00", "17:00"))  # Tuesday 09:00-17:00 in the brand's zone
    brand = make_brand(timezone="America/Los_Angeles")
    campaign = make_campaign(brand=brand, dayparting_schedule=schedule)  # row written serving
    assert not is_within_dayparting_schedule(campaign)  # 02:00 in Los Angeles
    assert should_be_paused(campaign)
    assert is_within_dayparting_schedule(campaign, dt.datetime(2026, 11, 24, 18, 0, tzinfo=UTC))
    campaign_update(campaign_id=campaign.pk, name="renamed")
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason) == (False, PauseReason.OUTSIDE_SCHEDULE)


@time_machine.travel(MOMENT, tick=False)
def test_schedule_methods_and_timezones() -> None:
    schedule = make_schedule(
        ([0, 1, 2, 3, 4], "09:00", "17:00"), ([4], "22:00", "02:00"), timezone="Europe/Paris"
    )
    assert schedule.is_currently_active()  # 11:00 in Paris on Tuesday
    assert not schedule.is_currently_active(dt.datetime(2026, 11, 24, 17, 0, tzinfo=UTC))
    assert schedule.get_days_display() == "Mon-Fri"
    assert schedule.days_display == "Mon-Fri"
    assert schedule.get_active_hours(4) == set(range(9, 17)) | {22, 23}
    assert schedule.get_active_hours(5) == {0, 1}
    floating = make_schedule(([1], "09:00", "17:00"))  # no zone: the brand's is used
    assert floating.is_currently_active(brand_timezone="UTC")
    assert not floating.is_currently_active(brand_timezone="America/Los_Angeles")
    floating.is_active = False
    assert floating.is_currently_active(brand_timezone="America/Los_Angeles")  # restricts nothing


@time_machine.travel(MOMENT, tick=False)
def test_spend_totals_around_a_record() -> None:
    brand = make_brand()
    first, second = make_campaign(brand=brand), make_campaign(brand=brand)
    record = spend_record(campaign_id=first.pk, amount="3.00", date=dt.date(2026, 11, 20)).spend
    spend_record(campaign_id=first.pk, amount="2.00", date=dt.date(2026, 11, 20))
    spend_record(campaign_id=first.pk, amount="1.00", date=dt.date(2026, 11, 19))
    spend_record(campaign_id=second.pk, amount="10.00", date=dt.date(2026, 11, 20))
    spend_record(campaign_id=second.pk, amount="10.00", date=dt.date(2026, 11, 21))
    assert get_daily_total(record) == Decimal("5.00")
    assert get_monthly_total(record) == Decimal("6.00")
    assert get_brand_daily_total(record) == Decimal("15.00")
    assert get_brand_monthly_total(record) == Decimal("16.00")
