"""Load demo data that shows every state of the console (see ``ops.demo``), idempotently.

    python manage.py seed_demo_data [--brands 8] [--campaigns 4] [--days 30] [--seed 42] [--if-empty]

A progress bar (on stderr) counts brands; the serving changes the seeding causes are not
logged one by one (a thousand "campaign N resumed" lines say nothing about demo data).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandParser, OutputWrapper
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from brands.models import Brand
from core.timeutils import now
from ops.demo import seed
from ops.demo_plans import SCENARIOS, brand_plans
from ops.selectors import campaign_state_counts

QUIET_LOGGERS = ("budget.alerts", "budget.jobs")


class _Unwrapped:
    """``OutputWrapper`` adds a newline to every write; a progress bar writes partial lines."""

    def __init__(self, wrapper: OutputWrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> int:
        self.wrapper.write(text, ending="")
        return len(text)

    def flush(self) -> None:
        self.wrapper.flush()

    def isatty(self) -> bool:
        return self.wrapper.isatty()


@contextlib.contextmanager
def _quiet(names: tuple[str, ...]) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Create demo brands, campaigns, schedules and spend (through the services) covering every "
        "state ops staff meet; reruns add nothing twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--brands",
            type=int,
            default=len(SCENARIOS),
            help=f"brands (the first {len(SCENARIOS)} are the fixed scenarios)",
        )
        parser.add_argument("--campaigns", type=int, default=4, help="campaigns per brand")
        parser.add_argument("--days", type=int, default=30, help="days of spend history before today")
        parser.add_argument("--seed", type=int, default=42, help="random seed (deterministic data)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when brands exist")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Brand.objects.exists():
            self.stdout.write("Demo data skipped: the database already has brands.")
            return
        plans = brand_plans(options["brands"], options["campaigns"], options["seed"])
        console = Console(file=cast(IO[str], _Unwrapped(self.stderr)), stderr=True)
        columns = (
            TextColumn("demo data"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("brands"),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
        )
        with _quiet(QUIET_LOGGERS), Progress(*columns, console=console, transient=False) as progress:
            task = progress.add_task("", total=len(plans))
            report = seed(
                plans,
                seed=options["seed"],
                days=options["days"],
                moment=now(),
                on_brand=lambda brand: progress.update(task, advance=1, description=brand.name),
            )
        counts = campaign_state_counts()
        stopped = {key: n for key, n in counts.items() if key != "serving" and not key.startswith("status:")}
        self.stdout.write(
            f"Demo data: {report.brands} brands ({report.brands_created} new), {report.campaigns} campaigns "
            f"({report.campaigns_created} new), {report.spends} spends ({report.spends_created} new). "
            f"Serving {counts.get('serving', 0)}; stopped: "
            + (", ".join(f"{reason} {n}" for reason, n in sorted(stopped.items())) or "none")
            + "."
        )
