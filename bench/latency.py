"""The pause latencies: in the crossing spend's own response, and at a schedule's edge with a
real worker and Beat."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.http import bench_token, gunicorn, server_env
from bench.measures import ROOT, Figure


def crossing_figure() -> Figure:
    """A spend that crosses a budget answers with the campaign already stopped."""
    from brands.services import brand_create
    from campaigns.rules import Status
    from campaigns.services import campaign_create

    brand = brand_create(name=f"Latency brand {time.time_ns()}", timezone="UTC")
    campaign = campaign_create(brand_id=brand.pk, name="crossing", status=Status.ACTIVE, daily_budget="10.00")
    token = bench_token()
    with gunicorn(1) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        started = time.perf_counter()
        connection.request(
            "POST",
            "/api/v1/spends/",
            body=json.dumps({"campaign": campaign.pk, "amount": "10.00"}).encode(),
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        payload = json.loads(response.read())
        elapsed = time.perf_counter() - started
    state = payload.get("campaign_state", {})
    stopped_in_response = response.status == 201 and state.get("is_active") is False
    return Figure(
        "pause on crossing spend",
        elapsed * 1000,
        "ms (the request)",
        target="in the same response",
        met=stopped_in_response,
        extra={"status": response.status, "campaign_state": state},
    )


def _wait(condition: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def schedule_edge_figure(broker_url: str) -> Figure:
    """A running worker and Beat pause a campaign after its window closes; how long after."""
    import datetime as dt

    from brands.services import brand_create
    from campaigns.models import Campaign
    from campaigns.rules import Status
    from campaigns.services import campaign_create
    from scheduling.services import schedule_create

    now = dt.datetime.now(dt.UTC)
    # The window closes at the next whole minute at least 20 s away.
    edge = (now + dt.timedelta(seconds=80)).replace(second=0, microsecond=0)
    start = edge - dt.timedelta(minutes=30)
    days = sorted({start.weekday(), edge.weekday()})
    schedule = schedule_create(
        name=f"Closing soon {time.time_ns()}",
        timezone="UTC",
        windows=[
            {"days_of_week": days, "start_time": start.strftime("%H:%M"), "end_time": edge.strftime("%H:%M")}
        ],
    )
    brand = brand_create(name=f"Edge brand {time.time_ns()}", timezone="UTC")
    campaign = campaign_create(
        brand_id=brand.pk, name="edge", status=Status.ACTIVE, dayparting_schedule_id=schedule.pk
    )
    assert campaign.is_active, "the window is open when the test starts"
    # Steady state: as if worker and Beat had been running, every interval job has just
    # run (otherwise Beat's first tick after a fresh install runs every job at once).
    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.objects.filter(interval__isnull=False).update(last_run_at=timezone.now())
    env = server_env({"CELERY_BROKER_URL": broker_url, "DJANGO_SETTINGS_MODULE": "budget_system.settings"})
    logs = Path(ROOT / "bench" / "results")
    logs.mkdir(parents=True, exist_ok=True)
    processes = []
    try:
        for args, name in (
            (["worker", "--concurrency=2", "--loglevel=WARNING"], "worker"),
            (["beat", "--loglevel=WARNING"], "beat"),
        ):
            log = (logs / f"latency-{name}.log").open("w")
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter
                    [sys.executable, "-m", "celery", "-A", "budget_system", *args],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        wait_until = (edge - dt.datetime.now(dt.UTC)).total_seconds() + 90
        paused_at: dt.datetime | None = None

        def paused() -> bool:
            nonlocal paused_at
            row = Campaign.objects.filter(pk=campaign.pk).values_list("is_active", "updated_at").get()
            if not row[0]:
                paused_at = row[1]
                return True
            return False

        _wait(paused, wait_until, step=0.5)
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    if paused_at is None:
        return Figure(
            "pause at a schedule edge", float("nan"), "s after the edge", target="<= 60 s", met=False
        )
    latency = (paused_at - edge).total_seconds()
    return Figure(
        "pause at a schedule edge",
        latency,
        "s after the edge",
        target="<= 60 s",
        met=0 <= latency <= 60,
        extra={"edge": edge.isoformat(), "paused_at": paused_at.isoformat()},
    )
