"""Real Celery workers and Beat for the end-to-end tests, against Redis and PostgreSQL.

Each ``Stack`` has a queue of its own on the broker (``CELERY_TASK_DEFAULT_QUEUE``), so tests
can share a Redis with other runs, and its processes use the test database (its name passed
through ``DATABASE_URL``). Every process starts in a session of its own, so that a test can
kill a whole worker (main process and pool) at once, as a lost machine would.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.conf import settings
from kombu import Connection

from conftest import IN_CI
from core.tests.servers import database_url, wait_until

BROKER_URL = (
    os.environ.get("CELERY_BROKER_URL", "").strip()
    if os.environ.get("CELERY_BROKER_URL", "").startswith("redis")
    else "redis://127.0.0.1:6379/1"
)
ROOT = Path(settings.BASE_DIR)


@dataclass
class Stack:
    env: dict[str, str]
    queue: str
    hostname: str
    logs: Path
    sender: Celery
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def send(self, task: str, **kwargs: Any) -> None:
        self.sender.send_task(task, kwargs=kwargs, queue=self.queue)

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "budget_system", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def start_worker(self, name: str = "worker", hostname: str | None = None) -> subprocess.Popen[bytes]:
        """``celery -A budget_system worker`` (no other flag is needed; the host name only lets
        the test address it), once it answers a ping."""
        hostname = hostname or self.hostname
        worker = self.start(name, "worker", f"--hostname={hostname}")
        wait_for(
            lambda: self.sender.control.ping([hostname], timeout=1.0),
            timeout=60,
            what=f"{name} to answer a ping",
            stack=self,
        )
        return worker

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def kill_all(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL a process and everything it started (a worker and its pool), as a lost host."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, stack: Stack) -> Any:
    def logs() -> str:
        return "".join(
            f"\n{path.stem} log:\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(stack.logs.glob("*.log"))
        )

    return wait_until(condition, timeout=timeout, what=what, logs=logs)


def _forget_queue(queue: str) -> None:
    """Drop the queue, its binding keys and any message of it that Redis still holds as
    unacknowledged (a killed worker's), so that nothing of the test is given back later."""
    with Connection(BROKER_URL) as conn:
        channel: Any = conn.default_channel
        client = channel.client
        # The queue's lists (one per priority step), whatever they still hold (Beat's last sends).
        lists = [queue, *client.scan_iter(match=f"{queue}{channel.sep}*")]
        client.delete(*lists, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        for tag, raw in client.hgetall(channel.unacked_key).items():
            _message, _exchange, routing_key = json.loads(raw)
            if routing_key == queue:
                client.hdel(channel.unacked_key, tag)
                client.zrem(channel.unacked_index_key, tag)


@contextmanager
def celery_stack(logs: Path, **env: str) -> Iterator[Stack]:
    """A queue of its own and the environment for processes on the test database; stops
    whatever the test started and forgets the queue at the end. Skips (fails in CI) without
    Redis. Needs database access (the test database's name)."""
    try:
        with Connection(BROKER_URL, connect_timeout=2) as probe:
            probe.ensure_connection(max_retries=1, timeout=3)
    except Exception as error:
        message = f"Redis is not reachable at {BROKER_URL}: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    queue = f"e2e-{uuid.uuid4().hex[:10]}"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CONN_MAX_AGE": "0",
        "SPEND_SOURCE": "none",
        "ALERT_WEBHOOK_URL": "",
        "PYTHONUNBUFFERED": "1",
        **env,
    }
    # Not the current app: the project's shared tasks must keep resolving to the project's app
    # in this process (later tests patch them).
    sender = Celery("e2e-sender", broker=BROKER_URL, set_as_current=False)
    sender.conf.task_default_queue = queue
    stack = Stack(env=environment, queue=queue, hostname=f"{queue}@e2e", logs=logs, sender=sender)
    try:
        yield stack
    finally:
        for process in reversed(stack.processes):  # Beat before the workers
            if process.poll() is None:
                stop(process)
        _forget_queue(queue)
