"""Limits that hold under parallel load: 8 client threads against live servers.

* gunicorn with 4 workers (production settings), counting in Redis and, without Redis,
  in the shared counter file;
* ``make run``'s default settings (SQLite, no broker, no cache): two web processes started
  as ``make run`` starts its web server, sharing one count.

Per window, the read and the write limits let through at most the limit (+2%); every other
request answers 429 with ``Retry-After``. Rates are per hour so that a run stays inside one
window (a run that crosses the hour is allowed one limit per window it touched).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests
from django.conf import settings
from rest_framework.authtoken.models import Token

from api.groups import OPS
from core.tests.factories import make_campaign
from core.tests.servers import (
    database_url,
    free_port,
    gunicorn_command,
    production_env,
    serving,
)
from tasks.devstack import commands

from .conftest import make_user

READ_LIMIT = 240
WRITE_LIMIT = 120
THREADS = 8
RATES = {"API_THROTTLE_READ_RATE": f"{READ_LIMIT}/hour", "API_THROTTLE_WRITE_RATE": f"{WRITE_LIMIT}/hour"}

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Outcome:
    status: int
    retry_after: str | None


def burst(
    urls: list[str], send: Callable[[requests.Session, str], requests.Response], total: int
) -> list[Outcome]:
    """``total`` requests from ``THREADS`` threads, spread over ``urls``."""

    def worker(index: int) -> list[Outcome]:
        session = requests.Session()
        outcomes = []
        for number in range(index, total, THREADS):
            response = send(session, urls[number % len(urls)])
            outcomes.append(Outcome(response.status_code, response.headers.get("Retry-After")))
        return outcomes

    with ThreadPoolExecutor(THREADS) as pool:
        return [outcome for part in pool.map(worker, range(THREADS)) for outcome in part]


def hours_touched(started: float) -> int:
    return int(time.time() // 3600) - int(started // 3600) + 1


def assert_limited(outcomes: list[Outcome], limit: int, windows: int, ok: int) -> None:
    statuses = Counter(outcome.status for outcome in outcomes)
    passed = statuses[ok]
    assert set(statuses) <= {ok, 429}, statuses
    assert passed <= int(limit * 1.02) * windows, statuses
    assert passed >= limit, statuses  # nothing counted twice either
    retry_after = [o.retry_after for o in outcomes if o.status == 429]
    assert retry_after
    assert all(value is not None and int(value) > 0 for value in retry_after)


def check_limits(urls: list[str], token: str, campaign_id: int) -> None:
    headers = {"Authorization": f"Token {token}"}
    started = time.time()

    reads = burst(
        urls, lambda s, url: s.get(f"{url}/api/v1/ping/", headers=headers, timeout=30), READ_LIMIT * 2
    )
    writes = burst(
        urls,
        lambda s, url: s.post(
            f"{url}/api/v1/spends/",
            json={"campaign": campaign_id, "amount": "0.01"},
            headers=headers,
            timeout=30,
        ),
        WRITE_LIMIT * 2,
    )

    windows = hours_touched(started)
    assert_limited(reads, READ_LIMIT, windows, ok=200)
    assert_limited(writes, WRITE_LIMIT, windows, ok=201)


def redis_cache_url() -> str | None:
    broker = os.environ.get("CELERY_BROKER_URL", "")
    return broker if broker.startswith("redis://") else None


@pytest.fixture
def committed_world(transactional_db: None) -> tuple[str, int]:
    token, _ = Token.objects.get_or_create(user=make_user("burst", OPS))
    return token.key, make_campaign().pk


@pytest.mark.postgres
@pytest.mark.parametrize("store", ["redis", "file"])
def test_gunicorn_with_4_workers_holds_the_limits(
    committed_world: tuple[str, int], tmp_path: Path, store: str
) -> None:
    extra = {"COUNTER_FILE": str(tmp_path / "counters.sqlite3"), **RATES}
    if store == "redis":
        cache_url = redis_cache_url()
        if cache_url is None:
            pytest.skip("needs Redis (CELERY_BROKER_URL=redis://...)")
        extra.update({"CACHE_URL": cache_url, "CACHE_KEY_PREFIX": f"limits-test-{os.urandom(6).hex()}"})
    port = free_port()
    command, server = gunicorn_command(port, workers=4)
    env = production_env(DATABASE_URL=database_url(), **server, **extra)

    with serving(command, env, port, tmp_path / "gunicorn.log") as url:
        check_limits([url], *committed_world)


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def make_run_env(tmp_path: Path) -> dict[str, str]:
    """``make run``'s default settings: development settings, a SQLite file, no broker and
    no cache configured (so the counters are the shared file under ``.run/``, here a
    temporary one)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "CACHE_", "REDIS_", "DJANGO_SETTINGS_MODULE"))
    }
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "COUNTER_FILE": str(tmp_path / "counters.sqlite3"),
            "PYTHONUNBUFFERED": "1",
            **RATES,
        }
    )
    _manage(env, "migrate", "--noinput", "-v", "0")
    return env


def test_make_run_default_settings_share_one_count_across_web_processes(
    make_run_env: dict[str, str], tmp_path: Path
) -> None:
    # An ops staff member: sees every brand (a person in no team would see none).
    token = (
        _manage(make_run_env, "create_api_token", "burst", "--create", "--group", OPS, "--staff")
        .strip()
        .split()[-1]
    )
    campaign = _manage(
        make_run_env,
        "shell",
        "-c",
        "from core.tests.factories import make_campaign; print(make_campaign().pk)",
    )
    ports = [free_port(), free_port()]
    web = [commands("127.0.0.1", port)["web"] for port in ports]  # as make run starts its web server
    with (
        serving(web[0], make_run_env, ports[0], tmp_path / "web0.log") as first,
        serving(web[1], make_run_env, ports[1], tmp_path / "web1.log") as second,
    ):
        assert {urlparse(first).port, urlparse(second).port} == set(ports)
        check_limits([first, second], token, int(campaign.strip().splitlines()[-1]))
