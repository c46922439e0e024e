"""The serving rule: the single pure function that decides whether a campaign serves.

``evaluate(snapshot, moment)`` takes everything the rule needs (no database, no clock)
and returns a ``Decision`` with every failing rule in precedence order. The per-spend
path, the sweeps, the API and the admin all call it; nothing else decides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.db import models

from core.budgets import is_available
from scheduling.windows import Window, is_within


class Status(models.TextChoices):
    """The operator's intent. Only a person changes it."""

    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    ARCHIVED = "archived", "Archived"


class PauseReason(models.TextChoices):
    """Why a campaign whose status is ``active`` is not serving, in precedence order."""

    BRAND_INACTIVE = "brand_inactive", "Brand is inactive"
    BRAND_MONTHLY_BUDGET = "brand_monthly_budget", "Brand monthly budget exhausted"
    BRAND_DAILY_BUDGET = "brand_daily_budget", "Brand daily budget exhausted"
    CAMPAIGN_MONTHLY_BUDGET = "campaign_monthly_budget", "Campaign monthly budget exhausted"
    CAMPAIGN_DAILY_BUDGET = "campaign_daily_budget", "Campaign daily budget exhausted"
    OUTSIDE_SCHEDULE = "outside_schedule", "Outside dayparting schedule"


# The order in which reasons are checked (and so which one becomes ``pause_reason``).
REASON_ORDER: tuple[PauseReason, ...] = tuple(PauseReason)


@dataclass(frozen=True, slots=True)
class ScheduleSnapshot:
    windows: tuple[Window, ...]
    timezone: str


# A value, but not frozen: one is built per campaign in a sweep, and a frozen dataclass's
# ``__init__`` (``object.__setattr__`` per field) costs about four times a plain one.
@dataclass(slots=True)
class CampaignSnapshot:
    """What the rule reads about one campaign at one moment.

    Spend figures are for the brand's local day and month that contain the moment.
    ``schedule`` is ``None`` when the campaign has no schedule or an inactive one.
    """

    status: str
    brand_is_active: bool
    brand_daily_budget: Decimal | None
    brand_monthly_budget: Decimal | None
    brand_day_spend: Decimal
    brand_month_spend: Decimal
    daily_budget: Decimal | None
    monthly_budget: Decimal | None
    day_spend: Decimal
    month_spend: Decimal
    schedule: ScheduleSnapshot | None = None


class BrandCaps(Protocol):
    """What the rule reads of a brand (a ``Brand`` or a sweep's ``SweepBrand``)."""

    @property
    def is_active(self) -> bool: ...
    @property
    def daily_budget(self) -> Decimal | None: ...
    @property
    def monthly_budget(self) -> Decimal | None: ...


class CampaignCaps(Protocol):
    """What the rule reads of a campaign (a ``Campaign`` or a sweep's ``SweepCampaign``)."""

    @property
    def status(self) -> str: ...
    @property
    def daily_budget(self) -> Decimal | None: ...
    @property
    def monthly_budget(self) -> Decimal | None: ...


def snapshot_of(
    campaign: CampaignCaps,
    brand: BrandCaps,
    *,
    brand_totals: tuple[Decimal, Decimal],
    totals: tuple[Decimal, Decimal],
    schedule: ScheduleSnapshot | None,
) -> CampaignSnapshot:
    """The rule's view of ``campaign`` of ``brand`` with their (day, month-to-date) spend."""
    return CampaignSnapshot(
        status=campaign.status,
        brand_is_active=brand.is_active,
        brand_daily_budget=brand.daily_budget,
        brand_monthly_budget=brand.monthly_budget,
        brand_day_spend=brand_totals[0],
        brand_month_spend=brand_totals[1],
        daily_budget=campaign.daily_budget,
        monthly_budget=campaign.monthly_budget,
        day_spend=totals[0],
        month_spend=totals[1],
        schedule=schedule,
    )


# A value, but not frozen: one is built per campaign in a sweep, and a frozen dataclass's
# ``__init__`` (``object.__setattr__`` per field) costs about four times a plain one.
@dataclass(slots=True)
class Decision:
    """The outcome: ``serves`` and, when it does not, every failing rule in order."""

    serves: bool
    reasons: tuple[PauseReason, ...] = field(default=())

    @property
    def pause_reason(self) -> str:
        """The stored ``pause_reason``: the first failing rule, or ``""``."""
        return self.reasons[0].value if self.reasons else ""


def blocking_reasons(snapshot: CampaignSnapshot, moment: dt.datetime) -> tuple[PauseReason, ...]:
    """Every rule other than ``status`` that stops the campaign at ``moment``, in order."""
    reasons: list[PauseReason] = []
    if not snapshot.brand_is_active:
        reasons.append(PauseReason.BRAND_INACTIVE)
    if not is_available(snapshot.brand_monthly_budget, snapshot.brand_month_spend):
        reasons.append(PauseReason.BRAND_MONTHLY_BUDGET)
    if not is_available(snapshot.brand_daily_budget, snapshot.brand_day_spend):
        reasons.append(PauseReason.BRAND_DAILY_BUDGET)
    if not is_available(snapshot.monthly_budget, snapshot.month_spend):
        reasons.append(PauseReason.CAMPAIGN_MONTHLY_BUDGET)
    if not is_available(snapshot.daily_budget, snapshot.day_spend):
        reasons.append(PauseReason.CAMPAIGN_DAILY_BUDGET)
    schedule = snapshot.schedule
    if schedule is not None and not is_within(schedule.windows, schedule.timezone, moment):
        reasons.append(PauseReason.OUTSIDE_SCHEDULE)
    return tuple(reasons)


def evaluate(snapshot: CampaignSnapshot, moment: dt.datetime) -> Decision:
    """Whether the campaign serves at ``moment``.

    A campaign whose status is not ``active`` never serves and has no pause reason.
    """
    if snapshot.status != Status.ACTIVE:
        return Decision(serves=False)
    reasons = blocking_reasons(snapshot, moment)
    return Decision(serves=not reasons, reasons=reasons)
