"""List endpoints answer in a constant number of queries, whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from brands.models import Brand
from campaigns.models import Campaign
from core.actors import Actor
from events.services import NewEvent, event_append_many, events_position
from scheduling.models import DaypartingSchedule, ScheduleWindow
from spending.services import SpendInput, spend_record_many

from .conftest import clients_team_holds

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
ZONES = ("UTC", "America/Los_Angeles", "Asia/Tokyo", "Pacific/Kiritimati")
# Authentication (token + user), permissions (user and group permissions), count, page,
# and for campaigns: windows prefetch, brand and campaign totals per distinct local date.
MAX_QUERIES = 12


def seed(rows: int) -> tuple[Brand, Campaign]:
    """``rows`` of everything: brands in four time zones, schedules with windows, campaigns
    (half of them stopped by their daily budget), spends, and events of one campaign."""
    brands = Brand.objects.bulk_create(
        Brand(name=f"Brand {i:03}", timezone=ZONES[i % 4], daily_budget=Decimal("1000.00"))
        for i in range(rows)
    )
    schedules = DaypartingSchedule.objects.bulk_create(
        DaypartingSchedule(name=f"S{i:03}") for i in range(rows)
    )
    ScheduleWindow.objects.bulk_create(
        ScheduleWindow(schedule=schedule, days_mask=days, start_time=start, end_time=end)
        for schedule in schedules
        for days, start, end in ((0b111, dt.time(9), dt.time(17)), (0b10000, dt.time(22), dt.time(2)))
    )
    campaigns = Campaign.objects.bulk_create(
        Campaign(
            brand=brands[i],
            name=f"Campaign {i:03}",
            status="active",
            is_active=True,
            daily_budget=Decimal("10.00") if i % 2 else None,
            dayparting_schedule=schedules[i],
        )
        for i in range(rows)
    )
    spend_record_many(items=[SpendInput(c.pk, "10.00") for c in campaigns])
    first = campaigns[0]
    with transaction.atomic():
        event_append_many(
            events=[
                NewEvent(
                    "campaign.updated",
                    {"changes": {"status": ["active", "paused"]}},
                    first.brand_id,
                    first.pk,
                )
            ]
            * rows,
            actor=Actor.system("test"),
        )
    events_position()  # committed history: the dispatcher has given the events their ids
    return brands[0], first


LISTS = [
    "/api/v1/brands/",
    "/api/v1/campaigns/",
    "/api/v1/schedules/",
    "/api/v1/spends/",
    "/api/v1/campaigns/{campaign}/events/",
    "/api/v1/brands/{brand}/budget/",
]


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize("rows", [5, 200])
@pytest.mark.parametrize("path", LISTS)
def test_lists_take_a_constant_number_of_queries(
    reader: APIClient, django_assert_max_num_queries: DjangoAssertNumQueries, rows: int, path: str
) -> None:
    brand, campaign = seed(rows)
    clients_team_holds(Brand.objects.all())  # the reader's team (conftest), as bulk_create sends no signal
    url = path.format(brand=brand.pk, campaign=campaign.pk)
    if "budget" in url:  # a brand with every campaign of the seed
        Campaign.objects.update(brand=brand)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = reader.get(url, {"page_size": 500})

    assert response.status_code == 200
    body = response.json()
    listed = body["campaigns"] if "budget" in url else body["results"]
    assert len(listed) >= min(rows, 5)
    if path == "/api/v1/campaigns/":
        assert len(listed) == rows
        assert {c["pause_reason"] for c in listed} >= {"campaign_daily_budget"}
