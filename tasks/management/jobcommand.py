"""What the job commands share: ``--brand`` (repeatable, id or name), ``--dry-run``, ``--at``,
and printing the job's JSON summary (the same one its Celery task returns and logs) on
stdout. With ``--dry-run``, the campaigns that would change are listed on stderr, one line
each with the reason ("would pause Acme / Black Friday: Campaign daily budget exhausted"),
for the jobs that evaluate campaigns (the sweeps and the resets)."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from brands.models import Brand
from campaigns.alerts import ServingChange
from campaigns.rules import PauseReason
from core.timeutils import now
from ops.display import campaign_label
from tasks.services import sweep_range
from tasks.summary import JobSummary


def sweep_run(*, job: str, moment: dt.datetime, brand_ids: list[int] | None, dry_run: bool) -> JobSummary:
    """A whole sweep in this process: its summary, with its serving changes."""
    result = sweep_range(job=job, moment=moment, brand_ids=brand_ids, dry_run=dry_run)
    return JobSummary(job, dry_run=dry_run).add(result)


def describe_changes(changes: Sequence[ServingChange]) -> list[str]:
    """One line per campaign: what would happen to it and why (brands' names: one query)."""
    names = dict(Brand.objects.filter(pk__in={c.brand_id for c in changes}).values_list("pk", "name"))
    lines = []
    for change in sorted(changes, key=lambda c: (names.get(c.brand_id, ""), c.campaign_name)):
        label = campaign_label(names.get(change.brand_id, f"brand {change.brand_id}"), change.campaign_name)
        reason = PauseReason(change.pause_reason).label if change.pause_reason else ""
        if change.is_active:
            lines.append(f"would resume {label}: every rule passes")
        elif change.was_active:
            lines.append(f"would pause {label}: {reason}")
        else:
            lines.append(f"would change why {label} is not serving: {reason}")
    return lines


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


def add_brand_argument(parser: CommandParser, help_text: str = "only this brand (repeatable)") -> None:
    """``--brand ID_OR_NAME``, repeatable, into ``options["brands"]`` (see ``resolve_brand_ids``)."""
    parser.add_argument("--brand", action="append", dest="brands", metavar="ID_OR_NAME", help=help_text)


class JobCommand(BaseCommand, ABC):
    """Run a job in this process (no broker needed) and print its summary."""

    def add_arguments(self, parser: CommandParser) -> None:
        add_brand_argument(parser)
        parser.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
        parser.add_argument("--at", help="evaluate at this ISO-8601 moment instead of now")

    @abstractmethod
    def run_jobs(
        self, *, moment: dt.datetime, brand_ids: list[int] | None, dry_run: bool, options: dict[str, Any]
    ) -> list[JobSummary]:
        """Run the command's job(s) and return what each did."""

    def handle(self, *args: Any, **options: Any) -> None:
        runs = self.run_jobs(
            moment=parse_at(options["at"]),
            brand_ids=resolve_brand_ids(options["brands"]),
            dry_run=options["dry_run"],
            options=options,
        )
        for run in runs:
            if options["dry_run"]:
                for line in describe_changes(run.changes):
                    self.stderr.write(f"{run.job}: {line}")
            run.log()
            self.stdout.write(run.to_json())
