"""The periodic jobs as services: each takes a moment and returns a ``JobSummary``.

Celery tasks (``tasks.tasks``) and management commands are thin callers of these. All
evaluation goes through ``campaigns.services.reconcile``, which locks brands per batch and
applies only differences, so any job can run twice or concurrently with the same outcome.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import QuerySet

from brands.models import Brand
from campaigns.budget_alerts import forecasts_due, forecasts_write
from campaigns.engine import ReconcileResult, reconcile
from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from core.actors import Actor
from core.exceptions import ConflictError
from core.timeutils import local_date, month_start, now
from spending.marks import marks_purge
from spending.services import MAX_BULK_RECORDS, spend_record_many
from tasks import store
from tasks.models import BEAT_HEARTBEAT, BrandResetMarker, Heartbeat, SweepChunk, SweepRun
from tasks.spend_sources import SpendSource, get_spend_source
from tasks.summary import JobSummary

logger = logging.getLogger("budget.jobs")

ENFORCE_BUDGETS = "enforce_budgets"
ENFORCE_DAYPARTING = "enforce_dayparting"
RESET_DAILY = "reset_daily_budgets"
RESET_MONTHLY = "reset_monthly_budgets"
SYNC_SPEND = "sync_spend"
SWEEP_JOBS = (ENFORCE_BUDGETS, ENFORCE_DAYPARTING)
SWEEP_RUN_RETENTION = dt.timedelta(days=7)

ResetKind = Literal["daily", "monthly"]


# --- Sweeps: budget enforcement and dayparting ------------------------------------------


def sweep_queryset(*, job: str, brand_ids: Sequence[int] | None = None) -> QuerySet[Campaign]:
    """The campaigns a sweep evaluates: every status-active one, or (dayparting) those with
    a schedule."""
    if job not in SWEEP_JOBS:
        raise ValueError(f"{job!r} is not a sweep job")
    queryset = Campaign.objects.filter(status=Status.ACTIVE)
    if job == ENFORCE_DAYPARTING:
        queryset = queryset.filter(dayparting_schedule__isnull=False)
    if brand_ids is not None:
        queryset = queryset.filter(brand_id__in=list(brand_ids))
    return queryset


def sweep_range(
    *,
    job: str,
    moment: dt.datetime,
    min_pk: int | None = None,
    max_pk: int | None = None,
    brand_ids: Sequence[int] | None = None,
    dry_run: bool = False,
) -> ReconcileResult:
    """Reconcile the job's campaigns with ``min_pk <= pk <= max_pk`` (the engine's walker:
    batches of a fixed number of statements)."""
    if job not in SWEEP_JOBS:
        raise ValueError(f"{job!r} is not a sweep job")
    return reconcile(
        moment=moment,
        brand_ids=brand_ids,
        min_pk=min_pk,
        max_pk=max_pk,
        scheduled_only=job == ENFORCE_DAYPARTING,
        actor=Actor.system(job),
        dry_run=dry_run,
    )


def sweep_run_inline(
    *, job: str, moment: dt.datetime, brand_ids: Sequence[int] | None = None, dry_run: bool = False
) -> JobSummary:
    """The whole sweep in this process (commands, small databases, a brand filter)."""
    summary = JobSummary(job, dry_run=dry_run)
    return summary.add(sweep_range(job=job, moment=moment, brand_ids=brand_ids, dry_run=dry_run))


def sweep_plan(*, job: str, chunk_size: int) -> list[tuple[int, int]]:
    """Split the job's campaigns into inclusive pk ranges of ``chunk_size`` campaigns."""
    ids = list(sweep_queryset(job=job).order_by("pk").values_list("pk", flat=True))
    return [(ids[i], ids[min(i + chunk_size, len(ids)) - 1]) for i in range(0, len(ids), chunk_size)]


def sweep_start(
    *, job: str, moment: dt.datetime | None, chunks: int, ranges: Sequence[tuple[int, int]] = ()
) -> SweepRun:
    """Record a chunked sweep (and prune old records). ``moment`` None: chunks use their own now.
    ``ranges``: each chunk's (min_pk, max_pk), kept for the watchdog."""
    SweepRun.objects.filter(started_at__lt=now() - SWEEP_RUN_RETENTION).delete()
    return SweepRun.objects.create(
        job=job, moment=moment, chunks_total=chunks, ranges=[list(pks) for pks in ranges]
    )


def sweep_chunk_done(*, run_id: int, index: int) -> bool:
    return SweepChunk.objects.filter(run_id=run_id, index=index).exists()


def sweep_chunk_finish(
    *, run: SweepRun, index: int, min_pk: int, max_pk: int, result: dict[str, Any]
) -> JobSummary | None:
    """Store a chunk's result once; the chunk that completes the run claims it (conditional
    update, row count checked), adds the chunks up and returns the run's summary."""
    _, created = SweepChunk.objects.get_or_create(
        run_id=run.pk, index=index, defaults={"min_pk": min_pk, "max_pk": max_pk, "result": result}
    )
    return sweep_run_finish(run=run) if created else None


