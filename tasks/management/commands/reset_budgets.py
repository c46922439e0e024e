from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import CommandParser

from tasks.management.jobcommand import JobCommand
from tasks.services import budgets_reset
from tasks.summary import JobSummary


class Command(JobCommand):
    help = (
        "Reset budgets of every brand whose local day (--daily) or month (--monthly) has turned "
        "since its last reset; idempotent per brand-day and brand-month."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--daily", action="store_const", const="daily", dest="which")
        which.add_argument("--monthly", action="store_const", const="monthly", dest="which")
        which.add_argument("--both", action="store_const", const="both", dest="which")

    def run_jobs(
        self, *, moment: dt.datetime, brand_ids: list[int] | None, dry_run: bool, options: dict[str, Any]
    ) -> list[JobSummary]:
        which = options["which"]
        kinds: list[Any] = ["daily", "monthly"] if which == "both" else [which]
        return [
            budgets_reset(kind=kind, moment=moment, brand_ids=brand_ids, dry_run=dry_run) for kind in kinds
        ]
