"""``manage.py purge_events``: the retention job, in this process."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from events.services import events_purge


class Command(BaseCommand):
    help = "Delete events past EVENT_RETENTION_DAYS (budget changes: AUDIT_RETENTION_DAYS)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps({"job": "purge_events", **events_purge()}))
