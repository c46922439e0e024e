"""Recording spend: ledger, rollups and the immediate pause, in one transaction."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import ScheduleSnapshot, Status
from campaigns.selectors import campaigns_for_evaluation
from campaigns.services import evaluate_campaigns, lock_and_load_campaigns
from core import prepared
from core.actors import Actor
from core.budgets import is_available
from core.exceptions import ConflictError
from core.timeutils import local_date, month_start, now
from spending.models import (
    MANUAL_SOURCE,
    BrandDailySpend,
    BrandMonthlySpend,
    CampaignDailySpend,
    CampaignMonthlySpend,
    Spend,
)
from spending.selectors import Totals, period_totals, period_totals_sql, read_period_totals
from spending.validation import MAX_BULK_RECORDS as MAX_BULK_RECORDS  # the service's public input
from spending.validation import SpendInput as SpendInput
from spending.validation import (
    ValidSpend,
    campaign_ids_of,
    validate_spends,
)

SPEND_ACTOR = "spend_record"


@dataclass(frozen=True, slots=True)
class CampaignState:
    is_active: bool
    pause_reason: str


@dataclass(frozen=True, slots=True)
class SpendOutcome:
    spend: Spend
    created: bool
    campaign_state: CampaignState


def _matches(existing: Spend, valid: ValidSpend) -> bool:
    """Whether a repeated ``external_id`` carries the same body as the stored record."""
    return (
        existing.campaign_id == valid.campaign.pk
        and existing.amount == valid.amount
        and (valid.date is None or existing.date == valid.date)
        and (not valid.description or existing.description == valid.description)
    )


Rollup = (
    type[CampaignDailySpend] | type[BrandDailySpend] | type[CampaignMonthlySpend] | type[BrandMonthlySpend]
)
# (model, owner column, period column): the four rollups every ledger insert increments.
ROLLUPS: tuple[tuple[Rollup, str, str], ...] = (
    (CampaignDailySpend, "campaign_id", "date"),
    (BrandDailySpend, "brand_id", "date"),
    (CampaignMonthlySpend, "campaign_id", "month"),
    (BrandMonthlySpend, "brand_id", "month"),
)


def _rollup_amounts(rows: Iterable[Spend], owner: str, period: str) -> dict[tuple[int, dt.date], Decimal]:
    amounts: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
    for spend in rows:
        when = spend.date if period == "date" else month_start(spend.date)
        amounts[(getattr(spend, owner), when)] += spend.amount
    return amounts


def _upsert_sql(model: Rollup, owner: str, period: str, count: int) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    values = ", ".join(["(%s, %s, %s)"] * count)
    return (
        f"INSERT INTO {table} ({owner}, {period}, amount) VALUES {values} "  # noqa: S608 - constants
        f"ON CONFLICT ({owner}, {period}) DO UPDATE SET amount = {table}.amount + excluded.amount"
    )


def _rollup_params(amounts: dict[tuple[int, dt.date], Decimal]) -> list[Any]:
    params: list[Any] = []
    for (owner, day), amount in sorted(amounts.items()):  # a fixed order: no lock-order surprises
        params.extend([owner, day, amount])
    return params


def _upserts(rows: list[Spend]) -> list[tuple[str, list[Any]]]:
    """One ``INSERT ... ON CONFLICT DO UPDATE SET amount = amount + excluded.amount`` per
    rollup: never a read-modify-write in Python."""
    statements = []
    for model, owner, period in ROLLUPS:
        amounts = _rollup_amounts(rows, owner, period)
        statements.append((_upsert_sql(model, owner, period, len(amounts)), _rollup_params(amounts)))
    return statements


def _write_separately(rows: list[Spend]) -> None:
    """Ledger insert, then the rollup upserts, statement by statement (SQLite)."""
    Spend.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        for sql, params in _upserts(rows):
            cursor.execute(sql, params)


# The ledger's columns as PostgreSQL receives them: one array per column (``unnest``), so
# that the statement's text is the same for one row or a thousand and can be prepared.
SPEND_COLUMNS = (
    ("campaign_id", "bigint"),
    ("brand_id", "bigint"),
    ("amount", "numeric"),
    ("date", "date"),
    ("description", "text"),
    ("source", "text"),
    ("external_id", "text"),
)


@lru_cache(maxsize=32)
def _write_sql(totals_sql: str) -> str:
    """Ledger insert, the four rollup upserts summed from the inserted rows, then the
    rows of ``totals_sql``: one statement, whose text depends only on the shape of the
    totals (a few at most)."""
    columns = [name for name, _ in SPEND_COLUMNS]
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in SPEND_COLUMNS)
    periods = {"date": "date", "month": "date - (EXTRACT(DAY FROM date)::int - 1)"}
    upserts = []
    for index, (model, owner, period) in enumerate(ROLLUPS):
        table = connection.ops.quote_name(model._meta.db_table)
        upserts.append(
            f"r{index} AS (INSERT INTO {table} ({owner}, {period}, amount) "  # noqa: S608 - constants
            f"SELECT {owner}, {periods[period]}, sum(amount) FROM new_spend GROUP BY 1, 2 ORDER BY 1, 2 "
            f"ON CONFLICT ({owner}, {period}) DO UPDATE SET amount = {table}.amount + excluded.amount)"
        )
    return (
        f"WITH new_spend AS (INSERT INTO {Spend._meta.db_table} "  # noqa: S608 - constants
        f"({', '.join(columns)}, created_at, updated_at) "
        f"SELECT *, %s::timestamptz, %s::timestamptz FROM unnest({arrays}) "
        "RETURNING id, campaign_id, brand_id, amount, date), "
        + ", ".join(upserts)
        + " SELECT 'n', id, NULL::date, NULL::numeric FROM new_spend"
        + (f" UNION ALL {totals_sql}" if totals_sql else "")
    )


def _write_in_one_statement(
    rows: list[Spend], brand_days: dict[int, dt.date], campaign_days: dict[int, dt.date]
) -> tuple[dict[int, Totals], dict[int, Totals]]:
    """PostgreSQL: ledger insert, the four rollup upserts and the totals, in one prepared
    statement.

    Data-modifying CTEs run to completion; the statement's ``SELECT`` sees the snapshot
    taken before them, so it returns the totals *before* these rows (the caller holds
    the brand locks, so nothing else moves them) and the new ledger ids, in ``unnest``
    order as Django's own ``bulk_create`` relies on. Each rollup is upserted in (owner,
    period) order, so that concurrent writers take its row locks in one order.
    """
    stamp = timezone.now()
    params: list[Any] = [[getattr(spend, column) for spend in rows] for column, _ in SPEND_COLUMNS]
    totals_sql, totals_params = period_totals_sql(brand_days=brand_days, campaign_days=campaign_days)
    with connection.cursor() as cursor:
        prepared.execute(cursor, _write_sql(totals_sql), [stamp, stamp, *params, *totals_params])
        result = cursor.fetchall()
    ids = [int(row[1]) for row in result if row[0] == "n"]
    assert len(ids) == len(rows), "the ledger insert returned one id per row"
    for spend, pk in zip(rows, ids, strict=True):
        spend.pk = pk
        spend.created_at = spend.updated_at = stamp
        spend._state.adding = False
    return read_period_totals(
        [row for row in result if row[0] != "n"], brand_days=brand_days, campaign_days=campaign_days
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


def _shift(
    totals: dict[int, Totals],
    rows: Sequence[Spend],
    owner: str,
    today: dict[int, dt.date],
    sign: int,
) -> dict[int, Totals]:
    """Totals with ``rows`` added (``sign=1``) or taken away (``sign=-1``), by ``owner``
    (``"brand_id"`` or ``"campaign_id"``): arithmetic, no query."""
    shifted = dict(totals)
    for spend in rows:
        key = getattr(spend, owner)
        if key not in shifted:
            continue
        day_total, month_total = shifted[key]
        owner_today = today[key]
        if spend.date == owner_today:
            day_total += sign * spend.amount
        if month_start(owner_today) <= spend.date <= owner_today:
            month_total += sign * spend.amount
        shifted[key] = (day_total, month_total)
    return shifted


def _write(
    rows: list[Spend], brands: dict[int, Brand], campaigns: dict[int, Campaign], moment: dt.datetime
) -> tuple[dict[int, Totals], dict[int, Totals], dict[int, Totals]]:
    """Append ``rows`` to the ledger and the rollups; return brand totals before and after,
    and the totals after of the spent campaigns whose status is active."""
    today = {pk: local_date(brand.timezone, moment) for pk, brand in brands.items()}
    campaign_days = {
        spend.campaign_id: today[spend.brand_id]
        for spend in rows
        if campaigns[spend.campaign_id].status == Status.ACTIVE
    }
    if connection.vendor == "postgresql":
        before, campaigns_before = _write_in_one_statement(rows, today, campaign_days)
        after = _shift(before, rows, "brand_id", today, 1)
        campaigns_after = _shift(campaigns_before, rows, "campaign_id", campaign_days, 1)
    else:
        _write_separately(rows)
        after, campaigns_after = period_totals(brand_days=today, campaign_days=campaign_days)
        before = _shift(after, rows, "brand_id", today, -1)
    return before, after, campaigns_after


def _evaluate_after_spend(
    brands: dict[int, Brand],
    campaigns: dict[int, Campaign],
    schedules: dict[int, ScheduleSnapshot | None],
    totals: tuple[dict[int, Totals], dict[int, Totals], dict[int, Totals]],
    *,
    actor: Actor,
    moment: dt.datetime,
) -> None:
    """Evaluate the spent campaigns, plus every campaign of a brand whose own exhausted
    caps changed (its caps stop or free all of its campaigns); pause what must stop.

    No query in the common case (no brand cap crossed): the totals come from the write."""
    before, after, campaign_totals = totals
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
    )


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
    campaign_ids = campaign_ids_of(item.campaign_id for item in items)
    try:
        with transaction.atomic():
            return _record(items, campaign_ids, actor=actor, moment=moment)
    except IntegrityError:
        # A concurrent writer of another brand stored the same (source, external_id)
        # between our check and our insert; once it has committed, the retry sees it.
        with transaction.atomic():
            return _record(items, campaign_ids, actor=actor, moment=moment)


@cache
def _keyed_spends_sql() -> str:
    """The stored spends with these (source, external_id) pairs: one probe of the unique
    index per pair, whatever the statistics (``LIMIT 1`` keeps each probe a lookup)."""
    columns = ", ".join(f"s.{connection.ops.quote_name(str(f.column))}" for f in Spend._meta.concrete_fields)
    return (
        f"SELECT {columns} FROM unnest(%s::text[], %s::text[]) AS k(source, external_id) "  # noqa: S608
        f"CROSS JOIN LATERAL (SELECT * FROM {Spend._meta.db_table} s WHERE s.source = k.source "
        "AND s.external_id = k.external_id AND s.external_id IS NOT NULL LIMIT 1) s"
    )


def _spends_with_keys(keys: set[tuple[str, str]]) -> list[Spend]:
    """The stored spends whose (source, external_id) is one of ``keys`` (on SQLite, a
    superset: those with one of the sources and one of the ids). Every spend that names
    an ``external_id`` looks this up, so it is prepared on PostgreSQL."""
    pairs = sorted(keys)
    if connection.vendor != "postgresql":
        return list(
            Spend.objects.filter(
                source__in={source for source, _ in pairs}, external_id__in={key for _, key in pairs}
            )
        )
    names = [f.attname for f in Spend._meta.concrete_fields]
    with connection.cursor() as cursor:
        prepared.execute(cursor, _keyed_spends_sql(), [[p[0] for p in pairs], [p[1] for p in pairs]])
        return [Spend.from_db(connection.alias, names, row) for row in cursor.fetchall()]


def _record(
    items: Sequence[SpendInput], campaign_ids: set[int], *, actor: Actor, moment: dt.datetime
) -> list[SpendOutcome]:
    """Inside the transaction: lock, validate (raising before any write), append, roll up,
    evaluate. Validation reads the campaigns after the brand locks, so it sees what the
    write will see."""
    brands, campaigns, schedules = lock_and_load_campaigns(campaign_ids)
    valid = validate_spends(items, campaigns, moment)
    existing: dict[tuple[str, str], Spend] = {}
    keyed = {(r.source, r.external_id) for r in valid if r.external_id is not None}
    if keyed:
        existing = {
            (s.source, s.external_id): s
            for s in _spends_with_keys(keyed)
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
        _evaluate_after_spend(
            brands,
            campaigns,
            schedules,
            _write(new_rows, brands, campaigns, moment),
            actor=Actor.system(f"{SPEND_ACTOR} by {actor.label}"),
            moment=moment,
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
