"""Celery tasks: thin callers of ``tasks.services``. Each returns and logs a JSON summary.

Tasks take JSON primitives: ``at`` (an ISO-8601 moment with offset; default: now, used by
tests and by on-call to replay a moment), ``brand_ids`` and ``dry_run``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import group, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from core.timeutils import now
from tasks import chunks, services
from tasks.models import SweepRun
from tasks.summary import JobSummary

logger = logging.getLogger("budget.jobs")

# Transient database errors (lost connection, deadlock, serialization failure): retried.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


def parse_moment(at: str | None) -> dt.datetime:
    if at is None:
        return now()
    moment = dt.datetime.fromisoformat(at)
    if moment.tzinfo is None:
        raise ValueError(f"'at' must carry a UTC offset: {at!r}")
    return moment


def _sweep(
    job: str, at: str | None, brand_ids: list[int] | None, dry_run: bool, chunk_size: int | None
) -> Any:
    moment = parse_moment(at)
    size = chunk_size or settings.SWEEP_CHUNK_SIZE
    if brand_ids is None and not dry_run:
        ranges = services.sweep_plan(job=job, chunk_size=size)
        if len(ranges) > 1:
            run = services.sweep_start(
                job=job, moment=moment if at else None, chunks=len(ranges), ranges=ranges
            )
            group(
                sweep_chunk.s(run.pk, index, low, high).set(expires=settings.SWEEP_CHUNK_EXPIRES)
                for index, (low, high) in enumerate(ranges)
            ).apply_async()
            summary = JobSummary(job, extra={"chunks": len(ranges), "run": run.pk})
            return summary.log("dispatched")
    return services.sweep_run_inline(job=job, moment=moment, brand_ids=brand_ids, dry_run=dry_run).log()


@shared_task(name="tasks.enforce_budgets", autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def enforce_budgets(
    at: str | None = None,
    brand_ids: list[int] | None = None,
    dry_run: bool = False,
    chunk_size: int | None = None,
) -> Any:
    """Pause what a rule now stops and resume what the system had stopped and may serve."""
    return _sweep(services.ENFORCE_BUDGETS, at, brand_ids, dry_run, chunk_size)


@shared_task(
    name="tasks.enforce_dayparting", autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3
)
def enforce_dayparting(
    at: str | None = None,
    brand_ids: list[int] | None = None,
    dry_run: bool = False,
    chunk_size: int | None = None,
) -> Any:
    """The same evaluation, over the campaigns that have a dayparting schedule."""
    return _sweep(services.ENFORCE_DAYPARTING, at, brand_ids, dry_run, chunk_size)


@shared_task(
    name="tasks.sweep_chunk",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=5,
    # Idempotent (reconcile applies only differences; a chunk is stored once per run and
    # index), so acknowledged only when done, and given back to the queue when the process
    # running it dies (SIGKILL, out of memory) instead of being dropped as failed. A chunk
    # that kills every process running it stops coming back at SWEEP_CHUNK_EXPIRES.
    acks_late=True,
    reject_on_worker_lost=True,
)
def sweep_chunk(run_id: int, index: int, min_pk: int, max_pk: int) -> Any:
    """One pk range of a chunked sweep. A retry or re-delivery redoes only this range."""
    run = SweepRun.objects.filter(pk=run_id).first()
    if run is None:
        return None
    return chunks.sweep_chunk_run(run=run, index=index, min_pk=min_pk, max_pk=max_pk)


@shared_task(name="tasks.sweep_watchdog", autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def sweep_watchdog(dry_run: bool = False) -> Any:
    """Complete the chunked sweeps on which no chunk has finished for SWEEP_STALL_DEADLINE."""
    return chunks.sweep_watchdog(dry_run=dry_run).log()


@shared_task(
    name="tasks.reset_daily_budgets", autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3
)
def reset_daily_budgets(
    at: str | None = None, brand_ids: list[int] | None = None, dry_run: bool = False
) -> Any:
    return services.budgets_reset(
        kind="daily", moment=parse_moment(at), brand_ids=brand_ids, dry_run=dry_run
    ).log()


@shared_task(
    name="tasks.reset_monthly_budgets", autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3
)
def reset_monthly_budgets(
    at: str | None = None, brand_ids: list[int] | None = None, dry_run: bool = False
) -> Any:
    return services.budgets_reset(
        kind="monthly", moment=parse_moment(at), brand_ids=brand_ids, dry_run=dry_run
    ).log()


@shared_task(name="tasks.sync_spend", autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def sync_spend(at: str | None = None, brand_ids: list[int] | None = None, dry_run: bool = False) -> Any:
    return services.spend_sync(moment=parse_moment(at), brand_ids=brand_ids, dry_run=dry_run).log()


@shared_task(name="tasks.check_forecasts", autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=3)
def check_forecasts(at: str | None = None, brand_ids: list[int] | None = None, dry_run: bool = False) -> Any:
    """``budget.forecast_exceeded`` for brands projected to exhaust their monthly budget."""
    return services.forecasts_check(moment=parse_moment(at), brand_ids=brand_ids, dry_run=dry_run).log()


@shared_task(name="tasks.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Record that Beat ticked (and a worker ran it); ``tasks.health`` reads the age."""
    beat = services.heartbeat_record()
    logger.debug("job heartbeat finished: %s", beat.beat_at.isoformat())  # every 30 s: DEBUG
    return beat.beat_at.isoformat()
