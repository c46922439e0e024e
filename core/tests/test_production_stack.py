"""The production stack without Docker: the processes docker-compose.yml starts, started here.

``COMMANDS`` and ``PROBES`` are the commands of the compose services and of their health
checks (``test_deploy_files`` checks that docker-compose.yml runs exactly these). This test
runs them with the production settings against the pytest-django test database (its name
passed through ``DATABASE_URL``) and a private ``redis-server`` on a free port (16400-16499,
no persistence), so stopping that Redis disturbs no other test. Then:

1. health answers 200 once Beat's heartbeat is recorded, and every compose probe passes;
2. with Redis stopped, health answers 503 naming the broker within about 2 seconds, while
   ``POST /api/v1/spends/`` keeps answering 201 (the ledger is the source of truth) and its
   log lines are JSON with the request id and the campaign's alert fields;
3. with Redis back, health answers 200 again.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.contrib.auth.models import Group, User
from rest_framework.authtoken.models import Token

from access.roles import Role
from access.services import team_create
from api.groups import INTEGRATION, sync_groups
from core.tests.factories import make_campaign
from core.tests.servers import database_url, port_open, redis_server_command, stop_group, wait_until
from spending.models import Spend

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent

# The commands of the compose services (docker-compose.yml `command:`), run the same way here.
COMMANDS: dict[str, list[str]] = {
    "migrate": ["python", "manage.py", "migrate", "--noinput"],
    "web": ["gunicorn", "--config", "budget_system/gunicorn_conf.py", "budget_system.wsgi:application"],
    "worker": ["celery", "-A", "budget_system", "worker", "--hostname=celery@%h"],
    "beat": ["celery", "-A", "budget_system", "beat"],
}
# Their health checks (`healthcheck: test:`), with $HOSTNAME as the shell would expand it.
PROBES: dict[str, list[str]] = {
    "migrate": ["python", "manage.py", "migrate", "--check"],
    "web": ["python", "-m", "core.healthprobe"],
    "worker": [
        "celery",
        "-A",
        "budget_system",
        "inspect",
        "ping",
        "-d",
        "celery@$HOSTNAME",
        "--timeout",
        "10",
    ],
    "beat": ["python", "manage.py", "beat_alive"],
}

REDIS_PORTS = range(16400, 16500)
WEB_PORTS = range(18400, 18500)


def _free_port(ports: range) -> int:
    start = os.getpid() % len(ports)
    for offset in range(len(ports)):
        port = ports[(start + offset) % len(ports)]
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports}")


def _local(command: list[str]) -> list[str]:
    """A container's command on this machine: python, gunicorn and celery of this venv."""
    program, *rest = command
    host = socket.gethostname()
    rest = [arg.replace("$HOSTNAME", host) for arg in rest]
    if program == "python":
        return [sys.executable, *rest]
    return [str(BIN / program), *rest]


@dataclass
class Stack:
    env: dict[str, str]
    logs: Path
    redis_port: int
    web_port: int
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}/api/v1/health/"

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def start_redis(self) -> None:
        self.start("redis", redis_server_command(self.redis_port))
        wait_for(lambda: port_open(self.redis_port), timeout=10, what="redis-server", stack=self)

    def stop_redis(self) -> None:
        stop_group(self.processes.pop("redis"))

    def run(self, command: list[str], timeout: float = 30) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _local(command),
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            answer = requests.get(self.health_url, timeout=5)
        except requests.RequestException:
            return 0, {}
        return answer.status_code, answer.json()

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs_tail(self) -> str:
        return "".join(f"\n--- {name} ---\n{self.log(name)[-3000:]}" for name in ("web", "worker", "beat"))


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str, stack: Stack) -> Any:
    return wait_until(condition, timeout=timeout, what=what, logs=stack.logs_tail)


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    redis_port = _free_port(REDIS_PORTS)
    web_port = _free_port(WEB_PORTS)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "budget_system.settings_production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url(),
            "CONN_MAX_AGE": "0",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0",
            "CACHE_URL": f"redis://127.0.0.1:{redis_port}/1",
            "ALERT_WEBHOOK_URL": "",
            "SPEND_SOURCE": "none",
            "LOG_FORMAT": "json",
            "PORT": str(web_port),
            "GUNICORN_BIND_HOST": "127.0.0.1",
            "WEB_CONCURRENCY": "2",
            "PYTHONUNBUFFERED": "1",
        }
    )
    state = Stack(env=env, logs=tmp_path, redis_port=redis_port, web_port=web_port)
    try:
        state.start_redis()
        yield state
    finally:
        for process in reversed(list(state.processes.values())):
            stop_group(process)


