"""What the API shows about budgets and serving, computed for a whole page at once.

A list response calls these once for its page: a fixed number of queries (spend totals,
and the pacing of the whole page from the rollups, ``spending.pacing_inputs``) whatever the
number of rows. A response showing brands and campaigns together computes their pacing in
one go (``page_pacing``) and passes it to both. Reads only; nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import PauseReason, blocking_reasons
from campaigns.selectors import build_snapshots
from core.budgets import is_available, remaining
from core.timeutils import local_date
from spending.pacing import Pacing
from spending.pacing_inputs import pacing_for
from spending.selectors import brand_period_totals


@dataclass(frozen=True, slots=True)
class BudgetStatus:
    """Spend against the caps for one brand-local day and its month."""

    date: dt.date
    daily_budget: Decimal | None
    monthly_budget: Decimal | None
    daily_spend: Decimal
    monthly_spend: Decimal
    pacing: Pacing

    @property
    def month(self) -> str:
        return f"{self.date:%Y-%m}"

    @property
    def daily_remaining(self) -> Decimal | None:
        return remaining(self.daily_budget, self.daily_spend)

    @property
    def monthly_remaining(self) -> Decimal | None:
        return remaining(self.monthly_budget, self.monthly_spend)

    @property
    def daily_available(self) -> bool:
        return is_available(self.daily_budget, self.daily_spend)

    @property
    def monthly_available(self) -> bool:
        return is_available(self.monthly_budget, self.monthly_spend)


@dataclass(frozen=True, slots=True)
class CampaignStatus:
    blocking_reasons: tuple[PauseReason, ...]
    budget: BudgetStatus


def page_pacing(
    *, brands: Sequence[Brand] = (), campaigns: Sequence[Campaign] = (), moment: dt.datetime
) -> tuple[dict[int, Pacing], dict[int, Pacing]]:
    """The pacing blocks of every brand and campaign of a response, in one query."""
    return pacing_for(brands=brands, campaigns=campaigns, at=moment)


def brand_statuses(
    brands: Iterable[Brand], moment: dt.datetime, pacing: Mapping[int, Pacing] | None = None
) -> dict[int, BudgetStatus]:
    """Budget status of each brand for its own local today (one query per distinct date),
    with its pacing (``pacing``, else one query more)."""
    brands = list(brands)
    if pacing is None:
        pacing = page_pacing(brands=brands, moment=moment)[0]
    days = {brand.pk: local_date(brand.timezone, moment) for brand in brands}
    totals = brand_period_totals(days)
    return {
        brand.pk: BudgetStatus(
            date=days[brand.pk],
            daily_budget=brand.daily_budget,
            monthly_budget=brand.monthly_budget,
            daily_spend=totals[brand.pk][0],
            monthly_spend=totals[brand.pk][1],
            pacing=pacing[brand.pk],
        )
        for brand in brands
    }


def campaign_statuses(
    campaigns: Iterable[Campaign], moment: dt.datetime, pacing: Mapping[int, Pacing] | None = None
) -> dict[int, CampaignStatus]:
    """Blocking reasons and budget status of campaigns loaded by ``campaigns_for_evaluation``,
    with their pacing (their own caps in their brand's time zone; ``pacing``, else one query
    more).

    ``blocking_reasons`` lists every rule other than ``status`` that stops the campaign at
    ``moment`` (so a paused campaign shows what would still stop it once activated).
    """
    campaigns = list(campaigns)
    if pacing is None:
        pacing = page_pacing(campaigns=campaigns, moment=moment)[1]
    snapshots = build_snapshots(campaigns, moment)
    statuses: dict[int, CampaignStatus] = {}
    for campaign in campaigns:
        snapshot = snapshots[campaign.pk]
        statuses[campaign.pk] = CampaignStatus(
            blocking_reasons=blocking_reasons(snapshot, moment),
            budget=BudgetStatus(
                date=local_date(campaign.brand.timezone, moment),
                daily_budget=campaign.daily_budget,
                monthly_budget=campaign.monthly_budget,
                daily_spend=snapshot.day_spend,
                monthly_spend=snapshot.month_spend,
                pacing=pacing[campaign.pk],
            ),
        )
    return statuses
