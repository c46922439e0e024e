"""``manage.py dispatch_webhooks``: one dispatcher run in this process (no broker needed)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from events.dispatch import webhooks_dispatch


class Command(BaseCommand):
    help = "Position new events and deliver the webhooks that are due; prints a JSON summary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=float, default=None, help="time budget of the run")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = webhooks_dispatch(time_budget=options["seconds"])
        self.stdout.write(json.dumps({"job": "dispatch_webhooks", **summary.as_dict()}))