def test_the_compose_processes_run_without_docker_and_survive_a_redis_outage(stack: Stack) -> None:
    assert stack.env["ALERT_WEBHOOK_URL"] == ""  # the alert channel must not need the broker
    # given: the database migrated by the migrate service's command, then web, worker and Beat
    migrated = stack.run(COMMANDS["migrate"], timeout=60)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    for name in ("web", "worker", "beat"):
        stack.start(name, _local(COMMANDS[name]))
    sync_groups()
    user = User.objects.create_user(username="etl")
    user.groups.add(Group.objects.get(name=INTEGRATION))
    token = Token.objects.create(user=user).key
    campaign = make_campaign(daily_budget=Decimal("10.00"))
    # the integration's team holds the campaign's brand (a person sees their teams' brands only)
    team_create(name="ETL", brand_ids=[campaign.brand_id], members=[(user.pk, Role.INTEGRATION)])

    # then: health is 200 with every check ok once Beat's heartbeat has run
    def healthy() -> bool:
        status, body = stack.health()
        return status == 200 and body.get("checks", {}).get("beat") == "ok"

    wait_for(healthy, timeout=45, what="health 200 with the Beat heartbeat", stack=stack)
    assert stack.health()[1]["checks"] == {"database": "ok", "broker": "ok", "beat": "ok"}
    for name, probe in PROBES.items():
        result = stack.run(probe)
        assert result.returncode == 0, f"{name} probe failed: {result.stdout}{result.stderr}"

    # when: Redis goes away
    stack.stop_redis()
    try:
        # then: health answers 503 naming the broker, fast
        started = time.monotonic()
        status, body = stack.health()
        elapsed = time.monotonic() - started
        assert status == 503, body
        assert body["status"] == "error"
        assert body["checks"]["broker"].startswith("error"), body
        assert body["checks"]["database"] == "ok"
        assert elapsed < 2.5, f"health took {elapsed:.1f}s with Redis down"
        assert stack.run(PROBES["web"]).returncode == 1

        # and: the spend API keeps accepting spend (and pausing: 10.00 is the daily budget)
        answer = requests.post(
            f"http://127.0.0.1:{stack.web_port}/api/v1/spends/",
            json={"campaign": campaign.pk, "amount": "10.00", "external_id": "outage-1", "source": "test"},
            headers={"Authorization": f"Token {token}", "X-Request-ID": "outage-request-1"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        assert answer.headers["X-Request-ID"] == "outage-request-1"
        assert answer.json()["campaign_state"]["is_active"] is False
        assert Spend.objects.filter(campaign=campaign, amount=Decimal("10.00")).count() == 1
    finally:
        # when: Redis comes back on the same port
        stack.start_redis()

    # then: health is 200 again
    wait_for(lambda: stack.health()[0] == 200, timeout=20, what="health 200 after Redis is back", stack=stack)

    # and: the web log is JSON lines; the request's lines carry its id, the alert its fields
    def entries() -> list[dict[str, Any]]:
        lines = [line for line in stack.log("web").splitlines() if line.startswith("{")]
        return [json.loads(line) for line in lines]

    mine = [entry for entry in entries() if entry.get("request_id") == "outage-request-1"]
    alerts = [entry for entry in mine if entry.get("logger") == "budget.alerts"]
    assert alerts, stack.log("web")[-3000:]
    assert alerts[0]["campaign_id"] == campaign.pk
    assert alerts[0]["brand_id"] == campaign.brand_id
    assert alerts[0]["pause_reason"] == "campaign_daily_budget"
    assert any(entry.get("logger") == "gunicorn.error" for entry in entries())  # gunicorn's too
    request_lines = [entry for entry in mine if entry.get("logger") == "budget.requests"]
    assert request_lines[0]["status"] == 201
    assert request_lines[0]["path"] == "/api/v1/spends/"
