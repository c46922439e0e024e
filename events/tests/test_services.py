"""The log's services: append with the change or not at all, the data contract, retention,
and ALERT_WEBHOOK_URL as a configured endpoint."""

from __future__ import annotations

import datetime as dt
import threading
import time
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from core.actors import Actor
from core.tests.factories import make_brand, make_campaign
from events.models import Event, WebhookDelivery, WebhookEndpoint, WebhookMessage
from events.selectors import campaign_events, endpoint_scope
from events.services import (
    ALERT_EVENT_TYPES,
    NewEvent,
    alert_endpoint_sync,
    event_append,
    event_append_many,
    events_position,
    events_purge,
    webhook_endpoint_create,
    webhook_endpoint_update,
)
from events.tasks import Nudger
from events.tests.helpers import paused, write

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


def test_the_change_and_its_event_commit_together_or_not_at_all() -> None:
    brand = make_brand(daily_budget=None)

    def change_then_fail() -> None:
        with transaction.atomic():
            brand.name = "Renamed"
            brand.save()
            event_append(
                type="brand.updated",
                actor=None,
                data={"changes": {"name": ["a", "Renamed"]}},
                brand_id=brand.pk,
            )
            raise RuntimeError("forced failure after the change")

    with pytest.raises(RuntimeError, match="forced failure"):
        change_then_fail()
    brand.refresh_from_db()
    assert brand.name != "Renamed"
    assert not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_appending_outside_a_transaction_is_refused() -> None:
    with pytest.raises(TransactionManagementError):
        event_append_many(events=[paused()], actor=None)


@pytest.mark.parametrize(
    ("event_type", "data"),
    [
        ("campaign.paused", {"reason": "x"}),
        ("campaign.updated", {"changes": ["status"]}),
        ("budget.threshold_reached", {"scope": "brand", "period": "daily"}),
        ("no.such_type", {}),
    ],
)
def test_data_must_match_the_contract_of_its_type(event_type: str, data: dict[str, object]) -> None:
    with transaction.atomic(), pytest.raises(ValueError, match=r"lacks|must be|unknown event type"):
        event_append(type=event_type, actor=None, data=data)


def test_the_actor_is_recorded_with_its_ids() -> None:
    campaign = make_campaign()
    actor = Actor(kind="token", label="etl", user_id=7)
    with transaction.atomic():
        count = event_append_many(
            events=[paused(campaign_id=campaign.pk, brand_id=campaign.brand_id) for _ in range(500)],
            actor=actor,
        )
    assert count == 500
    events_position()
    first = campaign_events(campaign_id=campaign.pk).last()
    assert first is not None
    assert first.payload()["actor"] == {"kind": "token", "name": "etl", "user": 7}
    assert first.position == 1


def test_one_statement_appends_any_number_of_events() -> None:
    events = [paused(campaign_id=n) for n in range(1, 1001)]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        event_append_many(events=events, actor=None)
    assert len(queries.captured_queries) == 1
    assert Event.objects.count() == 1000


def test_budget_changes_are_kept_longer_by_the_retention_job() -> None:
    with time_machine.travel(T0 - dt.timedelta(days=100), tick=False):
        write(
            [
                paused(),
                NewEvent(type="brand.updated", data={"changes": {"daily_budget": ["10.00", "20.00"]}}),
                NewEvent(type="brand.updated", data={"changes": {"timezone": ["UTC", "Asia/Kolkata"]}}),
            ]
        )
    with time_machine.travel(T0 - dt.timedelta(days=800), tick=False):
        write([NewEvent(type="campaign.updated", data={"changes": {"monthly_budget": [None, "5.00"]}})])
    write([paused()])
    events_position()

    with time_machine.travel(T0, tick=False):
        counts = events_purge()

    kept = sorted(Event.objects.values_list("type", "audit"))
    assert counts["events"] == 3
    assert kept == [("brand.updated", True), ("campaign.paused", False)]


