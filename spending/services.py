"""Recording spend: ledger, rollups and the immediate pause, in one transaction.

``spend_record_many`` locks the brands concerned (in id order) with the campaigns read
fresh (``campaigns.store``), validates every record (``spending.validation``), appends the
new ones to the ledger and the rollups in one statement (``spending.store``), and pauses
every campaign the new totals stop (``campaigns.engine``), before it commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from brands.models import Brand
from campaigns.budget_alerts import forecast_on_spend, thresholds_on_spend
from campaigns.engine import evaluate_campaigns
from campaigns.models import Campaign
from campaigns.rules import ScheduleSnapshot, Status
from campaigns.selectors import campaigns_for_evaluation
from campaigns.store import load_campaigns
from core.actors import Actor
from core.budgets import is_available
from core.exceptions import ConflictError
from core.timeutils import local_date, now
from spending import store
from spending.marks import MarkedEvents
from spending.models import MANUAL_SOURCE, Spend
from spending.store import Owner, PeriodTotals, SpendKey, Totals
from spending.validation import MAX_BULK_RECORDS as MAX_BULK_RECORDS  # the service's public input
from spending.validation import SpendInput as SpendInput
from spending.validation import ValidSpend, campaign_ids_of, validate_spends

# The actor of the serving changes a spend makes (API.md: ``{"kind": "system", "name":
# "spend"}``); who recorded the spend is in their data (``recorded_by``).
SPEND_ACTOR = "spend"


@dataclass(frozen=True, slots=True)
class CampaignState:
    is_active: bool
    pause_reason: str


@dataclass(frozen=True, slots=True)
class SpendOutcome:
    spend: Spend
    created: bool
    campaign_state: CampaignState


@dataclass(frozen=True, slots=True)
class _Written:
    """Totals around a ledger write: brands and campaigns, before and after. Campaigns are
    those whose status is active (evaluated) and those with a cap that alerts watch."""

    brands_before: dict[int, Totals]
    brands_after: dict[int, Totals]
    campaigns_before: dict[int, Totals]
    campaigns_after: dict[int, Totals]


def _key(valid: ValidSpend) -> SpendKey | None:
    """The record's idempotency key: its campaign's brand, its source and its external_id."""
    if valid.external_id is None:
        return None
    return (valid.campaign.brand_id, valid.source, valid.external_id)


def _matches(existing: Spend, valid: ValidSpend) -> bool:
    """Whether a repeated ``external_id`` carries the same body as the stored record."""
    return (
        existing.campaign_id == valid.campaign.pk
        and existing.amount == valid.amount
        and (valid.date is None or existing.date == valid.date)
        and (not valid.description or existing.description == valid.description)
    )


def _exhausted_caps(brand: Brand, totals: Totals) -> tuple[str, ...]:
    """Which of the brand's own caps the totals exhaust (for change detection)."""
    day, month = totals
    return tuple(
        name
        for name, budget, spent in (
            ("monthly", brand.monthly_budget, month),
            ("daily", brand.daily_budget, day),
        )
        if not is_available(budget, spent)
    )


def _write(
    rows: list[Spend], brands: dict[int, Brand], campaigns: dict[int, Campaign], moment: dt.datetime
) -> _Written:
    """Append ``rows`` to the ledger and the rollups; the totals around the write."""
    today = {pk: local_date(brand.timezone, moment) for pk, brand in brands.items()}
    campaign_days = {
        spend.campaign_id: today[spend.brand_id]
        for spend in rows
        if _totals_needed(campaigns[spend.campaign_id], brands[spend.brand_id])
    }
    before: PeriodTotals = store.write_spends(rows, brand_days=today, campaign_days=campaign_days)
    return _Written(
        brands_before=before.brands,
        brands_after=store.shift_totals(before.brands, rows, Owner.BRAND, today, 1),
        campaigns_before=before.campaigns,
        campaigns_after=store.shift_totals(before.campaigns, rows, Owner.CAMPAIGN, campaign_days, 1),
    )


