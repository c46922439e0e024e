"""Demo data an account manager recognises: every state of the console, through the services.

The plans (``ops.demo_plans``): the first brands are fixed scenarios (``SCENARIOS``), one per
situation ops staff meet:
spend today under 80% of a cap, between 80% and 100%, and exhausted, daily and monthly, for
brands and for campaigns; a brand switched off; a person's pause; a campaign outside its
dayparting window (a schedule opened a few hours from now); an overnight window; drafts and
completed campaigns; several time zones and currencies; every pacing state (under, on and
over pace, exhausted, no monthly budget), brands and campaigns projected to run out of their
monthly budget this month and near a cap. Further brands (``--brands`` beyond
the scenarios) are generic ones with random budgets.

Budgets are derived from the planned spend (each amount is a pure function of the seed, the
brand, the campaign and the date) so that each scenario lands in its band whatever the day
of the month. Spend carries an ``external_id`` per campaign and date, so a rerun records
nothing twice; brands, campaigns and schedules are found by name. A rerun on a later day adds
that day's spend and moves the budgets so that the scenarios keep their bands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from brands.models import Brand
from brands.services import brand_create, brand_update
from campaigns.models import Campaign
from campaigns.services import campaign_create, campaign_pause, campaign_update, reconcile
from core.actors import Actor
from core.money import ZERO
from core.timeutils import get_zone, local_date
from ops.demo_plans import (
    BUSINESS_HOURS,
    CLOSED_NOW,
    EVENINGS,
    BrandPlan,
    budget_for,
    monthly_budget_for,
    plan_spend,
)
from scheduling.models import DaypartingSchedule
from scheduling.services import schedule_create, schedule_update
from spending.pacing import month_fraction
from spending.services import MAX_BULK_RECORDS, SpendInput, spend_record_many

SYSTEM = Actor.system("seed_demo_data")
PERSON = Actor(kind=Actor.USER, label="maria (account manager, demo)")
SOURCE = "demo"


# --- Writing, through the services ---------------------------------------------------------------


def closed_now_windows(moment: dt.datetime, timezone: str) -> list[dict[str, Any]]:
    """Every day, 8 hours opening 3 hours after ``moment``'s local hour: closed at ``moment``."""
    hour = moment.astimezone(get_zone(timezone)).hour
    start, end = (hour + 3) % 24, (hour + 11) % 24
    return [{"days_of_week": list(range(7)), "start_time": f"{start:02d}:00", "end_time": f"{end:02d}:00"}]


def schedule_windows(moment: dt.datetime) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    """The demo schedules by name: (time zone, windows)."""
    return {
        BUSINESS_HOURS: (
            "",
            [{"days_of_week": [0, 1, 2, 3, 4], "start_time": "09:00", "end_time": "17:00"}],
        ),
        EVENINGS: (
            "",
            [
                {"days_of_week": [0, 1, 2, 3, 4], "start_time": "18:00", "end_time": "23:00"},
                # Friday and Saturday nights run past midnight (an overnight window).
                {"days_of_week": [4, 5], "start_time": "22:00", "end_time": "02:00"},
            ],
        ),
        CLOSED_NOW: ("Europe/Berlin", closed_now_windows(moment, "Europe/Berlin")),
    }


def _window_specs(schedule: DaypartingSchedule) -> list[tuple[tuple[int, ...], str, str]]:
    return sorted(
        (tuple(w.days_of_week), f"{w.start_time:%H:%M}", f"{w.end_time:%H:%M}")
        for w in schedule.windows.all()
    )


def ensure_schedules(moment: dt.datetime) -> dict[str, int]:
    """Create the demo schedules, or bring their windows back to the plan (``Night shift``
    moves with the clock)."""
    ids = {}
    for name, (timezone, windows) in schedule_windows(moment).items():
        schedule = DaypartingSchedule.objects.filter(name=name).prefetch_related("windows").first()
        if schedule is None:
            schedule = schedule_create(name=name, timezone=timezone, windows=windows, actor=SYSTEM)
        else:
            wanted = sorted((tuple(w["days_of_week"]), w["start_time"], w["end_time"]) for w in windows)
            if _window_specs(schedule) != wanted:
                schedule_update(schedule_id=schedule.pk, windows=windows, actor=SYSTEM, moment=moment)
        ids[name] = schedule.pk
    return ids


