"""Delivery to a real HTTP receiver on 127.0.0.1 (acceptance 2), driven in-process.

The receiver verifies every signature with the ``standardwebhooks`` library and
deduplicates by ``webhook-id``; the dispatcher runs in the test (``webhooks_dispatch``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.test import override_settings

from core.tests.factories import make_brand
from events.dispatch import endpoint_claim, next_attempt_at, retry_delay, webhooks_dispatch
from events.models import Event, MessageState, WebhookDelivery, WebhookEndpoint, WebhookMessage
from events.selectors import event_feed
from events.services import (
    NewEvent,
    events_position,
    webhook_endpoint_create,
    webhook_endpoint_ping,
    webhook_endpoint_replay,
    webhook_endpoint_rotate_secret,
)
from events.tests.helpers import paused, write
from events.tests.receiver import Receiver, running

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 21, 18, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _fast_retries() -> Iterator[None]:
    with override_settings(WEBHOOK_RETRY_BASE_SECONDS=0.0, WEBHOOK_ALLOW_PRIVATE_URLS=True):
        yield


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running(Receiver()) as started:
        yield started


def endpoint_for(receiver: Receiver, **kwargs: object) -> WebhookEndpoint:
    endpoint = webhook_endpoint_create(url=receiver.url, **kwargs)  # type: ignore[arg-type]
    receiver.secret = endpoint.secret
    return endpoint


def last_verified(receiver: Receiver) -> bool:
    return receiver.arrivals[-1].verified


def dispatch_until(receiver: Receiver, count: int, runs: int = 20) -> None:
    for _ in range(runs):
        webhooks_dispatch(time_budget=10)
        if len(receiver.delivered()) >= count:
            return
    raise AssertionError(f"{len(receiver.delivered())} of {count} delivered: {receiver.arrivals}")


def test_every_delivery_is_signed_verified_and_in_id_order(receiver: Receiver) -> None:
    # given
    endpoint = endpoint_for(receiver)
    write(paused(campaign_id=index) for index in range(1, 6))

    # when
    summary = webhooks_dispatch(time_budget=10)

    # then: five verified deliveries, in id order, each body the feed's item
    assert summary.delivered == 5
    assert all(arrival.verified for arrival in receiver.arrivals)
    ids = receiver.ids()
    assert ids == sorted(ids)
    assert len(ids) == 5
    feed = {event.position: event.payload() for event in event_feed(after=0, limit=100).events}
    assert [arrival.body for arrival in receiver.delivered()] == [feed[i] for i in ids]
    log = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert sorted(log.values_list("status_code", "attempt")) == [(200, 1)] * 5


def test_a_failing_event_holds_back_the_later_ones_until_it_is_delivered(receiver: Receiver) -> None:
    # given: the receiver answers 500 three times, then 200
    receiver.answer = lambda n, _: 500 if n < 3 else 200
    endpoint = endpoint_for(receiver)
    write([paused(campaign_id=1), paused(campaign_id=2), paused(campaign_id=3)])

    # when
    dispatch_until(receiver, 3)

    # then: the first event was tried four times before the others were sent at all
    first = Event.objects.get(campaign_id=1).position
    assert [int(a.webhook_id) for a in receiver.arrivals][:4] == [first] * 4
    assert receiver.ids() == sorted(receiver.ids())
    attempts = list(
        WebhookDelivery.objects.filter(endpoint=endpoint, event__position=first)
        .order_by("attempt")
        .values_list("attempt", "status_code")
    )
    assert attempts == [(1, 500), (2, 500), (3, 500), (4, 200)]
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).failing_since is None


def test_after_the_hold_back_limit_the_later_events_proceed(receiver: Receiver) -> None:
    # given: the receiver refuses the first event's id, whatever happens
    endpoint = endpoint_for(receiver)
    with time_machine.travel(T0, tick=False):
        write([paused(campaign_id=1), paused(campaign_id=2)])
        stuck = str(events_position() - 1)
        receiver.answer = lambda n, _: 500
        webhooks_dispatch(time_budget=10)
        assert [a.webhook_id for a in receiver.arrivals] == [stuck]

    # when: more than WEBHOOK_HOLD_BACK_SECONDS (1 h) later
    receiver.answer = lambda n, webhook_id: 500 if webhook_id == stuck else 200
    with time_machine.travel(T0 + dt.timedelta(hours=1, minutes=1), tick=False):
        webhooks_dispatch(time_budget=10)

    # then: the second event went through; the first stays pending, retried on its own
    assert receiver.ids() == [int(stuck) + 1]
    message = WebhookMessage.objects.get(endpoint=endpoint, position=int(stuck))
    assert message.state == MessageState.PENDING
    assert message.attempts == 2


def test_retries_stop_after_three_days_and_the_message_fails(receiver: Receiver) -> None:
    receiver.answer = lambda n, _: 503
    endpoint = endpoint_for(receiver)
    with time_machine.travel(T0, tick=False):
        write([paused(campaign_id=1)])
        webhooks_dispatch(time_budget=10)
    with time_machine.travel(T0 + dt.timedelta(days=3, seconds=1), tick=False):
        webhooks_dispatch(time_budget=10)
    message = WebhookMessage.objects.get(endpoint=endpoint)
    assert (message.state, message.attempts, message.next_attempt_at) == (MessageState.FAILED, 2, None)
    last = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-attempt").first()
    assert last is not None
    assert last.next_attempt_at is None
    assert last.status_code == 503


def test_an_endpoint_failing_for_five_days_is_disabled_with_an_event(receiver: Receiver) -> None:
    receiver.answer = lambda n, _: 500
    endpoint = endpoint_for(receiver)
    with time_machine.travel(T0, tick=False):
        write([paused(campaign_id=1)])
        webhooks_dispatch(time_budget=10)
    with time_machine.travel(T0 + dt.timedelta(days=4), tick=False):
        write([paused(campaign_id=2)])
        webhooks_dispatch(time_budget=10)
        assert WebhookEndpoint.objects.get(pk=endpoint.pk).enabled
    with time_machine.travel(T0 + dt.timedelta(days=5, minutes=1), tick=False):
        write([paused(campaign_id=3)])
        webhooks_dispatch(time_budget=10)
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.disabled_reason == "every delivery failed for 5 days"
    events_position()
    disabled = Event.objects.get(type="webhook_endpoint.disabled")
    assert disabled.data == {"endpoint": endpoint.pk, "failing_since": "2026-11-21T18:00:00Z"}
    assert disabled.payload()["actor"] == {"kind": "system", "name": "webhooks"}


def test_a_rotated_secret_signs_beside_the_new_one_for_24_hours(receiver: Receiver) -> None:
    endpoint = endpoint_for(receiver)
    old = endpoint.secret
    with time_machine.travel(T0, tick=False):
        new = webhook_endpoint_rotate_secret(endpoint_id=endpoint.pk).secret
        for secret in (old, new):
            receiver.secret = secret
            write([paused(campaign_id=1)])
            webhooks_dispatch(time_budget=10)
            assert last_verified(receiver), secret
    with time_machine.travel(T0 + dt.timedelta(hours=24, seconds=1), tick=False):
        receiver.secret = old
        write([paused(campaign_id=2)])
        webhooks_dispatch(time_budget=1)
        assert not last_verified(receiver)  # the receiver answered 400
        receiver.secret = new
        webhooks_dispatch(time_budget=10)
        assert last_verified(receiver)
    assert old != new
    assert new.startswith("whsec_")


def test_a_ping_goes_to_its_endpoint_alone_and_not_to_the_feed(receiver: Receiver) -> None:
    endpoint = endpoint_for(receiver)
    with running(Receiver()) as other:
        endpoint_for(other)
        ping = webhook_endpoint_ping(endpoint_id=endpoint.pk, actor=None)
        webhooks_dispatch(time_budget=10)
        assert other.arrivals == []
    [arrival] = receiver.delivered()
    assert arrival.body["type"] == "ping"
    assert arrival.body["data"] == {"endpoint": endpoint.pk}
    assert int(arrival.webhook_id) == Event.objects.get(seq=ping.seq).position
    assert event_feed(after=0).events == []


def test_event_type_and_brand_filters_choose_what_an_endpoint_receives(receiver: Receiver) -> None:
    acme, other = make_brand(), make_brand()
    endpoint_for(receiver, event_types=["campaign.resumed"], brand_ids=[acme.pk])
    write(
        [
            paused(brand_id=acme.pk),
            paused(brand_id=other.pk),
            NewEvent(type="campaign.resumed", data={"reason": None, "reasons": []}, brand_id=acme.pk),
            NewEvent(type="campaign.resumed", data={"reason": None, "reasons": []}, brand_id=other.pk),
        ]
    )
    webhooks_dispatch(time_budget=10)
    assert [(a.body["type"], a.body["brand"]) for a in receiver.delivered()] == [
        ("campaign.resumed", acme.pk)
    ]


def test_replay_resends_exactly_the_later_events(receiver: Receiver) -> None:
    endpoint = endpoint_for(receiver)
    write(paused(campaign_id=index) for index in range(1, 7))
    webhooks_dispatch(time_budget=10)
    first_round = [int(a.webhook_id) for a in receiver.arrivals]
    assert len(first_round) == 6

    result = webhook_endpoint_replay(endpoint_id=endpoint.pk, after=first_round[2])
    webhooks_dispatch(time_budget=10)

    assert (result.queued, result.complete) == (3, True)
    assert [int(a.webhook_id) for a in receiver.arrivals][6:] == first_round[3:]


def test_an_endpoint_is_claimed_by_one_dispatcher_until_its_lease_expires(receiver: Receiver) -> None:
    endpoint = endpoint_for(receiver)
    with time_machine.travel(T0, tick=False):
        token = endpoint_claim(endpoint.pk)
        assert token is not None
        assert endpoint_claim(endpoint.pk) is None  # held: a second dispatcher skips it
    with time_machine.travel(T0 + dt.timedelta(seconds=31), tick=False):  # timeout 10 s + margin 20 s
        assert endpoint_claim(endpoint.pk) not in (None, token)


def test_the_retry_schedule_backs_off_exponentially_for_at_least_three_days() -> None:
    with override_settings(WEBHOOK_RETRY_BASE_SECONDS=10):
        delays = [retry_delay(attempt).total_seconds() for attempt in range(1, 16)]
        assert delays[:4] == [10, 20, 40, 80]
        assert max(delays) == 6 * 3600
        moment, first, attempt = T0, T0, 1
        while (retry := next_attempt_at(first_attempt_at=first, attempt=attempt, moment=moment)) is not None:
            moment, attempt = retry, attempt + 1
        assert moment - first >= dt.timedelta(days=3)
        assert attempt < 30