def _totals_needed(campaign: Campaign, brand: Brand) -> bool:
    """Whether the write reads a spent campaign's totals: to evaluate it (status active) or
    to alert on its caps (any status, a cap and thresholds): the same statement either way."""
    if campaign.status == Status.ACTIVE:
        return True
    capped = campaign.daily_budget is not None or campaign.monthly_budget is not None
    return capped and bool(brand.alert_thresholds)


def _evaluate_after_spend(
    brands: dict[int, Brand],
    campaigns: dict[int, Campaign],
    schedules: dict[int, ScheduleSnapshot | None],
    totals: _Written,
    *,
    actor: Actor,
    recorded_by: Actor,
    moment: dt.datetime,
    alerts: MarkedEvents | None,
) -> None:
    """Evaluate the spent campaigns, plus every campaign of a brand whose own exhausted
    caps changed (its caps stop or free all of its campaigns); pause what must stop, and
    write the threshold ``alerts`` in the same round trip as the pause.

    No query in the common case (no brand cap crossed, no threshold reached): the totals
    come from the write."""
    before, after = totals.brands_before, totals.brands_after
    campaign_totals = {
        pk: spent for pk, spent in totals.campaigns_after.items() if campaigns[pk].status == Status.ACTIVE
    }
    changed_brands = [
        pk
        for pk, brand in brands.items()
        if _exhausted_caps(brand, after[pk]) != _exhausted_caps(brand, before[pk])
    ]
    evaluated = [campaigns[pk] for pk in sorted(campaign_totals)]
    if changed_brands:
        others = campaigns_for_evaluation(
            Campaign.objects.filter(brand_id__in=changed_brands, status=Status.ACTIVE).exclude(
                pk__in=list(campaign_totals)
            )
        )
        evaluated = sorted([*evaluated, *others], key=lambda campaign: campaign.pk)
    evaluate_campaigns(
        evaluated,
        actor=actor,
        moment=moment,
        brand_totals=after,
        campaign_totals=campaign_totals,
        schedules=schedules,
        context={"recorded_by": {"kind": recorded_by.kind, "name": recorded_by.label}},
        before=() if alerts is None else (alerts,),
    )


def _alert_after_spend(
    rows: list[Spend],
    brands: dict[int, Brand],
    campaigns: dict[int, Campaign],
    totals: _Written,
    *,
    recorded_by: Actor,
    moment: dt.datetime,
) -> MarkedEvents | None:
    """The forecast alert the write may call for, and the threshold alerts it crossed
    (``campaigns.budget_alerts``), returned unsent: the evaluation sends them with the
    pause's statements. No query in the common case (no spend large enough to move a
    projection by 1% of the monthly budget)."""
    actor = Actor.system(SPEND_ACTOR)
    forecast_on_spend(
        brands=brands,
        spends=((spend.brand_id, spend.date, spend.amount) for spend in rows),
        moment=moment,
        actor=actor,
    )
    return thresholds_on_spend(
        brands=brands,
        campaigns=campaigns,
        brand_totals=(totals.brands_before, totals.brands_after),
        campaign_totals=(totals.campaigns_before, totals.campaigns_after),
        moment=moment,
        actor=actor,
        extra={"recorded_by": {"kind": recorded_by.kind, "name": recorded_by.label}},
    )