@dataclass
class SeedReport:
    brands: int = 0
    brands_created: int = 0
    campaigns: int = 0
    campaigns_created: int = 0
    spends: int = 0
    spends_created: int = 0


def _changed(current: Any, fields: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if getattr(current, name) != value}


def seed_brand(
    plan: BrandPlan,
    *,
    seed: int,
    days: int,
    moment: dt.datetime,
    schedules: dict[str, int],
    report: SeedReport,
) -> Brand:
    """One brand, its campaigns and their spend, in one transaction."""
    today = local_date(plan.timezone, moment)
    elapsed = month_fraction(plan.timezone, moment)
    spends = plan_spend(plan, seed=seed, days=days, today=today)
    caps = {
        "daily_budget": budget_for(sum((s.today for s in spends), ZERO), plan.daily),
        "monthly_budget": monthly_budget_for(
            sum((s.month for s in spends), ZERO), plan.monthly, plan.pace, elapsed
        ),
    }
    with transaction.atomic():
        brand = Brand.objects.filter(name=plan.name).first()
        if brand is None:
            brand = brand_create(
                name=plan.name,
                timezone=plan.timezone,
                currency=plan.currency,
                is_active=plan.is_active,
                daily_budget=caps["daily_budget"],
                monthly_budget=caps["monthly_budget"],
                actor=SYSTEM,
            )
            report.brands_created += 1
        elif changes := _changed(brand, caps):
            brand = brand_update(brand_id=brand.pk, actor=SYSTEM, moment=moment, **changes)
        existing = {c.name: c for c in Campaign.objects.filter(brand_id=brand.pk)}
        items: list[SpendInput] = []
        for spend in spends:
            campaign_plan = spend.plan
            budgets = {
                "daily_budget": budget_for(spend.today, campaign_plan.daily),
                "monthly_budget": monthly_budget_for(
                    spend.month, campaign_plan.monthly, campaign_plan.pace, elapsed
                ),
            }
            campaign = existing.get(campaign_plan.name)
            if campaign is None:
                campaign = campaign_create(
                    brand_id=brand.pk,
                    name=campaign_plan.name,
                    status=campaign_plan.status,
                    dayparting_schedule_id=schedules.get(campaign_plan.schedule or ""),
                    actor=SYSTEM,
                    moment=moment,
                    **budgets,
                )
                if campaign_plan.paused_by_person:
                    campaign_pause(campaign_id=campaign.pk, actor=PERSON, reason="client asked to hold it")
                report.campaigns_created += 1
            elif changes := _changed(campaign, budgets):
                campaign_update(campaign_id=campaign.pk, actor=SYSTEM, moment=moment, **changes)
            items.extend(
                SpendInput(
                    campaign_id=campaign.pk,
                    amount=amount,
                    date=day,
                    description="demo",
                    source=SOURCE,
                    external_id=f"demo-{campaign.pk}-{day:%Y%m%d}",
                )
                for day, amount in spend.items
            )
        report.campaigns += len(spends)
        for start in range(0, len(items), MAX_BULK_RECORDS):
            outcomes = spend_record_many(
                items=items[start : start + MAX_BULK_RECORDS], actor=SYSTEM, moment=moment
            )
            report.spends_created += sum(1 for outcome in outcomes if outcome.created)
        report.spends += len(items)
    report.brands += 1
    return brand


def seed(
    plans: Sequence[BrandPlan],
    *,
    seed: int,
    days: int,
    moment: dt.datetime,
    on_brand: Callable[[Brand], object] | None = None,
) -> SeedReport:
    """Seed every plan (``on_brand`` is told of each brand done, for a progress bar), then
    evaluate every campaign once at ``moment``."""
    report = SeedReport()
    schedules = ensure_schedules(moment)
    for plan in plans:
        brand = seed_brand(plan, seed=seed, days=days, moment=moment, schedules=schedules, report=report)
        if on_brand is not None:
            on_brand(brand)
    reconcile(moment=moment, actor=SYSTEM)
    return report
