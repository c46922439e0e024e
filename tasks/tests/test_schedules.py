"""Periodic tasks are upserted by name into django-celery-beat on every migrate."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from budget_system.celery import app
from tasks.schedules import PERIODIC_JOBS

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "sync spend": ("tasks.sync_spend", 5, IntervalSchedule.MINUTES, 300),
    "enforce budgets": ("tasks.enforce_budgets", 1, IntervalSchedule.MINUTES, 60),
    "enforce dayparting": ("tasks.enforce_dayparting", 1, IntervalSchedule.MINUTES, 60),
    "reset daily budgets": ("tasks.reset_daily_budgets", 15, IntervalSchedule.MINUTES, 900),
    "reset monthly budgets": ("tasks.reset_monthly_budgets", 15, IntervalSchedule.MINUTES, 900),
    "beat heartbeat": ("tasks.heartbeat", 30, IntervalSchedule.SECONDS, 30),
}


def _state() -> dict[str, tuple[str, int, str, int | None, bool]]:
    return {
        p.name: (p.task, p.interval.every, p.interval.period, p.expire_seconds, p.enabled)
        for p in PeriodicTask.objects.select_related("interval")
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
