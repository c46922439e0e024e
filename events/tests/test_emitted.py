"""What each service writes to the log: types, ``data`` and actors (API.md, "Events")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User

from access.roles import Role
from access.services import api_key_create, api_key_revoke, team_create, team_update
from brands.services import brand_create, brand_update
from campaigns.rules import Status
from campaigns.services import campaign_create, campaign_pause, campaign_update
from core.actors import Actor
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.models import Event
from events.selectors import event_log
from events.types import data_errors, field_changes
from scheduling.services import schedule_create, schedule_update
from spending.services import spend_record

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)  # a Wednesday
OPS = Actor(kind=Actor.USER, label="ops", user_id=None)


def _only(**filters: Any) -> Event:
    [event] = list(event_log(**filters))
    assert data_errors(event.type, event.data) is None
    return event


def test_field_changes_lists_what_differs_as_json_values() -> None:
    assert field_changes({"a": Decimal("1.00"), "b": 1}, {"a": Decimal("1.0"), "b": 2}) == {"b": [1, 2]}
    assert field_changes({}, {"budget": Decimal("5"), "at": dt.time(9, 30)}) == {
        "budget": [None, "5.00"],
        "at": [None, "09:30"],
    }


def test_a_brand_is_created_and_updated_with_its_changes() -> None:
    brand = brand_create(name="Acme", timezone="Europe/Paris", daily_budget="100.00", actor=OPS)
    created = _only(types=["brand.created"])
    assert (created.brand_id, created.campaign_id, created.actor_name) == (brand.pk, None, "ops")
    assert created.data["changes"] == {
        "name": [None, "Acme"],
        "timezone": [None, "Europe/Paris"],
        "currency": [None, "USD"],
        "daily_budget": [None, "100.00"],
        "monthly_budget": [None, None],
        "is_active": [None, True],
        "alert_thresholds": [None, [50, 80, 100]],
        "alert_emails": [None, []],
    }
    assert created.audit  # a budget set: kept AUDIT_RETENTION_DAYS

    brand_update(brand_id=brand.pk, daily_budget="80.00", timezone="Europe/Paris", actor=OPS)
    brand_update(brand_id=brand.pk, name="Acme", actor=OPS)  # nothing changes: no event

    updated = _only(types=["brand.updated"])
    assert updated.data["changes"] == {"daily_budget": ["100.00", "80.00"]}
    assert updated.audit


@time_machine.travel(NOON, tick=False)
def test_a_campaign_is_created_and_updated_with_its_changes_and_a_persons_stop_is_a_pause() -> None:
    brand = make_brand()
    schedule = make_schedule(([0, 1, 2, 3, 4], "09:00", "17:00"))
    campaign = campaign_create(brand_id=brand.pk, name="Launch", status=Status.ACTIVE, actor=OPS)
    assert [e.type for e in event_log(campaign_id=campaign.pk)] == ["campaign.created", "campaign.resumed"]
    assert _only(types=["campaign.created"]).data["changes"] == {
        "name": [None, "Launch"],
        "status": [None, "active"],
        "daily_budget": [None, None],
        "monthly_budget": [None, None],
        "dayparting_schedule": [None, None],
    }

    campaign_update(
        campaign_id=campaign.pk,
        name="Launch 2",
        daily_budget="50.00",
        dayparting_schedule_id=schedule.pk,
        reason="client asked",
        actor=OPS,
    )
    campaign_pause(campaign_id=campaign.pk, actor=OPS)

    updates = list(event_log(campaign_id=campaign.pk, types=["campaign.updated"]))
    assert [u.data for u in updates] == [
        {
            "changes": {
                "name": ["Launch", "Launch 2"],
                "daily_budget": [None, "50.00"],
                "dayparting_schedule": [None, schedule.pk],
            },
            "reason": "client asked",
        },
        {"changes": {"status": ["active", "paused"]}},
    ]
    pause = _only(campaign_id=campaign.pk, types=["campaign.paused"])
    assert pause.data == {"reason": None, "reasons": [], "previous_reason": None, "status": "paused"}
    assert (pause.actor_kind, pause.actor_name, pause.brand_id) == ("user", "ops", brand.pk)


@time_machine.travel(NOON, tick=False)
def test_a_spends_pause_is_the_systems_with_who_recorded_it() -> None:
    campaign = make_campaign(daily_budget=Decimal("10.00"))
    spend_record(campaign_id=campaign.pk, amount="10.00", actor=Actor(kind=Actor.TOKEN, label="etl"))

    pause = _only(types=["campaign.paused"])
    assert pause.payload()["actor"] == {"kind": "system", "name": "spend"}
    assert pause.data == {
        "reason": "campaign_daily_budget",
        "reasons": ["campaign_daily_budget"],
        "previous_reason": None,
        "recorded_by": {"kind": "token", "name": "etl"},
    }
    assert (pause.brand_id, pause.campaign_id) == (campaign.brand_id, campaign.pk)


def test_a_schedule_carries_its_windows_as_text() -> None:
    schedule = schedule_create(
        name="Hours",
        windows=[
            {"days_of_week": [0, 1, 2, 3, 4], "start_time": "09:00", "end_time": "17:00"},
            {"days_of_week": [4], "start_time": "22:00", "end_time": "02:00"},
        ],
        actor=OPS,
    )
    created = _only(types=["schedule.created"])
    assert created.data == {
        "schedule": schedule.pk,
        "changes": {
            "name": [None, "Hours"],
            "timezone": [None, None],
            "is_active": [None, True],
            "windows": [None, "Mon-Fri 09:00-17:00; Fri 22:00-02:00"],
        },
    }
    schedule_update(
        schedule_id=schedule.pk,
        windows=[{"days_of_week": [5, 6], "start_time": "10:00", "end_time": "14:00"}],
        actor=OPS,
    )
    schedule_update(schedule_id=schedule.pk, name="Hours", actor=OPS)  # nothing changes

    assert _only(types=["schedule.updated"]).data["changes"] == {
        "windows": ["Mon-Fri 09:00-17:00; Fri 22:00-02:00", "Sat, Sun 10:00-14:00"]
    }


def test_team_and_api_key_changes_are_logged_without_any_secret() -> None:
    alice = User.objects.create_user("alice")
    brand = make_brand()
    team = team_create(name="Acme team", brand_ids=[brand.pk], members=[(alice.pk, Role.MANAGER)], actor=OPS)
    team_update(team_id=team.pk, members=[(alice.pk, Role.VIEWER)], actor=OPS)
    created = api_key_create(
        team_id=team.pk, role=Role.INTEGRATION, name="sync", brand_ids=[brand.pk], actor=OPS
    )
    api_key_revoke(api_key_id=created.api_key.pk, actor=OPS)

    assert _only(types=["team.created"]).data["changes"] == {
        "name": [None, "Acme team"],
        "brands": [None, [brand.pk]],
        "members": [None, {"alice": "manager"}],
    }
    assert _only(types=["team.updated"]).data["changes"] == {
        "members": [{"alice": "manager"}, {"alice": "viewer"}]
    }
    key = created.api_key
    assert _only(types=["api_key.created"]).data == {
        "api_key": key.pk,
        "name": "sync",
        "prefix": key.prefix,
        "team": team.pk,
        "role": "integration",
        "brands": [brand.pk],
        "expires_at": None,
    }
    assert _only(types=["api_key.revoked"]).data == {
        "api_key": key.pk,
        "name": "sync",
        "prefix": key.prefix,
        "team": team.pk,
    }
    secret = created.key.split(".", 1)[1]
    logged = " ".join(str(event.data) for event in event_log())
    assert secret not in logged
    assert key.hashed_key not in logged
