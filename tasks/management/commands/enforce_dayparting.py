from __future__ import annotations

import datetime as dt
from typing import Any

from tasks.management.jobcommand import JobCommand, sweep_run
from tasks.services import ENFORCE_DAYPARTING
from tasks.summary import JobSummary


class Command(JobCommand):
    help = "Evaluate the status-active campaigns that have a dayparting schedule now."

    def run_jobs(
        self, *, moment: dt.datetime, brand_ids: list[int] | None, dry_run: bool, options: dict[str, Any]
    ) -> list[JobSummary]:
        return [sweep_run(job=ENFORCE_DAYPARTING, moment=moment, brand_ids=brand_ids, dry_run=dry_run)]
