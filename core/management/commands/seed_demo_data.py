"""Load demo data: brands in several time zones, campaigns, schedules and spend history."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from brands.models import Brand
from brands.services import brand_create
from campaigns.rules import Status
from campaigns.services import campaign_create, reconcile
from core.actors import Actor
from core.timeutils import local_date, now
from scheduling.services import schedule_create
from spending.services import MAX_BULK_RECORDS, SpendInput, spend_record_many

TIMEZONES = [
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "America/Los_Angeles",
    "Australia/Sydney",
    "UTC",
]


class Command(BaseCommand):
    help = "Create demo brands, campaigns, schedules and spend (through the services)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--brands", type=int, default=5, help="brands to add")
        parser.add_argument("--campaigns", type=int, default=4, help="campaigns per brand")
        parser.add_argument("--days", type=int, default=14, help="days of spend history")
        parser.add_argument("--seed", type=int, default=42, help="random seed (deterministic data)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when brands exist")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Brand.objects.exists():
            self.stdout.write("Demo data skipped: the database already has brands.")
            return
        rng = random.Random(options["seed"])  # noqa: S311 - demo data, not security
        actor = Actor.system("seed_demo_data")
        moment = now()
        with transaction.atomic():
            business = schedule_create(
                name="Business hours",
                windows=[{"days_of_week": [0, 1, 2, 3, 4], "start_time": "09:00", "end_time": "17:00"}],
            )
            evenings = schedule_create(
                name="Evenings and weekend nights",
                windows=[
                    {"days_of_week": [0, 1, 2, 3, 4], "start_time": "18:00", "end_time": "23:00"},
                    {"days_of_week": [4, 5], "start_time": "22:00", "end_time": "02:00"},
                ],
            )
            schedules = [None, None, business.pk, evenings.pk]
            start = Brand.objects.count()
            spends = 0
            for index in range(options["brands"]):
                daily = Decimal(rng.choice([200, 500, 1000, 2500]))
                brand = brand_create(
                    name=f"Demo Brand {start + index + 1}",
                    timezone=TIMEZONES[(start + index) % len(TIMEZONES)],
                    daily_budget=daily,
                    monthly_budget=daily * 25,
                )
                today = local_date(brand.timezone, moment)
                items: list[SpendInput] = []
                for number in range(options["campaigns"]):
                    campaign = campaign_create(
                        brand_id=brand.pk,
                        name=f"Campaign {number + 1}",
                        status=Status.ACTIVE,
                        daily_budget=(daily / 3).quantize(Decimal("0.01")) if number % 2 == 0 else None,
                        dayparting_schedule_id=schedules[number % len(schedules)],
                        actor=actor,
                        moment=moment,
                    )
                    items.extend(
                        SpendInput(
                            campaign_id=campaign.pk,
                            amount=Decimal(rng.randint(500, int(daily * 100 // 4))) / 100,
                            date=today - dt.timedelta(days=days_ago),
                            description="demo",
                            source="demo",
                        )
                        for days_ago in range(options["days"], 0, -1)
                    )
                # One ledger write per brand (in batches the service accepts), not per campaign.
                for start_at in range(0, len(items), MAX_BULK_RECORDS):
                    spend_record_many(
                        items=items[start_at : start_at + MAX_BULK_RECORDS], actor=actor, moment=moment
                    )
                spends += len(items)
            result = reconcile(moment=moment, actor=actor)
        self.stdout.write(
            f"Created {options['brands']} brands, {options['brands'] * options['campaigns']} campaigns, "
            f"{spends} spends; {result.checked} evaluated."
        )
