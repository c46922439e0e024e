"""Complete the chunked sweeps that stalled (a worker died mid-run), in this process.

python manage.py sweep_watchdog [--deadline SECONDS] [--dry-run]
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tasks.chunks import sweep_watchdog


class Command(BaseCommand):
    help = (
        "Run the missing chunks of every chunked sweep on which no chunk has finished for the "
        "deadline, and write its summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--deadline",
            type=int,
            default=settings.SWEEP_STALL_DEADLINE,
            help="seconds without a finished chunk before a run counts as stalled (default: %(default)s)",
        )
        parser.add_argument("--dry-run", action="store_true", help="list the stalled runs, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        deadline = dt.timedelta(seconds=options["deadline"])
        summary = sweep_watchdog(deadline=deadline, dry_run=options["dry_run"])
        summary.log()
        self.stdout.write(summary.to_json())
