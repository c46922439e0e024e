"""Brands and their campaigns: spend against each cap, pace and projection, serving and why not.

    python manage.py budget_status [--brand ID_OR_NAME ...] [--at ISO-MOMENT] [--format table|csv|json]

``table`` (the default) is for reading in a terminal, ``csv`` for a spreadsheet (the
console's money format, as the admin's exports), ``json`` for scripts: the API's budget
blocks (``GET /api/v1/brands/{id}/budget/``), computed and serialized by the same code
(``api.states``, ``api.serializers.BudgetSerializer``), their ``pacing`` included. The
table and the csv show the pacing's ``month_pace``, ``status``, ``projected_monthly_spend``
and ``projected_exhaustion`` (``pacing_report`` shows the whole block). It only reads.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from api.serializers import BudgetSerializer
from api.states import BudgetStatus, CampaignStatus, brand_statuses, campaign_statuses, page_pacing
from brands.models import Brand
from campaigns.models import Campaign
from campaigns.selectors import campaigns_for_evaluation
from ops.display import money
from spending.pacing import Pacing
from tasks.management.jobcommand import add_brand_argument, parse_at, resolve_brand_ids

FORMATS = ("table", "csv", "json")


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


@dataclass(frozen=True, slots=True)
class CampaignRow:
    campaign: Campaign
    status: CampaignStatus


@dataclass(frozen=True, slots=True)
class BrandRow:
    brand: Brand
    figures: BudgetStatus
    campaigns: list[CampaignRow]

    @property
    def serving(self) -> int:
        return sum(1 for row in self.campaigns if row.campaign.is_active)


def status_rows(brand_ids: list[int] | None, moment: dt.datetime) -> list[BrandRow]:
    """Every brand (by name) with its campaigns (by name), with the figures the API computes
    (``api.states``): a fixed number of queries."""
    brands = Brand.objects.order_by("name")
    campaigns = Campaign.objects.all()
    if brand_ids is not None:
        brands = brands.filter(pk__in=brand_ids)
        campaigns = campaigns.filter(brand_id__in=brand_ids)
    brand_list = list(brands)
    loaded = list(campaigns_for_evaluation(campaigns).order_by("brand_id", "name", "pk"))
    brand_pacing, campaign_pacing = page_pacing(brands=brand_list, campaigns=loaded, moment=moment)
    brand_figures = brand_statuses(brand_list, moment, brand_pacing)
    campaign_figures = campaign_statuses(loaded, moment, campaign_pacing)
    by_brand: dict[int, list[CampaignRow]] = {}
    for campaign in loaded:
        by_brand.setdefault(campaign.brand_id, []).append(
            CampaignRow(campaign, campaign_figures[campaign.pk])
        )
    return [BrandRow(brand, brand_figures[brand.pk], by_brand.get(brand.pk, [])) for brand in brand_list]


# --- Formats ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Line:
    """One brand (``campaign`` None: its figures, "serving/total") or one of its campaigns."""

    brand: Brand
    campaign: Campaign | None
    status: str
    serving: str
    reason: str
    figures: BudgetStatus


def lines_of(rows: list[BrandRow]) -> Iterator[Line]:
    for row in rows:
        brand = row.brand
        status = "active" if brand.is_active else "inactive"
        yield Line(brand, None, status, f"{row.serving}/{len(row.campaigns)}", "", row.figures)
        for item in row.campaigns:
            campaign = item.campaign
            serving = "yes" if campaign.is_active else "no"
            yield Line(brand, campaign, campaign.status, serving, campaign.pause_reason, item.status.budget)


COLUMNS = (
    ("BRAND / CAMPAIGN", 40),
    ("STATUS", 9),
    ("SERVING", 7),
    ("REASON", 23),
    ("TODAY", 12),
    ("DAILY BUDGET", 12),
    ("DAILY LEFT", 12),
    ("MONTH", 13),
    ("MONTHLY BUDGET", 14),
    ("MONTHLY LEFT", 13),
    ("PACE", 6),
    ("PACING", 10),
    ("PROJECTED", 13),
    ("EXHAUSTS", 10),
    ("CURRENCY", 8),
)
LEFT_ALIGNED = {0, 1, 2, 3, 12, len(COLUMNS) - 1}


def pace_cells(pacing: Pacing) -> list[str]:
    """month_pace ("-" when none), status, projected_monthly_spend, projected_exhaustion ("-")."""
    pace = "-" if pacing.month_pace is None else f"{pacing.month_pace:.3f}"
    exhaustion = "-" if pacing.projected_exhaustion is None else pacing.projected_exhaustion.isoformat()
    return [pace, pacing.status.value, money(pacing.projected_monthly_spend), exhaustion]


def fixed_width_line(
    columns: Sequence[tuple[str, int]], left_aligned: Collection[int], values: list[str]
) -> str:
    """One line of a terminal table: each value cut (``~``) or padded to its column's width,
    left-aligned in ``left_aligned`` columns, else right-aligned (numbers)."""
    cells: list[str] = []
    for index, ((_, width), value) in enumerate(zip(columns, values, strict=True)):
        text = value if len(value) <= width else value[: width - 1] + "~"
        cells.append(text.ljust(width) if index in left_aligned else text.rjust(width))
    return "  ".join(cells).rstrip()


def _cells(values: list[str]) -> str:
    return fixed_width_line(COLUMNS, LEFT_ALIGNED, values)


def as_table(rows: list[BrandRow]) -> list[str]:
    table = [_cells([title for title, _ in COLUMNS])]
    for line in lines_of(rows):
        figures = line.figures
        if line.campaign is None:
            name, reason = f"{line.brand.name} ({line.brand.timezone})", ""
        else:
            name, reason = f"  {line.campaign.name}", line.reason or "-"
        table.append(
            _cells(
                [
                    name,
                    line.status,
                    line.serving,
                    reason,
                    money(figures.daily_spend),
                    money(figures.daily_budget),
                    money(figures.daily_remaining),
                    money(figures.monthly_spend),
                    money(figures.monthly_budget),
                    money(figures.monthly_remaining),
                    *pace_cells(figures.pacing),
                    line.brand.currency,
                ]
            )
        )
    return table


CSV_HEADER = [
    "brand",
    "campaign",
    "status",
    "serving",
    "pause_reason",
    "currency",
    "date",
    "today",
    "daily_budget",
    "daily_remaining",
    "month",
    "monthly_budget",
    "monthly_remaining",
    "month_pace",
    "pacing_status",
    "projected_monthly_spend",
    "projected_exhaustion",
]


def _csv_money(value: Decimal | None) -> str:
    return "" if value is None else money(value)


def as_csv_rows(rows: list[BrandRow]) -> list[list[str]]:
    """One row per brand (``campaign`` empty, ``serving`` as "n/m"), then one per campaign."""
    table = [CSV_HEADER]
    for line in lines_of(rows):
        figures = line.figures
        table.append(
            [
                line.brand.name,
                line.campaign.name if line.campaign else "",
                line.status,
                line.serving,
                line.reason,
                line.brand.currency,
                figures.date.isoformat(),
                _csv_money(figures.daily_spend),
                _csv_money(figures.daily_budget),
                _csv_money(figures.daily_remaining),
                _csv_money(figures.monthly_spend),
                _csv_money(figures.monthly_budget),
                _csv_money(figures.monthly_remaining),
                *(cell if cell != "-" else "" for cell in pace_cells(figures.pacing)),
            ]
        )
    return table


def as_json(rows: list[BrandRow], moment: dt.datetime) -> dict[str, Any]:
    return {
        "at": moment.isoformat(),
        "brands": [
            {
                "id": row.brand.pk,
                "name": row.brand.name,
                "timezone": row.brand.timezone,
                "currency": row.brand.currency,
                "is_active": row.brand.is_active,
                "daily_budget": _amount(row.brand.daily_budget),
                "monthly_budget": _amount(row.brand.monthly_budget),
                "serving_campaigns": row.serving,
                "budget": BudgetSerializer(row.figures).data,
                "campaigns": [
                    {
                        "id": item.campaign.pk,
                        "name": item.campaign.name,
                        "status": item.campaign.status,
                        "is_active": item.campaign.is_active,
                        "pause_reason": item.campaign.pause_reason or None,
                        "blocking_reasons": [reason.value for reason in item.status.blocking_reasons],
                        "daily_budget": _amount(item.campaign.daily_budget),
                        "monthly_budget": _amount(item.campaign.monthly_budget),
                        "budget": BudgetSerializer(item.status.budget).data,
                    }
                    for item in row.campaigns
                ],
            }
            for row in rows
        ],
    }


class Command(BaseCommand):
    help = (
        "Brands and their campaigns: spend, budget, remaining, pace and projection, serving and why "
        "not (table, csv or json)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_brand_argument(parser, "this brand only (repeatable); every brand by default")
        parser.add_argument("--format", choices=FORMATS, default="table", help="table (default), csv or json")
        parser.add_argument("--dry-run", action="store_true", help="accepted for symmetry: it only reads")
        parser.add_argument("--at", help="show the periods containing this ISO-8601 moment")

    def handle(self, *args: Any, **options: Any) -> None:
        moment = parse_at(options["at"])
        rows = status_rows(resolve_brand_ids(options["brands"]), moment)
        if options["format"] == "json":
            self.stdout.write(json.dumps(as_json(rows, moment), indent=2))
        elif options["format"] == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerows(as_csv_rows(rows))
        else:
            for line in as_table(rows):
                self.stdout.write(line)
