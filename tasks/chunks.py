"""Chunked sweep runs: running one chunk, and the watchdog that completes stalled runs.

A sweep over more than ``SWEEP_CHUNK_SIZE`` campaigns is a ``SweepRun`` whose chunks (pk
ranges, kept on the run) are ``tasks.sweep_chunk`` messages. A worker that dies mid-chunk
gives its message back (``reject_on_worker_lost`` when a pool process dies, Redis'
visibility timeout when the whole worker does); the watchdog does not wait for that: a run
on which no chunk has finished for ``SWEEP_STALL_DEADLINE`` has its missing chunks run here,
one after another, by whichever worker runs the watchdog.

Running a chunk twice is safe: reconcile applies only differences under the brand locks, a
chunk's result is stored once per (run, index), and the run's summary is written once, in
the transaction that sets ``finished_at`` (``tasks.services.sweep_run_finish``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.db.models import DateTimeField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from core.timeutils import now
from tasks import services
from tasks.models import SweepChunk, SweepRun
from tasks.summary import JobSummary

logger = logging.getLogger("budget.jobs")

SWEEP_WATCHDOG = "sweep_watchdog"


def sweep_chunk_run(*, run: SweepRun, index: int, min_pk: int, max_pk: int) -> dict[str, Any] | None:
    """Reconcile one chunk of ``run`` unless its result is stored, store the result once, and
    write (and log) the run's summary when it was the last one. None: it had been run."""
    if services.sweep_chunk_done(run_id=run.pk, index=index):
        return None
    result = services.sweep_range(job=run.job, moment=run.moment or now(), min_pk=min_pk, max_pk=max_pk)
    chunk = JobSummary(run.job, extra={"run": run.pk, "chunk": index}).add(result)
    data = chunk.as_dict()
    logger.debug("job %s chunk %s/%s: %s", run.job, index + 1, run.chunks_total, chunk.to_json())
    final = services.sweep_chunk_finish(run=run, index=index, min_pk=min_pk, max_pk=max_pk, result=data)
    if final is not None:
        final.log()
    return data


def sweep_runs_stalled(*, moment: dt.datetime, deadline: dt.timedelta) -> QuerySet[SweepRun]:
    """Unfinished runs (with their chunk ranges) on which nothing happened since
    ``moment - deadline``: not their start, no chunk finishing, no watchdog taking over."""
    last_chunk = (
        SweepChunk.objects.filter(run=OuterRef("pk"))
        .values("run")
        .annotate(last=Max("finished_at"))
        .values("last")
    )
    return (
        SweepRun.objects.filter(finished_at__isnull=True)
        .exclude(ranges=[])
        .annotate(
            last_progress=Greatest(
                "started_at",
                Coalesce(Subquery(last_chunk, output_field=DateTimeField()), "started_at"),
                Coalesce("watchdog_at", "started_at"),
            )
        )
        .filter(last_progress__lt=moment - deadline)
        .order_by("pk")
    )


def _take_over(run: SweepRun) -> bool:
    """Claim the run for this watchdog: a conditional update of ``watchdog_at`` on the value
    read, row count checked, so that of two watchdogs only one goes on."""
    unchanged = Q(watchdog_at__isnull=True) if run.watchdog_at is None else Q(watchdog_at=run.watchdog_at)
    return bool(
        SweepRun.objects.filter(unchanged, pk=run.pk, finished_at__isnull=True).update(watchdog_at=now())
    )


def sweep_watchdog(
    *, moment: dt.datetime | None = None, deadline: dt.timedelta | None = None, dry_run: bool = False
) -> JobSummary:
    """Complete every chunked run stalled for ``deadline`` (default ``SWEEP_STALL_DEADLINE``):
    run its missing chunks in this process (or, when all are stored, write its summary), and
    log one line per run. ``dry_run``: report the stalled runs, change nothing."""
    moment = moment or now()
    deadline = deadline or dt.timedelta(seconds=settings.SWEEP_STALL_DEADLINE)
    summary = JobSummary(SWEEP_WATCHDOG, dry_run=dry_run)
    stalled: list[int] = []
    completed: list[int] = []
    chunks_run = 0
    for run in sweep_runs_stalled(moment=moment, deadline=deadline):
        stored = set(SweepChunk.objects.filter(run=run).values_list("index", flat=True))
        missing = [index for index in range(run.chunks_total) if index not in stored]
        stalled.append(run.pk)
        if dry_run or not _take_over(run):
            continue
        errors = 0
        for index in missing:
            min_pk, max_pk = run.ranges[index]
            try:
                sweep_chunk_run(run=run, index=index, min_pk=min_pk, max_pk=max_pk)
            except DatabaseError:
                errors += 1
                logger.exception("job %s: chunk %s of run %s failed", SWEEP_WATCHDOG, index, run.pk)
            chunks_run += 1
        if not missing and (final := services.sweep_run_finish(run=run)) is not None:
            final.log()
        finished = SweepRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists()
        if finished:
            completed.append(run.pk)
        summary.errors += errors
        fields = {
            "run": run.pk,
            "job": run.job,
            "chunks_total": run.chunks_total,
            "chunks_run": missing,
            "stalled_seconds": round((moment - run.last_progress).total_seconds()),  # type: ignore[attr-defined]
            "finished": finished,
            "errors": errors,
        }
        logger.warning(
            "job %s took over stalled run %s: %s",
            SWEEP_WATCHDOG,
            run.pk,
            json.dumps(fields, sort_keys=True),
            extra={"event": "sweep_run_taken_over", **fields},
        )
    summary.extra.update({"stalled_runs": stalled, "completed_runs": completed, "chunks_run": chunks_run})
    return summary
