"""Periodic schedules, defined in code and upserted by name into django-celery-beat.

``periodic_tasks_sync`` runs after every ``manage.py migrate`` (``post_migrate``, see
``apps.py``). It creates the missing entries and never touches existing ones, so what ops
staff edit in the admin (interval, enabled, expiry) survives every deploy.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """A job and its default schedule: every ``every_seconds`` from the first tick, or,
    with ``on_the_minute``, at second 0 of every minute (a crontab ``* * * * *`` in UTC)."""

    name: str
    task: str
    every_seconds: int
    description: str
    on_the_minute: bool = False

    @property
    def interval(self) -> tuple[int, str]:
        """(every, period) as django-celery-beat stores it, in the largest whole unit."""
        if self.every_seconds % 60 == 0:
            return self.every_seconds // 60, IntervalSchedule.MINUTES
        return self.every_seconds, IntervalSchedule.SECONDS


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("sync spend", "tasks.sync_spend", 300, "Record spend from the SPEND_SOURCE."),
    PeriodicJob("enforce budgets", "tasks.enforce_budgets", 60, "Pause and resume on every rule."),
    # Dayparting windows open and close on whole minutes (every time zone's offset is a
    # whole number of minutes), so the sweep runs right after each minute turns: a window
    # edge is acted on within seconds, not up to a minute late.
    PeriodicJob(
        "enforce dayparting",
        "tasks.enforce_dayparting",
        60,
        "Pause and resume campaigns with a schedule, at the top of every minute.",
        on_the_minute=True,
    ),
    PeriodicJob(
        "reset daily budgets",
        "tasks.reset_daily_budgets",
        900,
        "Per brand, once its local day has turned (idempotent per brand-day).",
    ),
    PeriodicJob(
        "reset monthly budgets",
        "tasks.reset_monthly_budgets",
        900,
        "Per brand, once its local month has turned (idempotent per brand-month).",
    ),
    PeriodicJob(
        "check forecasts",
        "tasks.check_forecasts",
        900,
        "Alert (once per brand-month) on brands projected to exceed their monthly budget.",
    ),
    PeriodicJob("beat heartbeat", "tasks.heartbeat", 30, "Records that Beat ticks (read by health checks)."),
    # The events app: deliveries are driven from the log, so a lost nudge only waits for this.
    PeriodicJob(
        "dispatch webhooks",
        "events.dispatch_webhooks",
        5,
        "Position new events and deliver due webhooks (commits also nudge it at once).",
    ),
    # Alert e-mails: commits of alert events nudge it; this runs the messages an interval
    # held back, and those a lost nudge left.
    PeriodicJob(
        "dispatch alert emails",
        "events.dispatch_alert_emails",
        60,
        "Send due alert e-mails (brands' alert_emails, one per type per ALERT_EMAIL_MIN_INTERVAL).",
    ),
    PeriodicJob(
        "purge events",
        "events.purge_events",
        24 * 3600,
        "Delete events past EVENT_RETENTION_DAYS (budget changes: AUDIT_RETENTION_DAYS).",
    ),
    PeriodicJob(
        "sweep watchdog",
        "tasks.sweep_watchdog",
        60,
        "Completes chunked sweeps on which no chunk has finished for SWEEP_STALL_DEADLINE.",
    ),
)


def periodic_tasks_sync(*, using: str = "default") -> list[str]:
    """Create the periodic tasks that do not exist yet (by name); returns their names.

    Each gets ``expire_seconds`` of one interval (a run not started by then is dropped, so
    missed runs do not pile up) and a ``start_time`` of now, so Beat's first tick after a
    fresh install runs every job at once instead of waiting one interval.
    """
    created: list[str] = []
    with transaction.atomic(using=using):
        existing = set(
            PeriodicTask.objects.using(using)
            .filter(name__in=[job.name for job in PERIODIC_JOBS])
            .values_list("name", flat=True)
        )
        for job in PERIODIC_JOBS:
            if job.name in existing:
                continue
            schedule: dict[str, IntervalSchedule | CrontabSchedule] = {}
            if job.on_the_minute:
                schedule["crontab"], _ = CrontabSchedule.objects.using(using).get_or_create(
                    minute="*", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
                )
            else:
                every, period = job.interval
                schedule["interval"], _ = IntervalSchedule.objects.using(using).get_or_create(
                    every=every, period=period
                )
            PeriodicTask.objects.using(using).create(
                name=job.name,
                task=job.task,
                **schedule,
                expire_seconds=job.every_seconds,
                start_time=timezone.now(),
                description=job.description,
            )
            created.append(job.name)
    return created