def sweep_run_finish(*, run: SweepRun) -> JobSummary | None:
    """Once every chunk of ``run`` is stored: claim the run (conditional update, row count
    checked), add the chunks up and return its summary; None while chunks are missing or
    when another process finished it."""
    if SweepChunk.objects.filter(run_id=run.pk).count() < run.chunks_total:
        return None
    # The claim and the summary commit together: nobody sees a finished run without it.
    with transaction.atomic():
        if not SweepRun.objects.filter(pk=run.pk, finished_at__isnull=True).update(finished_at=now()):
            return None
        summary = JobSummary(run.job, extra={"chunks": run.chunks_total, "run": run.pk})
        for chunk_result in SweepChunk.objects.filter(run_id=run.pk).values_list("result", flat=True):
            summary.merge(chunk_result)
        SweepRun.objects.filter(pk=run.pk).update(summary=summary.as_dict())
    return summary


# --- Resets: per brand, when its local day or month has turned ----------------------------


def _period(kind: ResetKind, tz_name: str, moment: dt.datetime) -> dt.date:
    day = local_date(tz_name, moment)
    return day if kind == "daily" else month_start(day)


# What a new period can bring back: campaigns the system stopped for a budget of the period
# that turned (a new month is a new day too).
RESET_REASONS: dict[str, tuple[str, ...]] = {
    "daily": (PauseReason.BRAND_DAILY_BUDGET, PauseReason.CAMPAIGN_DAILY_BUDGET),
    "monthly": (
        PauseReason.BRAND_MONTHLY_BUDGET,
        PauseReason.BRAND_DAILY_BUDGET,
        PauseReason.CAMPAIGN_MONTHLY_BUDGET,
        PauseReason.CAMPAIGN_DAILY_BUDGET,
    ),
}
RESET_CHUNK = 500  # brands claimed and reconciled per transaction


def budgets_reset(
    *,
    kind: ResetKind,
    moment: dt.datetime,
    brand_ids: Sequence[int] | None = None,
    dry_run: bool = False,
) -> JobSummary:
    """Reset every brand whose local day (``daily``) or month (``monthly``) has turned.

    Spend totals are derived from the ledger, so a reset zeroes nothing: it reconciles the
    campaigns of the brand that the system stopped for a budget of that period
    (``RESET_REASONS``), which resumes what the old period's budgets had stopped (serving
    campaigns a new period could stop, by spend dated ahead, are the minute sweep's).
    Brands are claimed by chunks of ``RESET_CHUNK``, each brand-period with a conditional
    update under the marker's row lock, in the same transaction as the reconcile of its
    campaigns; a second, concurrent or late run finds them claimed and does nothing. A
    chunk that fails is done again brand by brand, so one brand's error stops no other.
    """
    job = RESET_DAILY if kind == "daily" else RESET_MONTHLY
    period_field = f"{kind}_period"
    summary = JobSummary(job, dry_run=dry_run)
    brands = Brand.objects.order_by("pk")
    if brand_ids is not None:
        brands = brands.filter(pk__in=list(brand_ids))
    zones = dict(brands.values_list("pk", "timezone"))
    marked = BrandResetMarker.objects.all()
    if brand_ids is not None:  # every brand's otherwise: no list of ten thousand ids to send
        marked = marked.filter(brand_id__in=list(zones))
    markers: dict[int, dt.date | None] = dict(marked.values_list("brand_id", period_field))
    if not dry_run:
        missing = [pk for pk in zones if pk not in markers]
        BrandResetMarker.objects.bulk_create(
            [BrandResetMarker(brand_id=pk) for pk in missing], ignore_conflicts=True
        )
    due: dict[dt.date, list[int]] = {}
    for pk, tz_name in zones.items():
        period = _period(kind, tz_name, moment)
        last = markers.get(pk)
        if last is None or last < period:
            due.setdefault(period, []).append(pk)
    reset: list[int] = []
    for period, pks in sorted(due.items()):
        for start in range(0, len(pks), RESET_CHUNK):
            chunk = pks[start : start + RESET_CHUNK]
            try:
                reset += _reset_chunk(kind, chunk, period, moment=moment, summary=summary, dry_run=dry_run)
            except DatabaseError:
                for pk in chunk:  # find the brand that fails; reset the others
                    try:
                        reset += _reset_chunk(
                            kind, [pk], period, moment=moment, summary=summary, dry_run=dry_run
                        )
                    except DatabaseError:
                        summary.errors += 1
                        logger.exception("job %s failed for brand %s", job, pk)
    summary.extra.update({"brands_checked": len(zones), "brands_reset": len(reset)})
    return summary


def _reset_chunk(
    kind: ResetKind,
    brand_ids: list[int],
    period: dt.date,
    *,
    moment: dt.datetime,
    summary: JobSummary,
    dry_run: bool,
) -> list[int]:
    """Claim ``period`` for the brands of ``brand_ids`` whose marker is older and reconcile
    their campaigns stopped for its budgets, in one transaction; the brands claimed."""
    job = RESET_DAILY if kind == "daily" else RESET_MONTHLY
    with transaction.atomic():
        if dry_run:
            claimed = brand_ids
        else:
            # Row locks in brand order; a concurrent run waits here, then sees the claim.
            claimed = store.claim_period(kind, brand_ids, period, stamp=now())
            if not claimed:
                return []
        result = reconcile(
            moment=moment,
            brand_ids=claimed,
            stopped_for=RESET_REASONS[kind],
            actor=Actor.system(job),
            dry_run=dry_run,
        )
    summary.add(result)
    return claimed


