from __future__ import annotations

import datetime as dt
from typing import Any

from tasks.management.jobcommand import JobCommand
from tasks.services import forecasts_check
from tasks.summary import JobSummary


class Command(JobCommand):
    help = (
        "Write budget.forecast_exceeded for every brand whose projected month-end spend is over its "
        "monthly budget (at most once per brand-month)."
    )

    def run_jobs(
        self, *, moment: dt.datetime, brand_ids: list[int] | None, dry_run: bool, options: dict[str, Any]
    ) -> list[JobSummary]:
        return [forecasts_check(moment=moment, brand_ids=brand_ids, dry_run=dry_run)]
