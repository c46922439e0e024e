from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_periodic_tasks(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from tasks.schedules import periodic_tasks_sync

    periodic_tasks_sync(using=using)


class TasksConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tasks"
    verbose_name = "Automation"

    def ready(self) -> None:
        # A deploy runs `manage.py migrate` and nothing else: that is when the periodic
        # schedules are upserted (missing ones created, edited ones kept).
        post_migrate.connect(_sync_periodic_tasks, sender=self, dispatch_uid="tasks.sync_periodic_tasks")
