from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandError, CommandParser

from tasks.management.jobcommand import JobCommand
from tasks.services import spend_sync
from tasks.spend_sources import get_spend_source
from tasks.summary import JobSummary


class Command(JobCommand):
    help = "Record spend from the spend source (SPEND_SOURCE, or --source) for the serving campaigns."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("--source", help="none, simulated or a dotted class path (default: SPEND_SOURCE)")

    def run_jobs(
        self, *, moment: dt.datetime, brand_ids: list[int] | None, dry_run: bool, options: dict[str, Any]
    ) -> list[JobSummary]:
        try:
            source = get_spend_source(options["source"])
        except (ValueError, ImportError) as error:
            raise CommandError(str(error)) from None
        return [spend_sync(moment=moment, brand_ids=brand_ids, dry_run=dry_run, source=source)]
