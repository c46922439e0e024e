"""The feed's cursor (acceptance 4): a reader following ``next_after`` sees every committed
event exactly once, in order, while transactions commit out of insertion order."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from rest_framework.test import APIClient

from events.models import Event
from events.selectors import event_feed
from events.services import NewEvent, event_append_many, events_position
from events.tests.helpers import SPEND, paused, write

WRITERS = 16
TRANSACTIONS_PER_WRITER = 12


def _marked(token: str) -> NewEvent:
    return NewEvent(type="campaign.paused", data={"reason": token, "reasons": [token]})


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_sixteen_writers_and_a_reader_following_next_after_over_the_api() -> None:
    # given: a reader with an API token
    user = User.objects.create_superuser(username="feed-reader")
    client = APIClient()
    client.force_authenticate(user)
    committed: list[str] = []
    committed_lock = threading.Lock()
    writers_done = threading.Event()
    errors: list[BaseException] = []

    def writer(number: int) -> None:
        chance = random.Random(number)
        try:
            for index in range(TRANSACTIONS_PER_WRITER):
                tokens = [f"w{number}-t{index}-e{n}" for n in range(chance.randint(1, 3))]
                rollback = chance.random() < 0.2
                try:
                    with transaction.atomic():
                        event_append_many(events=[_marked(token) for token in tokens], actor=SPEND)
                        # hold the transaction open: later inserts (higher seq) commit first
                        time.sleep(chance.uniform(0, 0.03))
                        if rollback:
                            raise RuntimeError("forced failure after the change")
                except RuntimeError:
                    continue
                with committed_lock:
                    committed.extend(tokens)
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    seen: list[tuple[int, str]] = []

    def reader() -> None:
        after = 0
        try:
            while True:
                finished = writers_done.is_set()
                answer = client.get(
                    "/api/v1/events/", {"after": str(after), "limit": "7", "type": "campaign.paused"}
                )
                assert answer.status_code == 200, answer.content
                body: dict[str, Any] = answer.json()
                seen.extend((item["id"], item["data"]["reason"]) for item in body["results"])
                assert body["next_after"] >= after
                after = body["next_after"]
                if finished and not body["results"]:
                    return
                time.sleep(0.002)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    reading = threading.Thread(target=reader)
    reading.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writers_done.set()
    reading.join(timeout=120)

    # then: every committed event exactly once, in id order, and nothing rolled back
    assert not errors, errors
    ids = [event_id for event_id, _ in seen]
    tokens = [token for _, token in seen]
    assert ids == sorted(ids)
    assert len(tokens) == len(set(tokens))
    assert set(tokens) == set(committed)
    assert Event.objects.count() == len(committed)
    # and the commits did happen out of insertion order (what the positions correct)
    by_seq = [position or 0 for position in Event.objects.order_by("seq").values_list("position", flat=True)]
    assert by_seq != sorted(by_seq)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_younger_transaction_with_a_smaller_insert_number_is_not_skipped() -> None:
    """The classic trap: B inserts first (smaller seq) and commits last."""
    b_inserted, b_may_commit = threading.Event(), threading.Event()

    def transaction_b() -> None:
        try:
            with transaction.atomic():
                event_append_many(events=[_marked("B")], actor=SPEND)
                b_inserted.set()
                b_may_commit.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=transaction_b)
    thread.start()
    assert b_inserted.wait(timeout=30)
    write([_marked("A")])  # A: inserted after B, committed before it

    events_position()
    first = event_feed(after=0)
    b_may_commit.set()
    thread.join(timeout=30)
    events_position()
    second = event_feed(after=first.next_after)

    assert [e.data["reason"] for e in first.events] == ["A"]
    assert [e.data["reason"] for e in second.events] == ["B"]
    a, b = Event.objects.get(data__reason="A"), Event.objects.get(data__reason="B")
    assert b.seq < a.seq
    assert b.position is not None
    assert a.position is not None
    assert b.position > a.position


@pytest.mark.django_db
def test_next_after_moves_past_what_the_filters_hide() -> None:
    write([paused(brand_id=None), paused(brand_id=None)])
    write([NewEvent(type="brand.updated", data={"changes": {"name": ["a", "b"]}})])
    high_water = events_position()

    page = event_feed(after=0, types=["brand.updated"], limit=10)
    full = event_feed(after=0, limit=2)

    assert [event.type for event in page.events] == ["brand.updated"]
    assert page.next_after == high_water == 3
    assert [event.position for event in full.events] == [1, 2]
    assert full.next_after == 2  # a full page: resume after its last event
    assert event_feed(after=3).events == []
    assert event_feed(after=3).next_after == 3
