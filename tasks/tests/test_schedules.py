"""Periodic tasks are upserted by name into django-celery-beat on every migrate."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from budget_system.celery import app
from tasks.schedules import PERIODIC_JOBS

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "sync spend": ("tasks.sync_spend", 5, IntervalSchedule.MINUTES, 300),
    "enforce budgets": ("tasks.enforce_budgets", 1, IntervalSchedule.MINUTES, 60),
    "enforce dayparting": ("tasks.enforce_dayparting", "cron", "* * * * *", 60),
    "reset daily budgets": ("tasks.reset_daily_budgets", 15, IntervalSchedule.MINUTES, 900),
    "reset monthly budgets": ("tasks.reset_monthly_budgets", 15, IntervalSchedule.MINUTES, 900),
    "check forecasts": ("tasks.check_forecasts", 15, IntervalSchedule.MINUTES, 900),
    "beat heartbeat": ("tasks.heartbeat", 30, IntervalSchedule.SECONDS, 30),
    "dispatch webhooks": ("events.dispatch_webhooks", 5, IntervalSchedule.SECONDS, 5),
    "dispatch alert emails": ("events.dispatch_alert_emails", 1, IntervalSchedule.MINUTES, 60),
    "purge events": ("events.purge_events", 1440, IntervalSchedule.MINUTES, 86400),
    "sweep watchdog": ("tasks.sweep_watchdog", 1, IntervalSchedule.MINUTES, 60),
}


def _schedule(task: PeriodicTask) -> tuple[int | str, str]:
    if task.interval is not None:
        return task.interval.every, task.interval.period
    cron = task.crontab
    return "cron", f"{cron.minute} {cron.hour} {cron.day_of_month} {cron.month_of_year} {cron.day_of_week}"


def _state() -> dict[str, tuple[str, int | str, str, int | None, bool]]:
    return {
        p.name: (p.task, *_schedule(p), p.expire_seconds, p.enabled)
        for p in PeriodicTask.objects.select_related("interval", "crontab")
    }


def test_the_periodic_tasks_exist_after_migrate_with_the_default_schedules() -> None:
    # The test database was built by `migrate` on an empty database.
    state = _state()
    assert {name: value[:4] for name, value in state.items()} == DEFAULTS
    assert all(enabled for *_, enabled in state.values())


def test_every_scheduled_task_is_registered() -> None:
    app.loader.import_default_modules()
    assert {job.task for job in PERIODIC_JOBS} <= set(app.tasks)


def test_migrating_again_changes_nothing_and_keeps_an_edited_interval() -> None:
    # given: ops staff edited an interval and disabled a job in the admin
    every_two, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.filter(name="enforce budgets").update(interval=every_two)
    PeriodicTask.objects.filter(name="sync spend").update(enabled=False)
    before = _state()
    changed = {p.name: p.date_changed for p in PeriodicTask.objects.all()}

    # when: a deploy migrates again
    call_command("migrate", verbosity=0)

    # then
    assert _state() == before
    assert before["enforce budgets"][1:3] == (2, IntervalSchedule.MINUTES)
    assert {p.name: p.date_changed for p in PeriodicTask.objects.all()} == changed
    assert PeriodicTask.objects.count() == len(DEFAULTS)


def test_a_deleted_periodic_task_comes_back_on_the_next_migrate() -> None:
    PeriodicTask.objects.filter(name="beat heartbeat").delete()

    call_command("migrate", verbosity=0)

    assert _state()["beat heartbeat"][:4] == DEFAULTS["beat heartbeat"]


@pytest.mark.slow
@pytest.mark.django_db(databases=[])
def test_migrate_on_an_empty_database_then_again_keeps_an_edited_interval(tmp_path: Path) -> None:
    """Literally: `manage.py migrate` on an empty database (a fresh SQLite file), twice."""
    database = tmp_path / "empty.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}

    def migrate() -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            timeout=120,
        )

    def rows() -> dict[str, tuple[Any, ...]]:
        with closing(sqlite3.connect(database)) as db:
            found = db.execute(
                "SELECT t.name, t.task, COALESCE(i.every, 'cron'),"
                " COALESCE(i.period, c.minute || ' ' || c.hour || ' ' || c.day_of_month || ' ' ||"
                " c.month_of_year || ' ' || c.day_of_week), t.expire_seconds, t.enabled, t.date_changed "
                "FROM django_celery_beat_periodictask t "
                "LEFT JOIN django_celery_beat_intervalschedule i ON i.id = t.interval_id "
                "LEFT JOIN django_celery_beat_crontabschedule c ON c.id = t.crontab_id"
            ).fetchall()
        return {row[0]: tuple(row[1:]) for row in found}

    migrate()
    first = rows()
    assert {name: value[:4] for name, value in first.items()} == DEFAULTS

    # ops staff set "enforce budgets" to every 2 minutes in the admin
    with closing(sqlite3.connect(database)) as db:
        db.execute("INSERT INTO django_celery_beat_intervalschedule (every, period) VALUES (2, 'minutes')")
        db.execute(
            "UPDATE django_celery_beat_periodictask SET interval_id = last_insert_rowid() "
            "WHERE name = 'enforce budgets'"
        )
        db.commit()
    edited = rows()

    migrate()

    assert rows() == edited
    assert edited["enforce budgets"][1:3] == (2, "minutes")
