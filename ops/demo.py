"""Demo data an account manager recognises: every state of the console, through the services.

The first brands are fixed scenarios (``SCENARIOS``), one per situation ops staff meet:
spend today under 80% of a cap, between 80% and 100%, and exhausted, daily and monthly, for
brands and for campaigns; a brand switched off; a person's pause; a campaign outside its
dayparting window (a schedule opened a few hours from now); an overnight window; drafts and
completed campaigns; several time zones and currencies. Further brands (``--brands`` beyond
the scenarios) are generic ones with random budgets.

Budgets are derived from the planned spend (each amount is a pure function of the seed, the
brand, the campaign and the date) so that each scenario lands in its band whatever the day
of the month. Spend carries an ``external_id`` per campaign and date, so a rerun records
nothing twice; brands, campaigns and schedules are found by name. A rerun on a later day adds
that day's spend and moves the budgets so that the scenarios keep their bands.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from django.db import transaction

from brands.models import Brand
from brands.services import brand_create, brand_update
from campaigns.models import Campaign
from campaigns.rules import Status
from campaigns.services import campaign_create, campaign_pause, campaign_update, reconcile
from core.actors import Actor
from core.money import CENT, ZERO
from core.timeutils import get_zone, local_date, month_start
from scheduling.models import DaypartingSchedule
from scheduling.services import schedule_create, schedule_update
from spending.services import MAX_BULK_RECORDS, SpendInput, spend_record_many

SYSTEM = Actor.system("seed_demo_data")
PERSON = Actor(kind=Actor.USER, label="maria (account manager, demo)")
SOURCE = "demo"

# Spend as a share of a cap: under 80% (green), 80-100% (amber), exhausted (red).
GREEN = Decimal("0.5")
AMBER = Decimal("0.9")
EXHAUSTED = Decimal("1")

# Roughly one unit of USD in each currency, so that amounts look plausible.
CURRENCY_SCALE = {"USD": 1, "EUR": 1, "GBP": 1, "AUD": 2, "CAD": 2, "INR": 80, "JPY": 150}

BUSINESS_HOURS = "Business hours"
EVENINGS = "Evenings and weekend nights"
CLOSED_NOW = "Night shift"  # opens a few hours after the seeding moment: its campaigns are outside it


@dataclass(frozen=True, slots=True)
class CampaignPlan:
    name: str
    daily: Decimal | None = None  # share of the daily cap spent today (None: no cap)
    monthly: Decimal | None = None  # share of the monthly cap spent this month
    status: str = Status.ACTIVE
    schedule: str | None = None
    paused_by_person: bool = False

    @property
    def spends_today(self) -> bool:
        return self.status == Status.ACTIVE and not self.paused_by_person

    @property
    def spends_at_all(self) -> bool:
        return self.status != Status.DRAFT


@dataclass(frozen=True, slots=True)
class BrandPlan:
    name: str
    timezone: str
    currency: str
    daily: Decimal | None
    monthly: Decimal | None
    campaigns: tuple[CampaignPlan, ...]
    is_active: bool = True


def _plain(*names: str, **options: Any) -> tuple[CampaignPlan, ...]:
    return tuple(CampaignPlan(name, **options) for name in names)


SCENARIOS: tuple[BrandPlan, ...] = (
    BrandPlan(
        "Acme",
        "America/New_York",
        "USD",
        daily=GREEN,
        monthly=GREEN,
        campaigns=(
            CampaignPlan("Always on"),
            CampaignPlan("Black Friday", daily=AMBER),
            CampaignPlan("Search ads", daily=EXHAUSTED),
            CampaignPlan("Retargeting", monthly=EXHAUSTED),
        ),
    ),
    BrandPlan(
        "Globex",
        "Europe/London",
        "GBP",
        daily=AMBER,
        monthly=GREEN,
        campaigns=(
            CampaignPlan("Brand awareness", daily=GREEN),
            CampaignPlan("Evening push", schedule=EVENINGS),
            CampaignPlan("Spring sale", paused_by_person=True),
            CampaignPlan("Display", monthly=AMBER),
        ),
    ),
    BrandPlan(
        "Initech",
        "Asia/Kolkata",
        "INR",
        daily=EXHAUSTED,
        monthly=GREEN,
        campaigns=_plain("Search ads", "Video", "Social", "Partners"),
    ),
    BrandPlan(
        "Umbrella",
        "Australia/Sydney",
        "AUD",
        daily=GREEN,
        monthly=EXHAUSTED,
        campaigns=_plain("Search ads", "Display", "Video", "Social"),
    ),
    BrandPlan(
        "Wayne Enterprises",
        "Europe/Berlin",
        "EUR",
        daily=GREEN,
        monthly=AMBER,
        campaigns=(
            CampaignPlan("Night owls", schedule=CLOSED_NOW),
            CampaignPlan("Office hours", schedule=BUSINESS_HOURS),
            CampaignPlan("Gotham launch", daily=GREEN),
            CampaignPlan("Archive 2025", status=Status.COMPLETED),
        ),
    ),
    BrandPlan(
        "Stark Industries",
        "America/Los_Angeles",
        "USD",
        daily=GREEN,
        monthly=GREEN,
        is_active=False,
        campaigns=_plain("Search ads", "Display", "Video", "Social"),
    ),
    BrandPlan(
        "Hooli",
        "Asia/Tokyo",
        "JPY",
        daily=None,
        monthly=None,
        campaigns=(
            CampaignPlan("Search ads", daily=GREEN),
            CampaignPlan("Video"),
            CampaignPlan("Social", monthly=GREEN),
            CampaignPlan("Next launch", status=Status.DRAFT),
        ),
    ),
    BrandPlan(
        "Soylent",
        "UTC",
        "USD",
        daily=GREEN,
        monthly=AMBER,
        campaigns=_plain("Search ads", "Display", "Video", "Social"),
    ),
)

GENERIC_ZONES = ("America/Chicago", "Europe/Paris", "Asia/Singapore", "America/Sao_Paulo", "UTC")
GENERIC_CURRENCIES = ("USD", "EUR", "USD", "GBP", "CAD")
GENERIC_SHARES = (None, GREEN, GREEN, AMBER, EXHAUSTED)


def generic_plan(number: int, campaigns: int, rng: random.Random) -> BrandPlan:
    """Brand ``number`` beyond the scenarios: random caps, a schedule on some campaigns."""
    schedules = (None, None, BUSINESS_HOURS, EVENINGS)
    return BrandPlan(
        f"Demo Brand {number}",
        GENERIC_ZONES[number % len(GENERIC_ZONES)],
        GENERIC_CURRENCIES[number % len(GENERIC_CURRENCIES)],
        daily=rng.choice((None, GREEN, GREEN, AMBER)),
        monthly=rng.choice((None, GREEN, AMBER)),
        campaigns=tuple(
            CampaignPlan(
                f"Campaign {index + 1}",
                daily=rng.choice(GENERIC_SHARES),
                schedule=schedules[index % len(schedules)],
            )
            for index in range(campaigns)
        ),
    )


def brand_plans(brands: int, campaigns: int, seed: int) -> list[BrandPlan]:
    """The first ``brands`` plans, each with ``campaigns`` campaigns (scenario campaigns first,
    then plain ones)."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    plans: list[BrandPlan] = []
    for index in range(brands):
        if index >= len(SCENARIOS):
            plans.append(generic_plan(index - len(SCENARIOS) + 1, campaigns, rng))
            continue
        scenario = SCENARIOS[index]
        own = list(scenario.campaigns[:campaigns])
        own.extend(CampaignPlan(f"Campaign {n}") for n in range(len(own) + 1, campaigns + 1))
        plans.append(
            BrandPlan(
                scenario.name,
                scenario.timezone,
                scenario.currency,
                scenario.daily,
                scenario.monthly,
                tuple(own),
                scenario.is_active,
            )
        )
    return plans


