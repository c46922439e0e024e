"""Fault tests with real processes (acceptance 3): a Celery worker and Beat on a private
Redis and the test database, delivering to a real receiver on 127.0.0.1.

(a) the broker is down when the event is written: it arrives once the broker is back;
(b) the worker is killed (SIGKILL) during a delivery: a new worker delivers it;
(c) the receiver answers 500 for a while: the events arrive in order, each at least once,
    and the delivery log shows the attempts;
(d) a replay from an id re-sends exactly the later events.

Events are written through ``events.services`` (the domain services emit them later).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import IN_CI
from core.tests.servers import database_url, port_open, redis_server_command, stop_group, wait_until
from events.models import Event, MessageState, WebhookDelivery, WebhookEndpoint, WebhookMessage
from events.services import webhook_endpoint_create, webhook_endpoint_replay
from events.tests.helpers import paused, write
from events.tests.receiver import Receiver, running

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stack:
    env: dict[str, str]
    logs: Path
    redis_port: int
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: list[str]) -> None:
        log = (self.logs / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_redis(self) -> None:
        self.start("redis", redis_server_command(self.redis_port))
        wait_for(lambda: port_open(self.redis_port), timeout=10, what="redis-server", stack=self)

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        stop_group(self.processes.pop(name), sig=sig)

    def start_worker(self) -> None:
        self.start(
            "worker", [sys.executable, "-m", "celery", "-A", "budget_system", "worker", "--concurrency=1"]
        )

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, stack: Stack) -> Any:
    def logs() -> str:
        return "".join(f"\n--- {name} ---\n{stack.log(name)[-3000:]}" for name in ("worker", "beat"))

    return wait_until(condition, timeout=timeout, what=what, logs=logs)


@pytest.fixture
def stack(django_db_blocker: Any, tmp_path: Path) -> Iterator[Stack]:
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    with django_db_blocker.unblock():
        db_url = database_url()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": db_url,
            "CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
            "ALERT_WEBHOOK_URL": "",
            "SPEND_SOURCE": "none",
            "WEBHOOK_RETRY_BASE_SECONDS": "0.5",
            "WEBHOOK_TIMEOUT_SECONDS": "3",
            "WEBHOOK_LEASE_MARGIN_SECONDS": "2",
            "WEBHOOK_ALLOW_PRIVATE_URLS": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    state = Stack(env=env, logs=tmp_path, redis_port=port)
    try:
        state.start_redis()
        state.start_worker()
        state.start("beat", [sys.executable, "-m", "celery", "-A", "budget_system", "beat"])
        yield state
    finally:
        for name in list(reversed(state.processes)):
            state.stop(name)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running(Receiver()) as started:
        yield started


def _endpoint(receiver: Receiver) -> WebhookEndpoint:
    endpoint = webhook_endpoint_create(url=receiver.url)
    receiver.secret = endpoint.secret
    return endpoint


def test_a_event_written_while_the_broker_is_down_arrives_once_it_is_back(
    stack: Stack, receiver: Receiver
) -> None:
    # given
    _endpoint(receiver)
    stack.stop("redis")

    # when: the event commits while no broker answers (the nudge is lost)
    write([paused(campaign_id=1)])
    assert Event.objects.count() == 1
    time.sleep(2)
    assert receiver.arrivals == []

    # then: once Redis is back, Beat's next dispatcher run delivers it from the log
    stack.start_redis()
    arrivals = receiver.wait_for(1, timeout=90)
    assert arrivals[0].verified
    assert arrivals[0].body["type"] == "campaign.paused"


def test_b_a_delivery_cut_by_a_killed_worker_is_made_by_a_new_worker(
    stack: Stack, receiver: Receiver
) -> None:
    # given: the receiver holds the first request open
    receiver.delay = lambda n: 20.0 if n == 0 else 0.0
    endpoint = _endpoint(receiver)
    write([paused(campaign_id=1)])
    wait_for(lambda: receiver.started >= 1, timeout=60, what="the first request", stack=stack)

    # when: the worker is killed in the middle of it, and a new one starts
    stack.stop("worker", signal.SIGKILL)
    stack.start_worker()

    # then: the new worker delivers the same event (same webhook-id) once the lease expires
    arrivals = receiver.wait_for(1, timeout=90)
    event = Event.objects.get()
    assert arrivals[0].webhook_id == str(event.position)
    assert arrivals[0].verified
    delivered = WebhookDelivery.objects.filter(endpoint=endpoint, status_code=200)
    wait_for(delivered.exists, timeout=30, what="the delivery row", stack=stack)
    assert delivered.count() == 1


def test_c_a_receiver_failing_for_a_while_gets_every_event_in_order(stack: Stack, receiver: Receiver) -> None:
    # given: the receiver answers 500 to its first four requests
    receiver.answer = lambda n, _: 500 if n < 4 else 200
    endpoint = _endpoint(receiver)

    # when
    write([paused(campaign_id=n) for n in range(1, 4)])

    # then: each event at least once, in id order, and the attempts are in the log
    arrivals = receiver.wait_for(3, timeout=120)
    ids = [int(arrival.webhook_id) for arrival in arrivals]
    positions = list(Event.objects.order_by("position").values_list("position", flat=True))
    assert ids == positions
    first_seen = list(dict.fromkeys(int(a.webhook_id) for a in receiver.arrivals))
    assert first_seen == positions
    attempts = WebhookDelivery.objects.filter(endpoint=endpoint, event__position=positions[0])
    wait_for(attempts.filter(status_code=200).exists, timeout=30, what="the delivery row", stack=stack)
    log = list(attempts.order_by("attempt").values_list("attempt", "status_code"))
    assert log == [(1, 500), (2, 500), (3, 500), (4, 500), (5, 200)]


def test_d_a_replay_resends_exactly_the_later_events(stack: Stack, receiver: Receiver) -> None:
    endpoint = _endpoint(receiver)
    write([paused(campaign_id=n) for n in range(1, 6)])
    first = [int(a.webhook_id) for a in receiver.wait_for(5, timeout=60)]
    # The dispatcher has recorded every delivery (the receiver's 200 arrives before that
    # record commits): a replay while the last one is still in flight would send it again,
    # as at-least-once delivery allows, and this test is about the replay alone.
    wait_for(
        lambda: not WebhookMessage.objects.filter(endpoint=endpoint, state=MessageState.PENDING).exists(),
        timeout=60,
        what="the deliveries recorded",
        stack=stack,
    )

    result = webhook_endpoint_replay(endpoint_id=endpoint.pk, after=first[1])

    assert result.queued == 3
    wait_for(lambda: len(receiver.arrivals) >= 8, timeout=60, what="the replayed events", stack=stack)
    time.sleep(1)
    assert [int(a.webhook_id) for a in receiver.arrivals] == first + first[2:]
    assert all(arrival.verified for arrival in receiver.arrivals)
