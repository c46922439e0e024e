"""Acceptance: no admin action or form changes a campaign's ``is_active`` itself.

Each path is driven through the Django test client with the service it must use wrapped
in a spy, and every campaign whose serving state changed must carry the audit event that
only the service layer writes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign
from campaigns.rules import Status
from core.tests.factories import make_brand, make_campaign, make_schedule
from ops.tests.helpers import NOON, assert_serving_changes_audited, last_event_id, serving_state
from scheduling.models import ScheduleWindow
from spending.services import spend_record

pytestmark = [pytest.mark.django_db]


def _world() -> dict[str, Any]:
    brand = make_brand(name="Acme", daily_budget=Decimal("100.00"))
    schedule = make_schedule(([0, 1, 2, 3, 4, 5, 6], "00:00", "23:00"), name="Day", timezone="UTC")
    serving = make_campaign(
        brand=brand, name="Serving", daily_budget=Decimal("50.00"), dayparting_schedule=schedule
    )
    paused = make_campaign(brand=brand, name="Paused", status=Status.PAUSED)
    spend_record(campaign_id=serving.pk, amount="40.00")
    return {"brand": brand, "schedule": schedule, "serving": serving, "paused": paused}


def _brand_form(world: dict[str, Any], **overrides: str) -> dict[str, str]:
    brand = world["brand"]
    data = {
        "name": brand.name,
        "timezone": brand.timezone,
        "currency": brand.currency,
        "daily_budget": "30.00",
        "monthly_budget": "",
        "is_active": "on",
        "campaigns-TOTAL_FORMS": "0",
        "campaigns-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def _post(client: Client, url: str, data: dict[str, Any]) -> None:
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def brand_form(client: Client, world: dict[str, Any]) -> None:
    _post(client, reverse("admin:brands_brand_change", args=[world["brand"].pk]), _brand_form(world))


def brand_action(client: Client, world: dict[str, Any]) -> None:
    url = reverse("admin:brands_brand_changelist")
    _post(client, url, {"action": "deactivate_brands", "_selected_action": [world["brand"].pk]})


def campaign_add(client: Client, world: dict[str, Any]) -> None:
    data = {
        "brand": world["brand"].pk,
        "name": "New",
        "status": "active",
        "daily_budget": "",
        "monthly_budget": "",
    }
    _post(client, reverse("admin:campaigns_campaign_add"), data)


def campaign_form(client: Client, world: dict[str, Any]) -> None:
    campaign = world["serving"]
    data = {
        "name": campaign.name,
        "status": "active",
        "daily_budget": "40.00",
        "monthly_budget": "",
        "dayparting_schedule": str(world["schedule"].pk),
    }
    _post(client, reverse("admin:campaigns_campaign_change", args=[campaign.pk]), data)


def _campaign_action(name: str) -> Callable[[Client, dict[str, Any]], None]:
    def run(client: Client, world: dict[str, Any]) -> None:
        url = reverse("admin:campaigns_campaign_changelist")
        _post(client, url, {"action": name, "_selected_action": [world["serving"].pk, world["paused"].pk]})

    return run


def spend_add(client: Client, world: dict[str, Any]) -> None:
    data = {"campaign": world["serving"].pk, "amount": "10.00", "source": "manual"}
    _post(client, reverse("admin:spending_spend_add"), data)


def schedule_form(client: Client, world: dict[str, Any]) -> None:
    schedule = world["schedule"]
    window = ScheduleWindow.objects.get(schedule=schedule)
    data = {
        "name": schedule.name,
        "timezone": "UTC",
        "is_active": "on",
        "windows-TOTAL_FORMS": "1",
        "windows-INITIAL_FORMS": "1",
        "windows-0-id": str(window.pk),
        "windows-0-schedule": str(schedule.pk),
        "windows-0-days_mask": ["0"],
        "windows-0-start_time": "01:00",
        "windows-0-end_time": "02:00",
    }
    _post(client, reverse("admin:scheduling_daypartingschedule_change", args=[schedule.pk]), data)


def _reevaluate_stale(client: Client, world: dict[str, Any]) -> None:
    # make the stored state stale (as a missed sweep would), then ask the admin to re-check
    Campaign.objects.filter(pk=world["serving"].pk).update(daily_budget=Decimal("10.00"))
    _campaign_action("reevaluate_campaigns")(client, world)


PATHS = [
    ("brand change form", brand_form, "brands.admin.brand_update"),
    ("brand deactivate action", brand_action, "brands.admin.brand_set_active"),
    ("campaign add form", campaign_add, "campaigns.admin.campaign_create"),
    ("campaign change form", campaign_form, "campaigns.admin.campaign_update"),
    ("campaign activate action", _campaign_action("activate_campaigns"), "campaigns.admin.campaign_activate"),
    ("campaign pause action", _campaign_action("pause_campaigns"), "campaigns.admin.campaign_pause"),
    ("campaign re-evaluate action", _reevaluate_stale, "campaigns.admin.reevaluate"),
    ("spend add form", spend_add, "spending.admin.spend_record"),
    ("schedule change form", schedule_form, "scheduling.admin.schedule_update"),
]


@pytest.mark.parametrize(("path", "drive", "service"), PATHS, ids=[p[0] for p in PATHS])
@time_machine.travel(NOON, tick=False)
def test_every_admin_path_changes_serving_only_through_the_services(
    admin_client: Client, path: str, drive: Callable[[Client, dict[str, Any]], None], service: str
) -> None:
    world = _world()
    before, since = serving_state(), last_event_id()
    module_name, _, attribute = service.rpartition(".")
    real = getattr(__import__(module_name, fromlist=[attribute]), attribute)

    with mock.patch(service, side_effect=real) as spy:
        drive(admin_client, world)

    assert spy.called, f"{path} did not call {service}"
    changed = assert_serving_changes_audited(before, since)
    assert changed >= 1, f"{path} was expected to change a campaign's serving state"