def spend_record_many(
    *,
    items: Sequence[SpendInput],
    actor: Actor | None = None,
    moment: dt.datetime | None = None,
    visible_campaign_ids: Collection[int] | None = None,
) -> list[SpendOutcome]:
    """Record several spends all-or-nothing, in one transaction.

    Validation of every record comes first; any error raises ``ValidationError`` with
    ``{"spends": [{...errors of record 0...}, {}, ...]}`` (or the single record's field
    errors when one record was sent) and nothing is written. ``visible_campaign_ids`` (the
    caller's scope; ``None``: every campaign) are the campaigns the caller may know of: a
    record naming any other is refused exactly as one naming a campaign that does not
    exist. Then, holding the locks of the brands concerned (in primary-key order): records
    whose ``(source, external_id)`` was seen before in the campaign's brand are returned as
    they are (a different body raises ``ConflictError``), new ones are appended to the
    ledger, the rollups are incremented, and every campaign the new totals stop is paused
    before commit. Keys are per brand, so another brand's records are never looked at.
    """
    moment = moment or now()
    actor = actor or Actor.system("api")
    if len(items) > MAX_BULK_RECORDS:
        raise ValidationError(
            {"spends": [f"Send at most {MAX_BULK_RECORDS} records in one request (got {len(items)})."]}
        )
    if not items:
        raise ValidationError({"spends": ["Send at least one record."]})
    campaign_ids = campaign_ids_of(item.campaign_id for item in items)
    if visible_campaign_ids is not None:
        campaign_ids &= set(visible_campaign_ids)
    try:
        with transaction.atomic():
            return _record(items, campaign_ids, actor=actor, moment=moment)
    except IntegrityError:
        # The same (brand, source, external_id) stored by a writer that committed between
        # our look-up and our insert (the brand lock orders writers of one brand, so this
        # is a guard); once it has committed, the retry sees it.
        with transaction.atomic():
            return _record(items, campaign_ids, actor=actor, moment=moment)


def _record(
    items: Sequence[SpendInput], campaign_ids: set[int], *, actor: Actor, moment: dt.datetime
) -> list[SpendOutcome]:
    """Inside the transaction: lock, validate (raising before any write), append, roll up,
    evaluate. Validation reads the campaigns after the brand locks, so it sees what the
    write will see."""
    brands, campaigns, schedules = load_campaigns(campaign_ids)
    valid = validate_spends(items, campaigns, moment)
    existing = store.spends_with_keys(key for record in valid if (key := _key(record)) is not None)
    if existing:
        for record in valid:
            key = _key(record)
            stored = existing.get(key) if key is not None else None
            if stored is not None and not _matches(stored, record):
                raise ConflictError(
                    f"external_id {record.external_id!r} of source {record.source!r} was already "
                    f"used for spend {stored.pk} with a different body.",
                    field="external_id",
                )
    new_rows: list[Spend] = []
    planned: list[tuple[Spend, bool]] = []
    for record in valid:
        key = _key(record)
        if key is not None and key in existing:
            planned.append((existing[key], False))
            continue
        spend = Spend(
            campaign_id=record.campaign.pk,
            brand_id=record.campaign.brand_id,
            amount=record.amount,
            date=record.date or local_date(record.campaign.brand.timezone, moment),
            description=record.description,
            source=record.source,
            external_id=record.external_id,
        )
        new_rows.append(spend)
        planned.append((spend, True))
        if key is not None:
            existing[key] = spend  # a repeat within the request is the same record
    if new_rows:
        written = _write(new_rows, brands, campaigns, moment)
        alerts = _alert_after_spend(new_rows, brands, campaigns, written, recorded_by=actor, moment=moment)
        _evaluate_after_spend(
            brands,
            campaigns,
            schedules,
            written,
            actor=Actor.system(SPEND_ACTOR),
            recorded_by=actor,
            moment=moment,
            alerts=alerts,
        )
    return [
        SpendOutcome(
            spend=spend,
            created=created,
            campaign_state=CampaignState(
                campaigns[spend.campaign_id].is_active, campaigns[spend.campaign_id].pause_reason
            ),
        )
        for spend, created in planned
    ]


def spend_record(
    *,
    campaign_id: Any,
    amount: Any,
    date: dt.date | None = None,
    description: str = "",
    source: str = MANUAL_SOURCE,
    external_id: str | None = None,
    actor: Actor | None = None,
    moment: dt.datetime | None = None,
) -> SpendOutcome:
    """Record one spend (see ``spend_record_many``); an ``external_id`` seen before with the
    same body returns the original record (``created=False``) and writes nothing."""
    return spend_record_many(
        items=[SpendInput(campaign_id, amount, date, description, source, external_id)],
        actor=actor,
        moment=moment,
    )[0]
