"""Chunked runs a worker left unfinished: the watchdog completes them, once, with the summary
a full run would have written (tasks/chunks.py). The real-worker version, with a SIGKILL, is
tasks/tests/test_worker_loss.py."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from budget_system.celery import app
from campaigns.services import reconcile
from core.timeutils import now
from events.selectors import event_log
from tasks import chunks, services
from tasks import tasks as jobs
from tasks.models import SweepChunk, SweepRun
from tasks.tests.helpers import SERVING_TYPES, mixed_campaigns

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
DEADLINE = dt.timedelta(seconds=settings.SWEEP_STALL_DEADLINE)


def _start(ranges: list[tuple[int, int]]) -> SweepRun:
    """A run of enforce_budgets at NOON, started at NOON."""
    with time_machine.travel(NOON, tick=False):
        job = services.ENFORCE_BUDGETS
        return services.sweep_start(job=job, moment=NOON, chunks=len(ranges), ranges=ranges)


def _started_run(count: int, chunk_size: int, stored: list[int]) -> SweepRun:
    """A run dispatched at NOON whose worker stored only the chunks ``stored`` and died."""
    mixed_campaigns(count)
    ranges = services.sweep_plan(job=services.ENFORCE_BUDGETS, chunk_size=chunk_size)
    run = _start(ranges)
    with time_machine.travel(NOON, tick=False):
        for index in stored:
            chunks.sweep_chunk_run(run=run, index=index, min_pk=ranges[index][0], max_pk=ranges[index][1])
    return run


def _changes(expected: dict[str, Any]) -> int:
    return int(sum(expected["paused"].values()) + expected["resumed"] + expected["reason_changed"])


def test_the_watchdog_runs_the_missing_chunks_of_a_stalled_run_and_writes_its_summary(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given: a run of four chunks whose worker died after the first one
    run = _started_run(20, 5, stored=[0])
    assert reconcile(moment=NOON, dry_run=True).as_dict()["unchanged"] < 15  # the rest still wait

    # when: the watchdog runs once the deadline has passed
    with (
        caplog.at_level("INFO", logger="budget.jobs"),
        time_machine.travel(NOON + DEADLINE + dt.timedelta(seconds=1)),
    ):
        summary = chunks.sweep_watchdog().as_dict()

    # then: the run is finished with every chunk counted once, and nothing is left to do
    run.refresh_from_db()
    assert run.finished_at is not None
    assert summary["stalled_runs"] == summary["completed_runs"] == [run.pk]
    assert summary["chunks_run"] == 3
    assert (run.summary or {})["checked"] == 20
    assert SweepChunk.objects.filter(run=run).count() == 4
    assert reconcile(moment=NOON).as_dict()["unchanged"] == 20
    assert event_log(types=SERVING_TYPES).count() == _changes(run.summary or {})
    [line] = [r for r in caplog.records if getattr(r, "event", None) == "sweep_run_taken_over"]
    assert (line.run, line.chunks_run, line.finished) == (run.pk, [1, 2, 3], True)  # type: ignore[attr-defined]
    assert line.stalled_seconds >= DEADLINE.total_seconds()  # type: ignore[attr-defined]
    assert [r for r in caplog.records if r.getMessage().startswith("job enforce_budgets finished")]


def test_the_summary_equals_an_uninterrupted_run() -> None:
    mixed_campaigns(20)
    expected = reconcile(moment=NOON, dry_run=True).as_dict()
    run = _start(services.sweep_plan(job=services.ENFORCE_BUDGETS, chunk_size=5))  # no chunk ran

    with time_machine.travel(NOON + DEADLINE + dt.timedelta(seconds=1)):
        chunks.sweep_watchdog()

    run.refresh_from_db()
    summary = run.summary or {}
    assert {key: summary[key] for key in expected} == expected
    assert event_log(types=SERVING_TYPES).count() == _changes(expected)


def test_a_run_that_still_progresses_is_left_alone() -> None:
    run = _started_run(15, 5, stored=[])
    with time_machine.travel(NOON + DEADLINE - dt.timedelta(seconds=30), tick=False):
        chunks.sweep_chunk_run(run=run, index=0, min_pk=run.ranges[0][0], max_pk=run.ranges[0][1])

    # a chunk finished 40 s ago: not stalled, though the run started long before the deadline
    with time_machine.travel(NOON + DEADLINE + dt.timedelta(seconds=10), tick=False):
        summary = chunks.sweep_watchdog().as_dict()

    assert summary["stalled_runs"] == []
    assert SweepChunk.objects.filter(run=run).count() == 1
    run.refresh_from_db()
    assert (run.finished_at, run.watchdog_at) == (None, None)


def test_runs_without_ranges_finished_runs_and_dry_runs_are_not_touched() -> None:
    with time_machine.travel(NOON, tick=False):
        legacy = services.sweep_start(job=services.ENFORCE_BUDGETS, moment=NOON, chunks=2)  # no ranges
    run = _started_run(10, 5, stored=[0, 1])  # finished by its own last chunk
    stalled = _start([(1, 1)])

    with time_machine.travel(NOON + DEADLINE + dt.timedelta(seconds=1)):
        dry = chunks.sweep_watchdog(dry_run=True).as_dict()

    assert dry["stalled_runs"] == [stalled.pk]
    assert dry["completed_runs"] == []
    assert SweepRun.objects.get(pk=stalled.pk).watchdog_at is None
    assert SweepRun.objects.get(pk=legacy.pk).finished_at is None
    assert SweepRun.objects.get(pk=run.pk).finished_at is not None


def test_a_run_whose_chunks_are_all_stored_gets_its_summary_once() -> None:
    # given: the last chunk was stored, and its worker died before adding the run up
    run = _started_run(10, 5, stored=[0])
    counts = {
        "checked": 5,
        "paused": {"x": 1},
        "resumed": 0,
        "reason_changed": 0,
        "unchanged": 4,
        "errors": 0,
    }
    with time_machine.travel(NOON, tick=False):
        SweepChunk.objects.create(
            run=run, index=1, min_pk=run.ranges[1][0], max_pk=run.ranges[1][1], result=counts
        )

    with time_machine.travel(NOON + DEADLINE + dt.timedelta(seconds=1)):
        first = chunks.sweep_watchdog().as_dict()
        again = chunks.sweep_watchdog().as_dict()

    run.refresh_from_db()
    assert first["completed_runs"] == [run.pk]
    assert first["chunks_run"] == 0
    assert again["stalled_runs"] == []
    assert (run.summary or {})["checked"] == 10
    assert (run.summary or {})["paused"]["x"] == 1


def test_only_one_watchdog_takes_over_a_run() -> None:
    run = _started_run(10, 5, stored=[])
    with time_machine.travel(NOON + DEADLINE + dt.timedelta(seconds=1)):
        [seen_by_first] = chunks.sweep_runs_stalled(moment=now(), deadline=DEADLINE)
        [seen_by_second] = chunks.sweep_runs_stalled(moment=now(), deadline=DEADLINE)

        assert chunks._take_over(seen_by_first)
        assert not chunks._take_over(seen_by_second)
        # and, having taken it over, it is not stalled again until another deadline passes
        assert not chunks.sweep_runs_stalled(moment=now(), deadline=DEADLINE).exists()
    assert run.pk == seen_by_first.pk


def test_the_original_message_of_a_chunk_the_watchdog_ran_changes_nothing() -> None:
    run = _started_run(10, 5, stored=[0])
    with time_machine.travel(NOON + DEADLINE + dt.timedelta(seconds=1)):
        chunks.sweep_watchdog()
    run.refresh_from_db()
    summary, events = run.summary, event_log(types=SERVING_TYPES).count()

    # when: Redis gives the dead worker's message back after its visibility timeout
    late = jobs.sweep_chunk(run.pk, 1, run.ranges[1][0], run.ranges[1][1])

    assert late is None
    run.refresh_from_db()
    assert run.summary == summary
    assert event_log(types=SERVING_TYPES).count() == events


def test_the_command_prints_the_watchdog_summary() -> None:
    run = _started_run(10, 5, stored=[0])
    out = StringIO()

    with time_machine.travel(NOON + dt.timedelta(seconds=30)):
        call_command("sweep_watchdog", "--deadline", "20", stdout=out)

    printed = json.loads(out.getvalue())
    assert printed["job"] == "sweep_watchdog"
    assert printed["completed_runs"] == [run.pk]
    assert SweepRun.objects.get(pk=run.pk).finished_at is not None


# --- Worker loss: re-delivery, and limits that fit together -----------------------------------


def test_a_chunk_is_given_back_when_its_process_dies_and_expires_after_redis_would_return_it() -> None:
    assert jobs.sweep_chunk.acks_late
    assert jobs.sweep_chunk.reject_on_worker_lost
    limit = settings.CELERY_TASK_TIME_LIMIT
    visibility = settings.BROKER_VISIBILITY_TIMEOUT
    # a live task (waiting for its longest retry countdown, then running) is never handed out twice
    assert visibility > settings.TASK_RETRY_BACKOFF_MAX + limit
    retried = [task for task in app.tasks.values() if getattr(task, "autoretry_for", ())]
    assert retried
    assert all(getattr(task, "retry_backoff_max", 600) <= settings.TASK_RETRY_BACKOFF_MAX for task in retried)
    # a chunk that Redis gives back is still valid; the watchdog never redoes a running chunk
    assert visibility + limit - 1 < settings.SWEEP_CHUNK_EXPIRES
    assert limit < settings.SWEEP_STALL_DEADLINE
    if settings.CELERY_BROKER_URL.startswith("redis"):
        assert app.conf.broker_transport_options["visibility_timeout"] == visibility


def test_the_dispatched_chunks_carry_the_expiry_and_the_run_keeps_their_ranges() -> None:
    mixed_campaigns(12)
    with mock.patch.object(jobs, "group") as group:
        dispatched = jobs.enforce_budgets(at=NOON.isoformat(), chunk_size=5)

    signatures = list(group.call_args.args[0])
    run = SweepRun.objects.get(pk=dispatched["run"])
    assert [sig.options["expires"] for sig in signatures] == [settings.SWEEP_CHUNK_EXPIRES] * 3
    assert [list(sig.args[2:]) for sig in signatures] == run.ranges
    assert len(run.ranges) == run.chunks_total == 3