# --- Spend sync ------------------------------------------------------------------------------


def spend_sync(
    *,
    moment: dt.datetime,
    brand_ids: Sequence[int] | None = None,
    dry_run: bool = False,
    source: SpendSource | None = None,
    page_size: int = 500,
) -> JobSummary:
    """Record what the spend source reports for the serving campaigns, page by page.

    Each page is recorded all-or-nothing through ``spend_record_many`` (which pauses what the
    new totals stop); a page the service rejects counts its records as errors.
    """
    source = source or get_spend_source()
    summary = JobSummary(SYNC_SPEND, dry_run=dry_run)
    recorded = duplicates = 0
    amount = Decimal("0.00")
    actor = Actor.system(SYNC_SPEND)
    queryset = Campaign.objects.filter(status=Status.ACTIVE, is_active=True).select_related("brand")
    if brand_ids is not None:
        queryset = queryset.filter(brand_id__in=list(brand_ids))
    size = min(page_size, MAX_BULK_RECORDS)
    cursor = 0
    while True:
        page = list(queryset.filter(pk__gt=cursor).order_by("pk")[:size])
        if not page:
            break
        cursor = page[-1].pk
        summary.checked += len(page)
        items = list(source.fetch(campaigns=page, moment=moment))
        if items and dry_run:
            recorded += len(items)
            amount += sum((Decimal(str(item.amount)) for item in items), Decimal("0.00"))
        elif items:
            try:
                outcomes = spend_record_many(items=items, actor=actor, moment=moment)
            except (ValidationError, ConflictError) as error:
                summary.errors += len(items)
                logger.warning("job %s: source %s sent a rejected page: %s", SYNC_SPEND, source.name, error)
                continue
            states = {}
            for outcome in outcomes:
                states[outcome.spend.campaign_id] = outcome.campaign_state
                if outcome.created:
                    recorded += 1
                    amount += outcome.spend.amount
                else:
                    duplicates += 1
            for state in states.values():
                if not state.is_active:
                    summary.paused[state.pause_reason or "not_serving"] += 1
        if len(page) < size:
            break
    summary.extra.update(
        {"source": source.name, "recorded": recorded, "duplicates": duplicates, "amount": f"{amount:.2f}"}
    )
    return summary


# --- Heartbeat -----------------------------------------------------------------------------


def heartbeat_record(*, moment: dt.datetime | None = None, name: str = BEAT_HEARTBEAT) -> Heartbeat:
    """Record that the periodic heartbeat ran (Beat ticked, the broker and a worker work)."""
    heartbeat, _ = Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": moment or now()})
    return heartbeat


# --- Forecast alerts -------------------------------------------------------------------------

CHECK_FORECASTS = "check_forecasts"
FORECAST_BATCH = 500
# Marks of periods that began this long ago can no longer matter (a month and its run rate).
MARK_RETENTION = dt.timedelta(days=70)


def forecasts_check(
    *,
    moment: dt.datetime,
    brand_ids: Sequence[int] | None = None,
    dry_run: bool = False,
    batch: int = FORECAST_BATCH,
) -> JobSummary:
    """Write ``budget.forecast_exceeded`` for every brand with a monthly budget whose
    projected month-end spend is over it, at most once per brand-month (the mark decides).

    Brands in batches by primary key, a constant number of queries per batch: the brands,
    their pacing (``spending.pacing_inputs``, one query), and, when some are due, the marks'
    insert and the events' insert, in one transaction per batch. Then old marks are purged.
    """
    actor = Actor.system(CHECK_FORECASTS)
    summary = JobSummary(CHECK_FORECASTS, dry_run=dry_run)
    brands = Brand.objects.filter(monthly_budget__isnull=False).order_by("pk")
    if brand_ids is not None:
        brands = brands.filter(pk__in=list(brand_ids))
    checked = due_count = written = 0
    after = 0
    while True:
        page = list(brands.filter(pk__gt=after)[:batch])
        if not page:
            break
        after = page[-1].pk
        checked += len(page)
        try:
            with transaction.atomic():
                due = forecasts_due(page, moment=moment)
                due_count += len(due)
                if not dry_run:
                    written += forecasts_write(due, actor=actor, moment=moment)
        except DatabaseError:
            summary.errors += 1
            logger.exception("job %s failed for brands after %s", CHECK_FORECASTS, page[0].pk - 1)
    purged = 0
    if not dry_run and brand_ids is None:
        purged = marks_purge(before=(moment - MARK_RETENTION).date())
    summary.extra.update(
        {
            "brands_checked": checked,
            "forecasts_due": due_count,
            "alerts_written": written,
            "marks_purged": purged,
        }
    )
    return summary
