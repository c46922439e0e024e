"""The methods ops staff know from the source documents, each a thin delegate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from campaigns.models import CampaignEvent
from campaigns.rules import PauseReason, Status
from campaigns.services import campaign_update
from core.tests.factories import make_brand, make_campaign, make_schedule
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
    assert brand.get_daily_spend() == Decimal("30.00")
    assert brand.get_monthly_spend() == Decimal("50.00")
    assert brand.get_daily_spend(dt.date(2026, 11, 2)) == Decimal("20.00")
    assert brand.get_daily_budget_remaining() == Decimal("70.00")
    assert brand.get_monthly_budget_remaining() is None
    assert brand.has_daily_budget_available()
    assert brand.has_monthly_budget_available()
    assert list(brand.get_active_campaigns()) == [campaign]
    assert brand.can_activate_campaigns()
    spend_record(campaign_id=campaign.pk, amount="70.00")
    assert brand.get_daily_budget_remaining() == Decimal("0.00")
    assert not brand.has_daily_budget_available()
    assert not brand.can_activate_campaigns()
    assert list(brand.get_active_campaigns()) == []


@time_machine.travel(MOMENT, tick=False)
def test_campaign_methods() -> None:
    campaign = make_campaign(daily_budget=Decimal("10.00"), monthly_budget=Decimal("15.00"))
    assert campaign.get_daily_budget_limit() == Decimal("10.00")
    assert campaign.get_monthly_budget_limit() == Decimal("15.00")
    assert campaign.can_be_activated()
    assert not campaign.should_be_paused()
    spend_record(campaign_id=campaign.pk, amount="6.00", date=dt.date(2026, 11, 1))
    spend_record(campaign_id=campaign.pk, amount="4.00")
    assert campaign.get_daily_spend() == Decimal("4.00")
    assert campaign.get_monthly_spend() == Decimal("10.00")
    assert campaign.get_daily_budget_remaining() == Decimal("6.00")
    assert campaign.get_monthly_budget_remaining() == Decimal("5.00")
    assert campaign.has_daily_budget_available()
    assert campaign.has_monthly_budget_available()
    spend_record(campaign_id=campaign.pk, amount="5.00")
    campaign.refresh_from_db()
    assert not campaign.has_monthly_budget_available()
    assert not campaign.can_be_activated()
    assert (campaign.is_active, campaign.pause_reason) == (False, PauseReason.CAMPAIGN_MONTHLY_BUDGET)
    assert not campaign.should_be_paused()  # already stopped


@time_machine.travel(MOMENT, tick=False)
def test_activate_and_pause_go_through_the_services() -> None:
    campaign = make_campaign(status=Status.DRAFT)
    assert campaign.activate() is True
    assert campaign.status == Status.ACTIVE
    assert campaign.pause() is True
    assert (campaign.status, campaign.is_active) == (Status.PAUSED, False)
    kinds = list(
        CampaignEvent.objects.filter(campaign=campaign).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds == ["status_changed", "serving_started", "status_changed", "serving_stopped"]


@time_machine.travel(MOMENT, tick=False)
def test_should_be_paused_sees_a_closed_window_before_the_sweep_does() -> None:
    schedule = make_schedule(([1], "09:00", "17:00"))  # Tuesday 09:00-17:00 in the brand's zone
    brand = make_brand(timezone="America/Los_Angeles")
    campaign = make_campaign(brand=brand, dayparting_schedule=schedule)  # row written serving
    assert not campaign.is_within_dayparting_schedule()  # 02:00 in Los Angeles
    assert campaign.should_be_paused()
    assert campaign.is_within_dayparting_schedule(dt.datetime(2026, 11, 24, 18, 0, tzinfo=UTC))
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
    assert record.get_daily_total() == Decimal("5.00")
    assert record.get_monthly_total() == Decimal("6.00")
    assert record.get_brand_daily_total() == Decimal("15.00")
    assert record.get_brand_monthly_total() == Decimal("16.00")
