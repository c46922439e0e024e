"""The data migration that moves the old audit trail (``CampaignEvent``) into the event log."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("campaigns", "0003_strict_input"), ("events", "0002_event_types_of_access")]
COPY = [("campaigns", "0004_campaignevent_into_the_log")]
MOMENT = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
DAILY, INACTIVE = "campaign_daily_budget", "brand_inactive"


def _migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate to ``targets``; the historical apps there."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.fixture
def old_schema() -> Iterator[Any]:
    """The database as it was before the copy (the old table still there), put back after."""
    apps = _migrate(BEFORE)
    try:
        yield apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_old_audit_trail_is_copied_into_the_log_once_after_what_is_there(old_schema: Any) -> None:
    # given: a campaign's old audit trail, and an event (and an endpoint that has queued it)
    apps = old_schema
    brand = apps.get_model("brands", "Brand").objects.create(name="Acme", timezone="UTC", currency="USD")
    campaign = apps.get_model("campaigns", "Campaign").objects.create(
        brand=brand, name="Launch", status="active"
    )
    user = apps.get_model("auth", "User").objects.create(username="maria")
    CampaignEvent = apps.get_model("campaigns", "CampaignEvent")
    rows = [
        ("created", None, {"status": "draft", "daily_budget": "10.00", "monthly_budget": None}, "", "user"),
        ("status_changed", "draft", "active", "launch day", "user"),
        ("serving_started", {"is_active": False, "pause_reason": None}, {"is_active": True}, "", "user"),
        (
            "serving_stopped",
            {"is_active": True, "pause_reason": None},
            {
                "is_active": False,
                "pause_reason": DAILY,
                "reasons": [DAILY],
            },
            DAILY,
            "system",
        ),
        (
            "pause_reason_changed",
            {"is_active": False, "pause_reason": DAILY},
            {"is_active": False, "pause_reason": INACTIVE, "reasons": [INACTIVE]},
            INACTIVE,
            "system",
        ),
        ("budget_changed", {"daily_budget": "10.00"}, {"daily_budget": "20.00"}, "", "token"),
        ("schedule_changed", None, 3, "", "token"),
        (
            "serving_stopped",
            {"is_active": True, "pause_reason": None},
            {"is_active": False, "pause_reason": None, "reasons": []},
            "status paused",
            "user",
        ),
    ]
    old = []
    for number, (kind, before, after, reason, actor_kind) in enumerate(rows):
        row = CampaignEvent.objects.create(
            campaign=campaign,
            kind=kind,
            from_value=before,
            to_value=after,
            reason=reason,
            actor_kind=actor_kind,
            actor_label="enforce_budgets" if actor_kind == "system" else "maria",
            actor_user=None if actor_kind == "system" else user,
        )
        CampaignEvent.objects.filter(pk=row.pk).update(created_at=MOMENT + dt.timedelta(minutes=number))
        old.append(row.pk)
    Event = apps.get_model("events", "Event")
    Event.objects.create(
        position=5,
        type="webhook_endpoint.disabled",
        occurred_at=MOMENT,
        actor_kind="system",
        actor_name="webhooks",
        data={"endpoint": 1, "failing_since": None},
    )
    apps.get_model("events", "FeedState").objects.update_or_create(pk=1, defaults={"last_position": 5})
    Endpoint = apps.get_model("events", "WebhookEndpoint")
    caught_up = Endpoint.objects.create(url="https://a.example.com/", secret="s", queued_through=5)
    behind = Endpoint.objects.create(url="https://b.example.com/", secret="s", queued_through=2)

    # when
    apps = _migrate(COPY)

    # then: one event per old row, in their order, after the event that was there
    Event = apps.get_model("events", "Event")
    copied = list(Event.objects.filter(data__has_key="campaign_event").order_by("position"))
    assert [event.data["campaign_event"] for event in copied] == old
    assert [event.position for event in copied] == list(range(6, 6 + len(old)))
    assert apps.get_model("events", "FeedState").objects.get(pk=1).last_position == 5 + len(old)
    assert [event.type for event in copied] == [
        "campaign.created",
        "campaign.updated",
        "campaign.resumed",
        "campaign.paused",
        "campaign.reason_changed",
        "campaign.updated",
        "campaign.updated",
        "campaign.paused",
    ]
    data = [{k: v for k, v in event.data.items() if k != "campaign_event"} for event in copied]
    assert data == [
        {
            "changes": {
                "status": [None, "draft"],
                "daily_budget": [None, "10.00"],
                "monthly_budget": [None, None],
            }
        },
        {"changes": {"status": ["draft", "active"]}, "reason": "launch day"},
        {"reason": None, "reasons": [], "previous_reason": None},
        {"reason": DAILY, "reasons": [DAILY], "previous_reason": None},
        {
            "reason": INACTIVE,
            "reasons": [INACTIVE],
            "previous_reason": DAILY,
        },
        {"changes": {"daily_budget": ["10.00", "20.00"]}},
        {"changes": {"dayparting_schedule": [None, 3]}},
        {"reason": None, "reasons": [], "previous_reason": None, "status": "paused"},
    ]
    assert {(e.brand_id, e.campaign_id) for e in copied} == {(brand.pk, campaign.pk)}
    assert [e.occurred_at for e in copied] == [MOMENT + dt.timedelta(minutes=n) for n in range(len(old))]
    assert [(e.actor_kind, e.actor_name, e.actor_user_id) for e in copied][3:6] == [
        ("system", "enforce_budgets", None),
        ("system", "enforce_budgets", None),
        ("token", "maria", user.pk),
    ]
    assert [e.audit for e in copied] == [True, False, False, False, False, True, False, False]
    # history, not news: an endpoint that had queued everything is not sent the copies
    Endpoint = apps.get_model("events", "WebhookEndpoint")
    assert Endpoint.objects.get(pk=caught_up.pk).queued_through == 5 + len(old)
    assert Endpoint.objects.get(pk=behind.pk).queued_through == 2

    # and again: nothing is copied twice
    migration = importlib.import_module("campaigns.migrations.0004_campaignevent_into_the_log")
    with transaction.atomic():  # as the migration runs
        migration.copy_audit_trail(apps, None)
    assert Event.objects.filter(data__has_key="campaign_event").count() == len(old)
    assert apps.get_model("events", "FeedState").objects.get(pk=1).last_position == 5 + len(old)
