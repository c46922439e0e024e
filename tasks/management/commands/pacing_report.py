"""The pacing block of brands (and of their campaigns): how spend compares with the budgets.

    python manage.py pacing_report [--brand ID_OR_NAME ...] [--campaigns] [--at ISO-MOMENT]
                                   [--format table|csv|json]

Every brand (by name) unless ``--brand`` names some (an id or an exact name; an unknown one
is an error); ``--campaigns`` adds each brand's campaigns (by name), paced on their own caps
in their brand's time zone. The figures are API.md's ``pacing`` block, computed by
``spending.pacing_inputs.pacing_for`` in one query for everything shown and rendered by
``Pacing.as_json`` (``json`` prints it as the API does). It only reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from brands.models import Brand
from campaigns.models import Campaign
from ops.display import money
from spending.pacing import Pacing
from spending.pacing_inputs import pacing_for
from tasks.management.commands.budget_status import fixed_width_line
from tasks.management.jobcommand import add_brand_argument, parse_at, resolve_brand_ids

FORMATS = ("table", "csv", "json")
PACING_FIELDS = (
    "month_elapsed",
    "expected_monthly_spend",
    "month_pace",
    "status",
    "run_rate_daily",
    "projected_monthly_spend",
    "projected_exhaustion",
    "day_elapsed",
    "expected_daily_spend",
    "run_rate_days",
)


@dataclass(frozen=True, slots=True)
class Row:
    """One brand (``campaign`` None) or one of its campaigns, with its pacing."""

    brand: Brand
    campaign: Campaign | None
    pacing: Pacing

    @property
    def owner(self) -> Brand | Campaign:
        return self.campaign if self.campaign is not None else self.brand


def report_rows(brand_ids: list[int] | None, *, campaigns: bool, moment: dt.datetime) -> list[Row]:
    """Brands by name, each followed by its campaigns by name when asked: three queries."""
    brands = Brand.objects.order_by("name", "pk")
    if brand_ids is not None:
        brands = brands.filter(pk__in=brand_ids)
    brand_list = list(brands)
    campaign_list: list[Campaign] = []
    if campaigns:
        campaign_list = list(
            Campaign.objects.filter(brand_id__in=[brand.pk for brand in brand_list])
            .select_related("brand")
            .order_by("name", "pk")
        )
    brand_pacing, campaign_pacing = pacing_for(brands=brand_list, campaigns=campaign_list, at=moment)
    by_brand: dict[int, list[Campaign]] = {}
    for campaign in campaign_list:
        by_brand.setdefault(campaign.brand_id, []).append(campaign)
    rows: list[Row] = []
    for brand in brand_list:
        rows.append(Row(brand, None, brand_pacing[brand.pk]))
        rows.extend(Row(brand, c, campaign_pacing[c.pk]) for c in by_brand.get(brand.pk, []))
    return rows


# --- Formats ------------------------------------------------------------------------------

COLUMNS = (
    ("BRAND / CAMPAIGN", 40),
    ("STATUS", 10),
    ("PACE", 6),
    ("MONTH GONE", 10),
    ("EXPECTED MONTH", 14),
    ("RUN RATE/DAY", 12),
    ("PROJECTED", 13),
    ("EXHAUSTS", 10),
    ("DAY GONE", 8),
    ("EXPECTED TODAY", 14),
    ("CURRENCY", 8),
)
LEFT_ALIGNED = {0, 1, 7, len(COLUMNS) - 1}


def _cells(values: list[str]) -> str:
    return fixed_width_line(COLUMNS, LEFT_ALIGNED, values)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def as_table(rows: list[Row]) -> Iterator[str]:
    yield _cells([title for title, _ in COLUMNS])
    for row in rows:
        pacing = row.pacing
        exhaustion = pacing.projected_exhaustion
        name = (
            f"{row.brand.name} ({row.brand.timezone})" if row.campaign is None else f"  {row.campaign.name}"
        )
        yield _cells(
            [
                name,
                pacing.status.value,
                _ratio(pacing.month_pace),
                _ratio(pacing.month_elapsed),
                money(pacing.expected_monthly_spend),
                money(pacing.run_rate_daily),
                money(pacing.projected_monthly_spend),
                "-" if exhaustion is None else exhaustion.isoformat(),
                _ratio(pacing.day_elapsed),
                money(pacing.expected_daily_spend),
                row.brand.currency,
            ]
        )


CSV_HEADER = ["brand", "campaign", "timezone", "currency", "daily_budget", "monthly_budget", *PACING_FIELDS]


def _csv_value(value: Any) -> str:
    return "" if value is None else str(value)


def as_csv_rows(rows: list[Row]) -> Iterator[list[str]]:
    """One row per brand (``campaign`` empty) and per campaign; the block's values as the
    API renders them (money as ``1234.50``, empty for ``null``)."""
    yield CSV_HEADER
    for row in rows:
        block = row.pacing.as_json()
        yield [
            row.brand.name,
            row.campaign.name if row.campaign is not None else "",
            row.brand.timezone,
            row.brand.currency,
            _csv_value(row.owner.daily_budget),
            _csv_value(row.owner.monthly_budget),
            *(_csv_value(block[field]) for field in PACING_FIELDS),
        ]


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def as_json(rows: list[Row], moment: dt.datetime, *, campaigns: bool) -> dict[str, Any]:
    brands: list[dict[str, Any]] = []
    for row in rows:
        owner = row.owner
        item = {
            "id": owner.pk,
            "name": owner.name,
            "daily_budget": _amount(owner.daily_budget),
            "monthly_budget": _amount(owner.monthly_budget),
            "pacing": row.pacing.as_json(),
        }
        if row.campaign is not None:
            brands[-1]["campaigns"].append(item)
            continue
        item.update(timezone=row.brand.timezone, currency=row.brand.currency)
        if campaigns:
            item["campaigns"] = []
        brands.append(item)
    return {"at": moment.isoformat(), "brands": brands}


class Command(BaseCommand):
    help = "The pacing block of brands (and with --campaigns of their campaigns): table, csv or json."

    def add_arguments(self, parser: CommandParser) -> None:
        add_brand_argument(parser, "this brand only (repeatable); every brand by default")
        parser.add_argument("--campaigns", action="store_true", help="each brand's campaigns too")
        parser.add_argument("--format", choices=FORMATS, default="table", help="table (default), csv or json")
        parser.add_argument("--at", help="pace at this ISO-8601 moment instead of now")

    def handle(self, *args: Any, **options: Any) -> None:
        moment = parse_at(options["at"])
        with_campaigns = bool(options["campaigns"])
        rows = report_rows(resolve_brand_ids(options["brands"]), campaigns=with_campaigns, moment=moment)
        if options["format"] == "json":
            self.stdout.write(json.dumps(as_json(rows, moment, campaigns=with_campaigns), indent=2))
        elif options["format"] == "csv":
            csv.writer(self.stdout, lineterminator="\n").writerows(as_csv_rows(rows))
        else:
            for line in as_table(rows):
                self.stdout.write(line)
