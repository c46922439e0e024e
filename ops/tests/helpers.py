"""Data for the admin tests: brands in several time zones, with campaigns and spend
recorded through the services (so rollups and serving states are real)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client
from pytest_django import DjangoAssertNumQueries

from campaigns.models import Campaign
from campaigns.services import reconcile
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.selectors import event_log
from spending.services import SpendInput, spend_record_many

NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
ZONES = ("UTC", "America/Los_Angeles", "Asia/Tokyo", "Pacific/Kiritimati", "Europe/Paris")


def populate(count: int, *, spend: str = "10.00") -> list[Campaign]:
    """``count`` brands (each with a campaign, caps and today's spend) in several zones."""
    schedule = make_schedule(([0, 1, 2, 3, 4, 5, 6], "00:00", "23:00"), name="Almost all day")
    campaigns = []
    for index in range(count):
        brand = make_brand(
            name=f"Brand {index:03d}",
            timezone=ZONES[index % len(ZONES)],
            daily_budget=Decimal("100.00"),
            monthly_budget=Decimal("1000.00"),
        )
        campaigns.append(
            make_campaign(
                brand=brand,
                name=f"Campaign {index:03d}",
                daily_budget=Decimal("50.00") if index % 2 else None,
                dayparting_schedule=schedule if index % 3 == 0 else None,
            )
        )
    spend_record_many(items=[SpendInput(c.pk, spend) for c in campaigns])
    reconcile()
    return campaigns


def serving_state() -> dict[int, tuple[bool, str, str]]:
    return {
        pk: (a, r, s)
        for pk, a, r, s in Campaign.objects.values_list("pk", "is_active", "pause_reason", "status")
    }


def assert_serving_changes_audited(before: dict[int, tuple[bool, str, str]], since_event: int) -> int:
    """Every campaign whose ``is_active`` changed (a new one counts as not serving before) has
    a serving event written after ``since_event`` (only the services write those); returns how
    many changed."""
    after = serving_state()
    changed = [pk for pk, state in after.items() if before.get(pk, (False, "", ""))[0] != state[0]]
    for pk in changed:
        kind = "campaign.resumed" if after[pk][0] else "campaign.paused"
        assert event_log(campaign_id=pk, types=[kind]).filter(seq__gt=since_event).exists(), (
            f"campaign {pk} changed is_active without the service's event"
        )
    return len(changed)


def last_event_id() -> int:
    """The insertion number of the log's last event (0: none)."""
    return event_log().values_list("seq", flat=True).last() or 0


def assert_list_in_fixed_queries(
    client: Client,
    assert_max_num_queries: DjangoAssertNumQueries,
    url: str,
    *,
    queries: int,
    rows: int,
    per_page: int,
) -> None:
    """The whole changelist (``?all=``) of ``rows`` rows takes at most ``queries`` queries,
    and without ``?all=`` it is paginated by ``per_page``."""
    with assert_max_num_queries(queries):
        response = client.get(f"{url}?all=")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == rows
    paged = client.get(url).context["cl"]
    assert (len(paged.result_list), paged.multi_page) == (min(rows, per_page), rows > per_page)
