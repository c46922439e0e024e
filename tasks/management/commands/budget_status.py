from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.selectors import build_snapshots, campaigns_for_evaluation
from core.budgets import remaining
from core.timeutils import local_date
from spending.selectors import owner_totals
from tasks.management.jobcommand import parse_at, resolve_brand_ids

COLUMNS = (
    ("BRAND / CAMPAIGN", 34),
    ("STATUS", 9),
    ("SERVING", 7),
    ("REASON", 23),
    ("TODAY", 11),
    ("DAILY BUDGET", 12),
    ("DAILY LEFT", 11),
    ("MONTH", 12),
    ("MONTHLY BUDGET", 14),
    ("MONTHLY LEFT", 12),
)


def _money(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _row(values: list[str]) -> str:
    cells: list[str] = []
    for (_, width), value in zip(COLUMNS, values, strict=True):
        text = value if len(value) <= width else value[: width - 1] + "~"
        cells.append(text.ljust(width) if len(cells) < 4 else text.rjust(width))
    return "  ".join(cells).rstrip()


class Command(BaseCommand):
    help = "A table of brands and their campaigns: spend, budget, remaining, serving and why not."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--brand", action="append", dest="brands", metavar="ID_OR_NAME")
        parser.add_argument("--dry-run", action="store_true", help="accepted for symmetry: it only reads")
        parser.add_argument("--at", help="show the periods containing this ISO-8601 moment")

    def handle(self, *args: Any, **options: Any) -> None:
        moment = parse_at(options["at"])
        brand_ids = resolve_brand_ids(options["brands"])
        brands = Brand.objects.order_by("name")
        campaigns = Campaign.objects.all()
        if brand_ids is not None:
            brands = brands.filter(pk__in=brand_ids)
            campaigns = campaigns.filter(brand_id__in=brand_ids)
        loaded = list(campaigns_for_evaluation(campaigns).order_by("brand_id", "name"))
        snapshots = build_snapshots(loaded, moment)
        by_brand: dict[int, list[Campaign]] = {}
        for campaign in loaded:
            by_brand.setdefault(campaign.brand_id, []).append(campaign)
        self.stdout.write(_row([title for title, _ in COLUMNS]))
        for brand in brands:
            own = by_brand.get(brand.pk, [])
            if own:
                first = snapshots[own[0].pk]
                day, month = first.brand_day_spend, first.brand_month_spend
            else:
                today = local_date(brand.timezone, moment)
                day, month = owner_totals(brand, today)
            serving = sum(1 for c in own if c.is_active)
            self.stdout.write(
                _row(
                    [
                        f"{brand.name} ({brand.timezone})",
                        "active" if brand.is_active else "inactive",
                        f"{serving}/{len(own)}",
                        "",
                        _money(day),
                        _money(brand.daily_budget),
                        _money(remaining(brand.daily_budget, day)),
                        _money(month),
                        _money(brand.monthly_budget),
                        _money(remaining(brand.monthly_budget, month)),
                    ]
                )
            )
            for campaign in own:
                snap = snapshots[campaign.pk]
                self.stdout.write(
                    _row(
                        [
                            f"  {campaign.name}",
                            campaign.status,
                            "yes" if campaign.is_active else "no",
                            campaign.pause_reason or "-",
                            _money(snap.day_spend),
                            _money(campaign.daily_budget),
                            _money(remaining(campaign.daily_budget, snap.day_spend)),
                            _money(snap.month_spend),
                            _money(campaign.monthly_budget),
                            _money(remaining(campaign.monthly_budget, snap.month_spend)),
                        ]
                    )
                )
