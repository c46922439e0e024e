"""``manage.py purge_idempotency_keys``: forget ``Idempotency-Key`` records older than N hours."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from api.models import IdempotencyKey


class Command(BaseCommand):
    help = "Delete stored Idempotency-Key requests older than --hours (default 72)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=72)

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - dt.timedelta(hours=options["hours"])
        deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
        self.stdout.write(f"deleted {deleted} idempotency keys older than {cutoff:%Y-%m-%d %H:%M} UTC")
