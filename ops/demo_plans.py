"""The demo data's plans (``ops.demo`` writes them): the fixed scenarios, the generic brands
beyond them, the deterministic spend and the budgets derived from it.

Each amount is a pure function of the seed, the brand, the campaign and the date. Budgets
are derived from the planned spend so that each scenario lands in its band whatever the day
of the month: a share of a cap (``GREEN``, ``AMBER``, ``EXHAUSTED``) for today's or the
month's spend, or a monthly pace (``UNDER``, ``ON``, ``OVER``: the month-to-date spend over
the monthly budget x the month elapsed, as ``spending.pacing`` computes it).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from campaigns.rules import Status
from core.money import CENT, ZERO
from core.timeutils import month_start
from spending.pacing import PACING_HIGH

# Spend as a share of a cap: under 80% (green), 80-100% (amber), exhausted (red).
GREEN = Decimal("0.5")
AMBER = Decimal("0.9")
EXHAUSTED = Decimal("1")

# A monthly pace to land on (pacing's bands: under 0.9, over 1.1): under, on and over pace.
UNDER = Decimal("0.6")
ON = Decimal("1")
OVER = Decimal("1.4")

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
    pace: Decimal | None = None  # a monthly budget giving this pace now (instead of ``monthly``)

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
    pace: Decimal | None = None  # a monthly budget giving this pace now (instead of ``monthly``)


def _plain(*names: str, **options: Any) -> tuple[CampaignPlan, ...]:
    return tuple(CampaignPlan(name, **options) for name in names)


SCENARIOS: tuple[BrandPlan, ...] = (
    BrandPlan(
        "Acme",
        "America/New_York",
        "USD",
        daily=GREEN,
        monthly=None,
        pace=ON,
        campaigns=(
            CampaignPlan("Always on", pace=OVER),
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
        monthly=None,
        pace=UNDER,
        campaigns=(
            CampaignPlan("Brand awareness", daily=GREEN, pace=ON),
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
        monthly=None,
        pace=OVER,
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
            CampaignPlan("Video", pace=UNDER),
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
                scenario.pace,
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


def paced_budget(month_spend: Decimal, pace: Decimal, elapsed: Fraction) -> Decimal:
    """A monthly budget of which ``month_spend`` is ``pace`` times the expected spend at
    ``elapsed`` of the month (``spending.pacing``: budget x elapsed), rounded to a step of at
    most a hundredth of it. Over pace keeps the budget above the spend: late in the month the
    pace aimed at falls to halfway between ``PACING_HIGH`` and the pace at which the budget
    is used up (``1 / elapsed``); in the month's last tenth there is no room left."""
    if month_spend <= 0 or elapsed <= 0:
        return Decimal(100)
    target = Fraction(pace)
    if target > 1:
        target = min(target, (Fraction(PACING_HIGH) + 1 / elapsed) / 2)
    raw = Fraction(month_spend) / (target * elapsed)
    exact = Decimal(raw.numerator) / Decimal(raw.denominator)
    step = _step(exact / 10)
    return max((exact / step).to_integral_value(ROUND_HALF_UP) * step, step)


def monthly_budget_for(
    month_spend: Decimal, share: Decimal | None, pace: Decimal | None, elapsed: Fraction
) -> Decimal | None:
    """The monthly budget of a plan: by its pace when it has one, else by its share."""
    if pace is not None:
        return paced_budget(month_spend, pace, elapsed)
    return budget_for(month_spend, share)


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