def test_purging_takes_the_queue_and_delivery_log_of_the_events_with_it() -> None:
    endpoint = webhook_endpoint_create(url="https://hooks.example.com/x")
    with time_machine.travel(T0 - dt.timedelta(days=91), tick=False):
        write([paused()])
        events_position()
        event = Event.objects.get()
        message = WebhookMessage.objects.create(endpoint=endpoint, event=event, position=event.position or 0)
        WebhookDelivery.objects.create(
            endpoint=endpoint, message=message, event=event, attempt=1, status_code=500, at=T0
        )
    with time_machine.travel(T0, tick=False):
        call_command("purge_events", stdout=StringIO())
    assert not Event.objects.exists()
    assert not WebhookMessage.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_alert_webhook_url_becomes_one_endpoint_idempotently() -> None:
    first = alert_endpoint_sync(url="https://alerts.example.com/hook")
    again = alert_endpoint_sync(url="https://alerts.example.com/hook")
    moved = alert_endpoint_sync(url="https://alerts.example.com/v2")
    assert first is not None
    assert again is not None
    assert moved is not None
    assert first.pk == again.pk == moved.pk
    assert WebhookEndpoint.objects.count() == 1
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.url == "https://alerts.example.com/v2"
    assert endpoint.event_types == ALERT_EVENT_TYPES
    assert alert_endpoint_sync(url="") is None
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_migrate_configures_the_alert_webhook_url() -> None:
    with override_settings(ALERT_WEBHOOK_URL="https://alerts.example.com/hook"):
        call_command("migrate", verbosity=0)
        call_command("migrate", verbosity=0)
    assert list(WebhookEndpoint.objects.values_list("url", "key")) == [
        ("https://alerts.example.com/hook", "ALERT_WEBHOOK_URL")
    ]


def test_an_endpoint_covers_its_brands_or_all_and_its_types_or_all() -> None:
    acme = make_brand()
    everything = webhook_endpoint_create(url="https://a.example.com/")
    narrow = webhook_endpoint_create(
        url="https://b.example.com/", event_types=["campaign.paused"], brand_ids=[acme.pk]
    )
    assert endpoint_scope(everything).brand_ids is None
    assert endpoint_scope(everything).event_types is None
    scope = endpoint_scope(narrow)
    assert (scope.brand_ids, scope.event_types) == (frozenset({acme.pk}), frozenset({"campaign.paused"}))
    assert scope.covers_brand(acme.pk)
    assert not scope.covers_brand(None)
    with pytest.raises(ValidationError):
        webhook_endpoint_create(url="https://c.example.com/", brand_ids=[999_999])
    with pytest.raises(ValidationError):
        webhook_endpoint_create(url="https://c.example.com/", event_types=["nope"])


def test_enabling_a_disabled_endpoint_starts_from_the_events_committing_now() -> None:
    endpoint = webhook_endpoint_create(url="https://a.example.com/")
    webhook_endpoint_update(endpoint_id=endpoint.pk, enabled=False)
    write([paused(), paused()])
    events_position()
    enabled = webhook_endpoint_update(endpoint_id=endpoint.pk, enabled=True)
    assert enabled.queued_through == 2
    assert enabled.disabled_at is None


def test_nudges_are_sent_after_the_request_from_one_thread_and_coalesce() -> None:
    sent: list[str] = []
    release = threading.Event()

    def send() -> None:
        sent.append(threading.current_thread().name)
        release.wait(5)

    nudger = Nudger(send)
    nudger.request()  # the first send starts, and blocks
    deadline = time.monotonic() + 5
    while not sent and time.monotonic() < deadline:
        time.sleep(0.01)
    for _ in range(50):  # a burst while it is sending: one more send covers them all
        nudger.request()
    release.set()
    assert nudger.wait_idle()
    assert sent == ["webhook-nudger", "webhook-nudger"]
    assert threading.current_thread().name not in sent


def test_nudges_are_spaced_by_the_minimum_interval_and_none_is_lost() -> None:
    sent: list[float] = []
    nudger = Nudger(lambda: sent.append(time.monotonic()), min_interval=0.3)
    started = time.monotonic()
    nudger.request()
    assert nudger.wait_idle()
    for _ in range(20):  # a stream of commits right after a send: one more send, later
        nudger.request()
        time.sleep(0.005)
    last_request = time.monotonic()
    assert nudger.wait_idle()
    assert len(sent) == 2
    assert sent[0] - started < 0.3  # a quiet nudger's first nudge goes at once
    assert sent[1] - sent[0] >= 0.3
    assert sent[1] >= last_request  # the last request is covered by a send after it
