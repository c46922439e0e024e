"""Recording spend: ledger, rollups and the immediate pause, in one transaction."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import Status
from campaigns.selectors import campaigns_for_evaluation
from campaigns.services import evaluate_campaigns, lock_brands
from core.actors import Actor
from core.budgets import is_available
from core.exceptions import ConflictError, NestedValidationError
from core.money import MoneyError, parse_amount
from core.timeutils import local_date, month_start, now
from spending.models import MANUAL_SOURCE, BrandDailySpend, CampaignDailySpend, Spend
from spending.selectors import Totals, brand_period_totals

EARLIEST_SPEND_DATE = dt.date(2000, 1, 1)
MAX_BULK_RECORDS = 1000
DESCRIPTION_MAX_LENGTH = 500
SPEND_ACTOR = "spend_record"


@dataclass(frozen=True, slots=True)
class SpendInput:
    """One spend as a client sends it, before validation."""

    campaign_id: Any
    amount: Any
    date: Any = None
    description: Any = ""
    source: Any = MANUAL_SOURCE
    external_id: Any = None


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
class _Valid:
    campaign: Campaign
    amount: Decimal
    date: dt.date | None
    description: str
    source: str
    external_id: str | None


def _validate(item: SpendInput, campaigns: dict[int, Campaign], moment: dt.datetime) -> _Valid:
    """Check one record without writing; raises ``ValidationError`` naming each bad field."""
    errors: dict[str, list[str]] = {}
    campaign: Campaign | None = None
    try:
        campaign_id = int(item.campaign_id)
        if isinstance(item.campaign_id, bool | float):
            raise TypeError
    except (TypeError, ValueError):
        errors["campaign"] = ["A valid campaign id (an integer) is required."]
    else:
        campaign = campaigns.get(campaign_id)
        if campaign is None:
            errors["campaign"] = [f"Campaign {campaign_id} does not exist."]
    amount = Decimal(0)
    try:
        amount = parse_amount(item.amount)
    except MoneyError as error:
        errors["amount"] = [str(error)]
    if item.date is not None:
        if not isinstance(item.date, dt.date) or isinstance(item.date, dt.datetime):
            errors["date"] = ["Enter a date as YYYY-MM-DD."]
        elif item.date < EARLIEST_SPEND_DATE:
            errors["date"] = [f"The date must not be before {EARLIEST_SPEND_DATE:%Y-%m-%d}."]
        elif campaign is not None:
            latest = local_date(campaign.brand.timezone, moment) + dt.timedelta(
                days=settings.SPEND_MAX_DAYS_AHEAD
            )
            if item.date > latest:
                errors["date"] = [
                    f"The date is too far in the future: the latest allowed is {latest:%Y-%m-%d}."
                ]
    description = item.description if item.description is not None else ""
    if not isinstance(description, str):
        errors["description"] = ["Enter text."]
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [f"Ensure this field has no more than {DESCRIPTION_MAX_LENGTH} characters."]
    source = (item.source or MANUAL_SOURCE) if isinstance(item.source, str | type(None)) else None
    if source is None or not source.strip():
        errors["source"] = ["Enter a source name."]
    elif len(source) > 64:
        errors["source"] = ["Ensure this field has no more than 64 characters."]
    external_id = item.external_id
    if external_id is not None:
        if not isinstance(external_id, str):
            errors["external_id"] = ["Enter text."]
        else:
            external_id = external_id.strip() or None
            if external_id is not None and len(external_id) > 200:
                errors["external_id"] = ["Ensure this field has no more than 200 characters."]
    if errors:
        raise ValidationError(errors)
    assert campaign is not None
    assert source is not None
    return _Valid(campaign, amount, item.date, description, source.strip(), external_id)


def _load_campaigns(ids: Iterable[Any]) -> dict[int, Campaign]:
    wanted: set[int] = set()
    for raw in ids:
        if isinstance(raw, bool | float):
            continue
        try:
            wanted.add(int(raw))
        except (TypeError, ValueError):
            continue
    if not wanted:
        return {}
    return {c.pk: c for c in Campaign.objects.select_related("brand").filter(pk__in=wanted)}


def _matches(existing: Spend, valid: _Valid) -> bool:
    """Whether a repeated ``external_id`` carries the same body as the stored record."""
    return (
        existing.campaign_id == valid.campaign.pk
        and existing.amount == valid.amount
        and (valid.date is None or existing.date == valid.date)
        and (not valid.description or existing.description == valid.description)
    )


def _upsert_rollups(rows: Iterable[Spend]) -> None:
    """Add the amounts to the daily rollups with ``INSERT ... ON CONFLICT DO UPDATE``.

    One statement per rollup table; never a read-modify-write in Python.
    """
    by_campaign: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    by_brand: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    for spend in rows:
        by_campaign[(spend.campaign_id, spend.date)] += spend.amount
        by_brand[(spend.brand_id, spend.date)] += spend.amount
    with connection.cursor() as cursor:
        for model, key, amounts in (
            (CampaignDailySpend, "campaign_id", by_campaign),
            (BrandDailySpend, "brand_id", by_brand),
        ):
            if not amounts:
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            items = sorted(amounts.items())
            placeholders = ", ".join(["(%s, %s, %s)"] * len(items))
            params: list[Any] = []
            for (owner, day), amount in items:
                params.extend([owner, day, amount])
            cursor.execute(
                f"INSERT INTO {table} ({key}, date, amount) VALUES {placeholders} "  # noqa: S608
                f"ON CONFLICT ({key}, date) DO UPDATE SET amount = {table}.amount + excluded.amount",
                params,
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


def _totals_before(
    after: dict[int, Totals], rows: Sequence[Spend], today: dict[int, dt.date]
) -> dict[int, Totals]:
    """Brand totals as they were before ``rows`` were added (no query needed)."""
    before = dict(after)
    for spend in rows:
        day_total, month_total = before[spend.brand_id]
        brand_today = today[spend.brand_id]
        if spend.date == brand_today:
            day_total -= spend.amount
        if month_start(brand_today) <= spend.date <= brand_today:
            month_total -= spend.amount
        before[spend.brand_id] = (day_total, month_total)
    return before


def _evaluate_after_spend(
    brands: dict[int, Brand], rows: Sequence[Spend], *, actor: Actor, moment: dt.datetime
) -> list[Campaign]:
    """Evaluate the spent campaigns, plus every campaign of a brand whose own exhausted
    caps changed (its caps stop or free all of its campaigns); pause what must stop."""
    today = {pk: local_date(brand.timezone, moment) for pk, brand in brands.items()}
    after = brand_period_totals(today)
    before = _totals_before(after, rows, today)
    changed_brands = [
        pk
        for pk, brand in brands.items()
        if _exhausted_caps(brand, after[pk]) != _exhausted_caps(brand, before[pk])
    ]
    spent = Q(pk__in={spend.campaign_id for spend in rows})
    queryset = Campaign.objects.filter(spent | Q(brand_id__in=changed_brands) if changed_brands else spent)
    campaigns = list(campaigns_for_evaluation(queryset.filter(status=Status.ACTIVE)).order_by("pk"))
    evaluate_campaigns(campaigns, actor=actor, moment=moment, brand_totals=after)
    return campaigns


def _state(campaign_id: int, campaigns: Sequence[Campaign]) -> CampaignState:
    for campaign in campaigns:
        if campaign.pk == campaign_id:
            return CampaignState(campaign.is_active, campaign.pause_reason)
    is_active, pause_reason = (
        Campaign.objects.filter(pk=campaign_id).values_list("is_active", "pause_reason").get()
    )
    return CampaignState(is_active, pause_reason)


def spend_record_many(
    *, items: Sequence[SpendInput], actor: Actor | None = None, moment: dt.datetime | None = None
) -> list[SpendOutcome]:
    """Record several spends all-or-nothing, in one transaction.

    Validation of every record comes first; any error raises ``ValidationError`` with
    ``{"spends": [{...errors of record 0...}, {}, ...]}`` (or the single record's field
    errors when one record was sent) and nothing is written. Then, holding the locks of
    the brands concerned (in primary-key order): records whose ``(source, external_id)``
    was seen before are returned as they are (a different body raises ``ConflictError``),
    new ones are appended to the ledger, the rollups are incremented, and every campaign
    the new totals stop is paused before commit.
    """
    moment = moment or now()
    actor = actor or Actor.system("api")
    if len(items) > MAX_BULK_RECORDS:
        raise ValidationError(
            {"spends": [f"Send at most {MAX_BULK_RECORDS} records in one request (got {len(items)})."]}
        )
    if not items:
        raise ValidationError({"spends": ["Send at least one record."]})
    campaigns = _load_campaigns(item.campaign_id for item in items)
    valid: list[_Valid] = []
    errors: list[dict[str, list[str]]] = []
    for item in items:
        try:
            valid.append(_validate(item, campaigns, moment))
            errors.append({})
        except ValidationError as error:
            errors.append(error.message_dict)
    if any(errors):
        if len(items) == 1:
            raise ValidationError(errors[0])
        raise NestedValidationError("spends", errors)

    seen_keys: dict[tuple[str, str], int] = {}
    for index, record in enumerate(valid):
        if record.external_id is None:
            continue
        key = (record.source, record.external_id)
        if key in seen_keys and not _same_input(valid[seen_keys[key]], record):
            raise ConflictError(
                f"external_id {record.external_id!r} appears twice in this request with different bodies.",
                field="external_id",
            )
        seen_keys.setdefault(key, index)

    try:
        with transaction.atomic():
            return _record_locked(valid, actor=actor, moment=moment)
    except IntegrityError:
        # A concurrent writer of another brand stored the same (source, external_id)
        # between our check and our insert; once it has committed, the retry sees it.
        with transaction.atomic():
            return _record_locked(valid, actor=actor, moment=moment)


def _same_input(a: _Valid, b: _Valid) -> bool:
    return (a.campaign.pk, a.amount, a.date, a.description) == (
        b.campaign.pk,
        b.amount,
        b.date,
        b.description,
    )


def _record_locked(valid: Sequence[_Valid], *, actor: Actor, moment: dt.datetime) -> list[SpendOutcome]:
    brands = {brand.pk: brand for brand in lock_brands({record.campaign.brand_id for record in valid})}
    existing: dict[tuple[str, str], Spend] = {}
    keyed = {(r.source, r.external_id) for r in valid if r.external_id is not None}
    if keyed:
        candidates = Spend.objects.filter(
            source__in={source for source, _ in keyed}, external_id__in={key for _, key in keyed}
        )
        existing = {
            (s.source, s.external_id): s
            for s in candidates
            if s.external_id is not None and (s.source, s.external_id) in keyed
        }
        for record in valid:
            stored = existing.get((record.source, record.external_id or ""))
            if stored is not None and not _matches(stored, record):
                raise ConflictError(
                    f"external_id {record.external_id!r} of source {record.source!r} was already "
                    f"used for spend {stored.pk} with a different body.",
                    field="external_id",
                )
    new_rows: list[Spend] = []
    planned: list[tuple[Spend, bool]] = []
    for record in valid:
        key = (record.source, record.external_id) if record.external_id is not None else None
        if key is not None and key in existing:
            planned.append((existing[key], False))
            continue
        spend = Spend(
            campaign_id=record.campaign.pk,
            brand_id=record.campaign.brand_id,
            amount=record.amount,
            date=record.date or local_date(brands[record.campaign.brand_id].timezone, moment),
            description=record.description,
            source=record.source,
            external_id=record.external_id,
        )
        new_rows.append(spend)
        planned.append((spend, True))
        if key is not None:
            existing[key] = spend  # a repeat within the request is the same record
    evaluated: list[Campaign] = []
    if new_rows:
        if len(new_rows) == 1:
            new_rows[0].save(force_insert=True)
        else:
            Spend.objects.bulk_create(new_rows)
        _upsert_rollups(new_rows)
        evaluated = _evaluate_after_spend(
            brands, new_rows, actor=Actor.system(f"{SPEND_ACTOR} by {actor.label}"), moment=moment
        )
    states: dict[int, CampaignState] = {}
    outcomes = []
    for spend, created in planned:
        if spend.campaign_id not in states:
            states[spend.campaign_id] = _state(spend.campaign_id, evaluated)
        outcomes.append(SpendOutcome(spend=spend, created=created, campaign_state=states[spend.campaign_id]))
    return outcomes


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
