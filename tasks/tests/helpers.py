"""Helpers shared by the automation tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from brands.models import Brand
from campaigns.models import Campaign
from core.tests.factories import make_brand, make_campaign
from core.timeutils import get_zone
from events.selectors import event_log
from spending.services import spend_record


def local(tz_name: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An aware datetime given as a wall-clock time in ``tz_name``."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=get_zone(tz_name))


def spent_out_campaign(
    tz_name: str, moment: dt.datetime, *, monthly: bool = False, brand: Brand | None = None
) -> Campaign:
    """A campaign whose daily (or monthly) budget of 10.00 is exhausted by spend at ``moment``."""
    brand = brand or make_brand(timezone=tz_name)
    budget = {"monthly_budget": Decimal("10.00")} if monthly else {"daily_budget": Decimal("10.00")}
    campaign = make_campaign(brand=brand, **budget)
    with time_machine.travel(moment, tick=False):
        spend_record(campaign_id=campaign.pk, amount="10.00")
    campaign.refresh_from_db()
    assert not campaign.is_active
    return campaign


def serving_events(campaign: Campaign) -> list[tuple[str, str]]:
    """(type, actor name) of the campaign's pause and resume events in the log, oldest first."""
    types = ["campaign.resumed", "campaign.paused"]
    return list(event_log(campaign_id=campaign.pk, types=types).values_list("type", "actor_name"))