# --- Amounts and budgets ---------------------------------------------------------------------


def spend_amount(seed: int, brand: str, campaign: str, day: dt.date, currency: str) -> Decimal:
    """The demo spend of one campaign on one day: the same on every run."""
    rng = random.Random(f"{seed}|{brand}|{campaign}|{day.isoformat()}")  # noqa: S311
    level = rng.uniform(40, 250) * CURRENCY_SCALE.get(currency, 1)
    return Decimal(str(level * rng.uniform(0.5, 1.1))).quantize(CENT)


def _step(spend: Decimal) -> Decimal:
    """A round step of at most a tenth of ``spend`` (1, 10, 100, ...): budgets look like budgets."""
    step = CENT
    while step * 100 <= spend:
        step *= 10
    return step


def budget_for(spend: Decimal, share: Decimal | None) -> Decimal | None:
    """A round budget of which ``spend`` is about ``share`` (``EXHAUSTED``: at most ``spend``).

    Rounding keeps the band: a step is at most a tenth of the spend, so ``AMBER`` (0.9)
    stays between 0.8 and 1 and ``GREEN`` (0.5) under 0.8.
    """
    if share is None:
        return None
    if spend <= 0:
        return Decimal(100)
    step = _step(spend)
    if share >= EXHAUSTED:
        return (spend / step).to_integral_value(ROUND_FLOOR) * step
    return (spend / share / step).to_integral_value(ROUND_CEILING) * step


@dataclass
class CampaignSpend:
    plan: CampaignPlan
    items: list[tuple[dt.date, Decimal]] = field(default_factory=list)
    today: Decimal = ZERO
    month: Decimal = ZERO


def plan_spend(plan: BrandPlan, *, seed: int, days: int, today: dt.date) -> list[CampaignSpend]:
    """Each campaign's spend on the ``days`` days before today, and today when it serves."""
    first_of_month = month_start(today)
    result = []
    for campaign in plan.campaigns:
        spend = CampaignSpend(campaign)
        if campaign.spends_at_all:
            dates = [today - dt.timedelta(days=n) for n in range(days, 0, -1)]
            if campaign.spends_today:
                dates.append(today)
            for day in dates:
                amount = spend_amount(seed, plan.name, campaign.name, day, plan.currency)
                spend.items.append((day, amount))
                if day >= first_of_month:
                    spend.month += amount
            spend.today = spend.items[-1][1] if campaign.spends_today else ZERO
        result.append(spend)
    return result


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
    spends = plan_spend(plan, seed=seed, days=days, today=today)
    caps = {
        "daily_budget": budget_for(sum((s.today for s in spends), ZERO), plan.daily),
        "monthly_budget": budget_for(sum((s.month for s in spends), ZERO), plan.monthly),
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
                "monthly_budget": budget_for(spend.month, campaign_plan.monthly),
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
