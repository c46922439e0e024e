"""Beat liveness for a container health check: exit 0 while Beat's heartbeat is fresh, else 1.

    python manage.py beat_alive [--max-age SECONDS]

The heartbeat task runs every 30 seconds (scheduled by Beat, executed by a worker), so a fresh
heartbeat proves Beat, the broker and a worker all work. Reads ``tasks.health``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tasks.health import beat_heartbeat_age


class Command(BaseCommand):
    help = "Exit 0 when Beat's heartbeat is recent (--max-age seconds), 1 when stale or missing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--max-age",
            type=int,
            default=int(getattr(settings, "HEALTH_BEAT_MAX_AGE_SECONDS", 180)),
            help="the oldest heartbeat that still counts as alive, in seconds (default: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        max_age = dt.timedelta(seconds=options["max_age"])
        age = beat_heartbeat_age()
        if age is None:
            raise CommandError("beat: no heartbeat recorded yet")
        if age > max_age:
            raise CommandError(f"beat: stale, the heartbeat last ran {int(age.total_seconds())}s ago")
        self.stdout.write(f"beat: alive, the heartbeat ran {int(age.total_seconds())}s ago")
