"""What the job commands share: ``--brand`` (repeatable, id or name), ``--dry-run``, ``--at``,
and printing the job's JSON summary (the same one its Celery task returns and logs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from brands.models import Brand
from core.timeutils import now
from tasks.summary import JobSummary


def resolve_brand_ids(values: list[str] | None) -> list[int] | None:
    """Brand ids from ids or exact names; ``None`` when no ``--brand`` was given."""
    if not values:
        return None
    ids: list[int] = []
    for value in values:
        pk = (
            Brand.objects.filter(pk=int(value)).values_list("pk", flat=True).first()
            if value.isdigit()
            else None
        )
        if pk is None:
            pk = Brand.objects.filter(name=value).values_list("pk", flat=True).first()
        if pk is None:
            raise CommandError(f"Unknown brand {value!r} (give an id or an exact name).")
        ids.append(pk)
    return ids


def parse_at(value: str | None) -> dt.datetime:
    if not value:
        return now()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--at {value!r} is not an ISO-8601 moment.") from None
    if moment.tzinfo is None:
        raise CommandError("--at needs a UTC offset, e.g. 2026-11-18T00:05:00+00:00.")
    return moment


class JobCommand(BaseCommand):
    """Run a job in this process (no broker needed) and print its summary."""

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--brand",
            action="append",
            dest="brands",
            metavar="ID_OR_NAME",
            help="only this brand (repeatable)",
        )
        parser.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
        parser.add_argument("--at", help="evaluate at this ISO-8601 moment instead of now")

    def run_jobs(
        self, *, moment: dt.datetime, brand_ids: list[int] | None, dry_run: bool, options: dict[str, Any]
    ) -> list[JobSummary]:
        raise NotImplementedError

    def handle(self, *args: Any, **options: Any) -> None:
        summaries = self.run_jobs(
            moment=parse_at(options["at"]),
            brand_ids=resolve_brand_ids(options["brands"]),
            dry_run=options["dry_run"],
            options=options,
        )
        for summary in summaries:
            summary.log()
            self.stdout.write(summary.to_json())
