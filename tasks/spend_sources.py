"""Where ``sync_spend`` reads spend from: the ``SPEND_SOURCE`` setting picks one class.

Writing a connector for a real ad platform is one class::

    class AcmeAdsSource:
        name = "acme_ads"  # stored as Spend.source; external ids are unique per source

        def fetch(self, *, campaigns, moment):
            for report_row in acme_client.spend_since(...):  # your API call
                yield SpendInput(
                    campaign_id=campaign_by_platform_id[report_row.id].pk,
                    amount=report_row.amount,             # Decimal or "12.34"
                    date=report_row.local_date,           # the brand's local date
                    description="Acme Ads",
                    source=self.name,
                    external_id=report_row.line_id,       # stable: re-fetching is harmless
                )

and ``SPEND_SOURCE=myapp.sources.AcmeAdsSource``. The job records what ``fetch`` yields
through ``spend_record_many`` (validated, idempotent by ``external_id``, all-or-nothing per
batch of campaigns), so a connector never writes to the database itself.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Protocol, cast

from django.conf import settings
from django.utils.module_loading import import_string

from campaigns.models import Campaign
from core.timeutils import local_date
from spending.validation import SpendInput


class SpendSource(Protocol):
    """A spend source. ``fetch`` gets the campaigns serving now (brand loaded) and the moment
    of the sync, and returns spend inputs carrying a stable ``external_id``."""

    name: str

    def fetch(self, *, campaigns: Sequence[Campaign], moment: dt.datetime) -> Iterable[SpendInput]: ...


class NoSpendSource:
    """The production default: spend arrives through the API, the job records nothing."""

    name = "none"

    def fetch(self, *, campaigns: Sequence[Campaign], moment: dt.datetime) -> Iterable[SpendInput]:
        return []


class SimulatedSpendSource:
    """Random plausible spend for demos and load tests, deterministic with a seed.

    Each campaign gets at most one record per ``bucket_seconds`` slot; its amount and its
    ``external_id`` depend only on (seed, campaign, slot), so running the sync twice in one
    slot records nothing new.
    """

    name = "simulated"

    def __init__(self, *, seed: int = 42, bucket_seconds: int = 300) -> None:
        self.seed = seed
        self.bucket_seconds = bucket_seconds

    def fetch(self, *, campaigns: Sequence[Campaign], moment: dt.datetime) -> Iterable[SpendInput]:
        slot = int(moment.timestamp()) // self.bucket_seconds
        for campaign in campaigns:
            rng = random.Random(f"{self.seed}:{campaign.pk}:{slot}")  # noqa: S311 - simulation
            if rng.random() < 0.25:
                continue
            budget = campaign.daily_budget or campaign.brand.daily_budget or Decimal(1000)
            cap_cents = max(100, int(budget * 100) // 40)
            yield SpendInput(
                campaign_id=campaign.pk,
                amount=Decimal(rng.randint(50, cap_cents)) / 100,
                date=local_date(campaign.brand.timezone, moment),
                description="simulated",
                source=self.name,
                external_id=f"sim:{campaign.pk}:{slot}",
            )


def get_spend_source(name: str | None = None) -> SpendSource:
    """The configured source: ``none``, ``simulated`` or a dotted path to a class."""
    name = (name or settings.SPEND_SOURCE).strip()
    if name == "none":
        return NoSpendSource()
    if name == "simulated":
        return SimulatedSpendSource(seed=settings.SPEND_SOURCE_SEED)
    if "." in name:
        return cast(SpendSource, import_string(name)())
    raise ValueError(f"Unknown SPEND_SOURCE {name!r}: use none, simulated or a dotted class path.")
