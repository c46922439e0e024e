"""Helpers shared by the automation tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import PauseReason
from core.tests.factories import make_brand, make_campaign, make_schedule
from core.timeutils import get_zone
from events.selectors import event_log
from spending.services import spend_record

# The types of the serving changes (pauses, resumes, new reasons) in the log.
SERVING_TYPES = ["campaign.paused", "campaign.resumed", "campaign.reason_changed"]


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


def mixed_campaigns(count: int) -> None:
    """Campaigns in every state: serving, over budget, outside schedule, brand inactive,
    stopped by the system but free to serve again."""
    night = make_schedule(([0, 1, 2, 3, 4, 5, 6], "01:00", "02:00"))
    brands = [make_brand(), make_brand(is_active=False)]
    for index in range(count):
        kind = index % 5
        make_campaign(
            brand=brands[1] if kind == 3 else brands[0],
            daily_budget=Decimal(0) if kind == 1 else None,
            dayparting_schedule=night if kind == 2 else None,
            is_active=kind != 4,
            pause_reason=PauseReason.CAMPAIGN_DAILY_BUDGET if kind == 4 else "",
        )


def serving_events(campaign: Campaign) -> list[tuple[str, str]]:
    """(type, actor name) of the campaign's pause and resume events in the log, oldest first."""
    types = ["campaign.resumed", "campaign.paused"]
    return list(event_log(campaign_id=campaign.pk, types=types).values_list("type", "actor_name"))
