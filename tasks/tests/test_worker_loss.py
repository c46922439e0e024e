"""A worker killed in the middle of a chunked sweep: the run still finishes, with every
campaign right and its summary written (real workers, Beat, Redis and PostgreSQL).

Catching the worker mid-run is made deterministic with a row lock, not with timing: the
test holds the lock of the brand whose campaigns fill the last two chunks, so the first four
chunks finish and the worker's two pool processes then wait inside chunks 4 and 5, each in
a transaction that has written nothing. The test kills the worker there and only then
releases the lock.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from campaigns.services import reconcile
from core import pgdriver
from core.tests.factories import make_brand
from core.tests.servers import database_url
from events.selectors import event_log
from tasks.models import SweepChunk, SweepRun
from tasks.tests.helpers import SERVING_TYPES
from tasks.tests.processes import Stack, celery_stack, kill_all, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AT = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
CHUNK = 40
CHUNKS = 6  # four of the open brands, then two of the locked one
STALL_DEADLINE = 5  # seconds, for the watchdog of the second worker


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with celery_stack(tmp_path, SWEEP_STALL_DEADLINE=str(STALL_DEADLINE)) as state:
        yield state


def _campaigns() -> Brand:
    """Chunks 0-3: four brands' campaigns that stay, stop or resume; chunks 4-5: every
    campaign of brand "Locked" is over its daily budget and must stop. Returns that brand."""
    brands = [make_brand(name=f"Open {index}") for index in range(4)]
    locked = make_brand(name="Locked")
    kinds = [
        {"is_active": True, "pause_reason": "", "daily_budget": None},  # serves: unchanged
        {"is_active": True, "pause_reason": "", "daily_budget": Decimal(0)},  # must stop
        {
            "is_active": False,
            "pause_reason": PauseReason.CAMPAIGN_DAILY_BUDGET,
            "daily_budget": None,
        },  # resumes
    ]
    Campaign.objects.bulk_create(
        Campaign(brand=brands[index % 4], name=f"Open {index}", status=Status.ACTIVE, **kinds[index % 3])
        for index in range(4 * CHUNK)
    )
    Campaign.objects.bulk_create(  # after the others: the highest pks, the last chunks
        Campaign(brand=locked, name=f"Locked {index}", status=Status.ACTIVE, **kinds[1])
        for index in range(2 * CHUNK)
    )
    return locked


def _hold_brand_lock(brand: Brand) -> Any:
    """A second session holding the brand's row lock until its ``rollback()``."""
    raw = pgdriver.connect(database_url())
    with raw.cursor() as cursor:
        cursor.execute("SELECT id FROM brands_brand WHERE id = %s FOR UPDATE", [brand.pk])
    return raw


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _caught_mid_run(stack: Stack) -> SweepRun:
    """Send the sweep and wait until chunks 0-3 are stored and both pool processes wait for
    the lock inside chunks 4 and 5."""
    stack.send("tasks.enforce_budgets", at=AT.isoformat(), chunk_size=CHUNK)

    def mid_run() -> SweepRun | None:
        run = SweepRun.objects.first()
        if run is None or SweepChunk.objects.filter(run=run).count() < CHUNKS - 2 or _lock_waiters() < 2:
            return None
        return run

    run: SweepRun = wait_for(mid_run, timeout=90, what="chunks 0-3 done and 4-5 waiting", stack=stack)
    assert run.chunks_total == CHUNKS
    assert sorted(SweepChunk.objects.filter(run=run).values_list("index", flat=True)) == [0, 1, 2, 3]
    return run


def _assert_finished_right(run: SweepRun, expected: dict[str, Any], locked: Brand) -> SweepRun:
    run.refresh_from_db()
    summary = run.summary or {}
    assert {key: summary[key] for key in expected} == expected
    assert sorted(SweepChunk.objects.filter(run=run).values_list("index", flat=True)) == list(range(CHUNKS))
    assert reconcile(moment=AT, dry_run=True).as_dict()["unchanged"] == 6 * CHUNK
    assert set(Campaign.objects.filter(brand=locked).values_list("is_active", "pause_reason")) == {
        (False, PauseReason.CAMPAIGN_DAILY_BUDGET)
    }
    changes = sum(expected["paused"].values()) + expected["resumed"] + expected["reason_changed"]
    assert event_log(types=SERVING_TYPES).count() == changes  # each change once, none by a killed chunk
    return run


def test_a_chunk_whose_pool_process_is_killed_is_run_again_at_once(stack: Stack) -> None:
    # given: the sweep caught in the middle, chunks 4 and 5 running in the worker's pool
    locked = _campaigns()
    expected = reconcile(moment=AT, dry_run=True).as_dict()
    raw = _hold_brand_lock(locked)
    try:
        stack.start_worker()
        run = _caught_mid_run(stack)

        def running_chunks() -> list[Any]:
            active = stack.sender.control.inspect([stack.hostname], timeout=2).active() or {}
            return [task for task in active.get(stack.hostname, []) if task["name"] == "tasks.sweep_chunk"]

        chunk = wait_for(running_chunks, timeout=30, what="the worker to list its chunks", stack=stack)[0]

        # when: the process running one of them is SIGKILLed
        os.kill(chunk["worker_pid"], signal.SIGKILL)
        wait_for(
            lambda: f"pid:{chunk['worker_pid']} exited" in stack.log("worker"),
            timeout=30,
            what="the worker to notice",
            stack=stack,
        )
    finally:
        raw.rollback()
        raw.close()

    # then: its chunk went back to the queue and ran again; the run finished on its own
    wait_for(
        lambda: SweepRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists(),
        timeout=90,
        what="the run to finish",
        stack=stack,
    )
    run = _assert_finished_right(run, expected, locked)
    assert run.watchdog_at is None


def test_a_killed_worker_leaves_a_run_that_the_watchdog_finishes(stack: Stack) -> None:
    # given: the sweep caught in the middle
    locked = _campaigns()
    expected = reconcile(moment=AT, dry_run=True).as_dict()
    raw = _hold_brand_lock(locked)
    try:
        first = stack.start_worker("worker-1", f"first-{stack.hostname}")
        run = _caught_mid_run(stack)

        # when: the whole worker is SIGKILLed (main process and pool), as a lost machine
        kill_all(first)
    finally:
        raw.rollback()
        raw.close()
    last_progress = max(SweepChunk.objects.filter(run=run).values_list("finished_at", flat=True))

    # and a new worker starts, with Beat running the watchdog every second (only it)
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.exclude(task="tasks.sweep_watchdog").update(enabled=False)
    assert PeriodicTask.objects.filter(task="tasks.sweep_watchdog").update(interval=every_second) == 1
    stack.start_worker()
    stack.start("beat", "beat")

    # then: past the deadline, the watchdog runs chunks 4 and 5 and the run is finished
    wait_for(
        lambda: SweepRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists(),
        timeout=STALL_DEADLINE + 90,
        what="the watchdog to finish the run",
        stack=stack,
    )
    run = _assert_finished_right(run, expected, locked)
    assert run.watchdog_at is not None
    assert run.watchdog_at - last_progress >= dt.timedelta(seconds=STALL_DEADLINE)
    lines = re.findall(rf"job sweep_watchdog took over stalled run {run.pk}: (\{{.*\}})", stack.log("worker"))
    assert len(lines) == 1, stack.log("worker")
    took_over = json.loads(lines[0])
    assert (took_over["chunks_run"], took_over["finished"], took_over["errors"]) == ([4, 5], True, 0)
    assert "job enforce_budgets finished" in stack.log("worker")
