from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from campaigns.models import Campaign
from core.actors import Actor
from core.exceptions import ConflictError
from core.timeutils import parse_date
from spending.services import spend_record
from tasks.management.jobcommand import resolve_brand_ids


class _DryRunRollbackError(Exception):
    """Raised inside the transaction to roll a dry run back."""


def _campaign_id(value: str, brand_ids: list[int] | None) -> int:
    queryset = Campaign.objects.all()
    if brand_ids is not None:
        queryset = queryset.filter(brand_id__in=brand_ids)
    if value.isascii() and value.isdigit() and queryset.filter(pk=int(value)).exists():
        return int(value)
    matches = list(queryset.filter(name=value).values_list("pk", flat=True)[:2])
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise CommandError(f"Several campaigns are named {value!r}: add --brand or give the id.")
    raise CommandError(f"Unknown campaign {value!r} (give an id, or a name with --brand).")


def _date(value: str) -> dt.date:
    try:
        return parse_date(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


class Command(BaseCommand):
    help = "Record one spend for a campaign (and pause it at once if a budget is now exhausted)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("campaign", help="campaign id, or name (with --brand when names repeat)")
        parser.add_argument("amount", help="money, e.g. 12.50")
        parser.add_argument("--date", type=_date, help="brand-local date, YYYY-MM-DD (default today)")
        parser.add_argument("--description", default="")
        parser.add_argument("--brand", action="append", dest="brands", metavar="ID_OR_NAME")
        parser.add_argument("--dry-run", action="store_true", help="validate and show, record nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        campaign_id = _campaign_id(options["campaign"], resolve_brand_ids(options["brands"]))
        before = Campaign.objects.filter(pk=campaign_id).values_list("is_active", flat=True).get()
        outcome = None
        try:
            with transaction.atomic():
                outcome = spend_record(
                    campaign_id=campaign_id,
                    amount=options["amount"],
                    date=options["date"],
                    description=options["description"],
                    actor=Actor.system("record_spend command"),
                )
                if options["dry_run"]:
                    raise _DryRunRollbackError
        except _DryRunRollbackError:
            pass
        except (ValidationError, ConflictError) as error:
            raise CommandError(f"Spend not recorded: {error}") from None
        assert outcome is not None
        state = outcome.campaign_state
        paused = {state.pause_reason: 1} if before and not state.is_active else {}
        summary: dict[str, Any] = {
            "job": "record_spend",
            "checked": 1,
            "paused": paused,
            "resumed": 0,
            "errors": 0,
            "campaign": campaign_id,
            "amount": f"{outcome.spend.amount:.2f}",
            "date": outcome.spend.date.isoformat(),
            "spend": None if options["dry_run"] else outcome.spend.pk,
            "serving": state.is_active,
            "pause_reason": state.pause_reason,
        }
        if options["dry_run"]:
            summary["dry_run"] = True
        self.stdout.write(json.dumps(summary, sort_keys=True))
