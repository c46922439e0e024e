"""The spending app's hand-written SQL: the ledger insert with its four rollups, the look-up
of keyed spends, and the period totals (a day and its month to date) every evaluation reads.

What "month to date" means is defined here, once: the monthly rollup row of the day's month
minus the daily rows dated after the day (spend recorded for "tomorrow" is in the month's
row but not yet month to date). Two index probes per owner, whatever the day of the month.

PostgreSQL statements are prepared once per connection (``core.prepared``): ids and rows
travel as arrays, so one statement text serves any batch; SQLite (development) runs the
same steps statement by statement. Table and column names come from the models' ``_meta``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from core import pgdriver, prepared
from core.money import ZERO, to_money
from core.sqlnames import table as _table
from core.timeutils import db_date, month_end, month_start
from spending.models import (
    BrandDailySpend,
    BrandMonthlySpend,
    CampaignDailySpend,
    CampaignMonthlySpend,
    Spend,
)

Totals = tuple[Decimal, Decimal]  # (the day, month to date)


class Owner(StrEnum):
    BRAND = "brand"
    CAMPAIGN = "campaign"


@dataclass(frozen=True, slots=True)
class Rollup:
    """One rollup table: whose spend it sums (``owner``, by ``key`` column) and per what."""

    model: type[Model]
    owner: Owner
    key: str  # the owner's id column
    period: str  # "date" (daily) or "month" (monthly: the first day of the month)

    @property
    def monthly(self) -> bool:
        return self.period == "month"


BRAND_DAILY = Rollup(BrandDailySpend, Owner.BRAND, "brand_id", "date")
BRAND_MONTHLY = Rollup(BrandMonthlySpend, Owner.BRAND, "brand_id", "month")
CAMPAIGN_DAILY = Rollup(CampaignDailySpend, Owner.CAMPAIGN, "campaign_id", "date")
CAMPAIGN_MONTHLY = Rollup(CampaignMonthlySpend, Owner.CAMPAIGN, "campaign_id", "month")
# Every ledger insert increments these four, in this order.
ROLLUPS = (CAMPAIGN_DAILY, BRAND_DAILY, CAMPAIGN_MONTHLY, BRAND_MONTHLY)
DAILY = {Owner.BRAND: BRAND_DAILY, Owner.CAMPAIGN: CAMPAIGN_DAILY}
MONTHLY = {Owner.BRAND: BRAND_MONTHLY, Owner.CAMPAIGN: CAMPAIGN_MONTHLY}


@dataclass(frozen=True, slots=True)
class PeriodTotals:
    """(the day, month to date) by brand id and by campaign id, each for its own local day."""

    brands: dict[int, Totals]
    campaigns: dict[int, Totals]


def _ids_condition(column: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """``column`` is one of ``ids``: one array parameter on PostgreSQL (cheaper to parse and
    plan than a thousand placeholders), a list of placeholders on SQLite (no arrays)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [pgdriver.array_param(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


# --- Period totals -------------------------------------------------------------------------


def totals_sql(
    brand_days: Mapping[int, dt.date], campaign_days: Mapping[int, dt.date]
) -> tuple[str, list[Any]]:
    """The statement of ``period_totals``: rows of (owner ``'brand'``/``'campaign'``, owner id,
    whether the row is the monthly one, its day (the month's first for a monthly row), amount).

    Per owner and distinct local day (at most three at any moment, since time zones span
    about 26 hours): the monthly row of the day's month, and the daily rows from the day to
    the month's end. ``read_totals`` turns them into totals.
    """
    parts: list[str] = []
    params: list[Any] = []
    for owner, days in ((Owner.BRAND, brand_days), (Owner.CAMPAIGN, campaign_days)):
        by_day: dict[dt.date, list[int]] = defaultdict(list)
        for owner_id, day in days.items():
            by_day[day].append(owner_id)
        daily, monthly = DAILY[owner], MONTHLY[owner]
        for day, ids in by_day.items():
            condition, id_params = _ids_condition(daily.key, ids)
            parts.append(
                f"SELECT '{owner}', {daily.key}, FALSE, date, amount FROM {_table(daily.model)} "  # noqa: S608
                f"WHERE {condition} AND date >= %s AND date <= %s"
            )
            params.extend([*id_params, day, month_end(day)])
            parts.append(
                f"SELECT '{owner}', {monthly.key}, TRUE, month, amount FROM {_table(monthly.model)} "  # noqa: S608
                f"WHERE {condition} AND month = %s"
            )
            params.extend([*id_params, month_start(day)])
    return " UNION ALL ".join(parts), params


def read_totals(
    rows: Iterable[Sequence[Any]], brand_days: Mapping[int, dt.date], campaign_days: Mapping[int, dt.date]
) -> PeriodTotals:
    """Totals from the rows of ``totals_sql`` (zero where no row came back). The hot loop of a
    sweep batch, so a row is unpacked by position: (owner, owner id, monthly, day, amount)."""
    days = {Owner.BRAND.value: brand_days, Owner.CAMPAIGN.value: campaign_days}
    sums = {owner: {key: [ZERO, ZERO] for key in owner_days} for owner, owner_days in days.items()}
    for owner, owner_id, monthly, day, amount in rows:
        totals = sums[owner][owner_id]
        money = amount if type(amount) is Decimal else to_money(amount)  # SQLite: float or int
        if monthly:
            totals[1] += money
        elif db_date(day) == days[owner][owner_id]:
            totals[0] += money
        else:  # dated after the day: in the month's row, but not month to date
            totals[1] -= money
    return PeriodTotals(
        brands={key: (day, month) for key, (day, month) in sums[Owner.BRAND.value].items()},
        campaigns={key: (day, month) for key, (day, month) in sums[Owner.CAMPAIGN.value].items()},
    )


def period_totals(
    brand_days: Mapping[int, dt.date] | None = None, campaign_days: Mapping[int, dt.date] | None = None
) -> PeriodTotals:
    """(day, month to date) of brands and of campaigns, each for its own local day: one
    statement whatever their number (the hot statement of every sweep batch)."""
    brand_days, campaign_days = brand_days or {}, campaign_days or {}
    sql, params = totals_sql(brand_days, campaign_days)
    rows: list[Sequence[Any]] = []
    if sql:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = list(cursor.fetchall())
    return read_totals(rows, brand_days, campaign_days)


def shift_totals(
    totals: Mapping[int, Totals], rows: Sequence[Spend], owner: Owner, days: Mapping[int, dt.date], sign: int
) -> dict[int, Totals]:
    """``totals`` with the spends ``rows`` added (``sign=1``) or taken away (``sign=-1``),
    for the owners in ``totals``: arithmetic, no query."""
    shifted = dict(totals)
    key = "brand_id" if owner is Owner.BRAND else "campaign_id"
    for spend in rows:
        owner_id = getattr(spend, key)
        if owner_id not in shifted:
            continue
        day_total, month_total = shifted[owner_id]
        day = days[owner_id]
        if spend.date == day:
            day_total += sign * spend.amount
        if month_start(day) <= spend.date <= day:
            month_total += sign * spend.amount
        shifted[owner_id] = (day_total, month_total)
    return shifted


# --- The ledger insert -----------------------------------------------------------------------

# The ledger's columns as PostgreSQL receives them: one array per column (``unnest``), so
# the statement's text is the same for one row or a thousand and can be prepared.
SPEND_COLUMNS = (
    ("campaign_id", "bigint"),
    ("brand_id", "bigint"),
    ("amount", "numeric"),
    ("date", "date"),
    ("description", "text"),
    ("source", "text"),
    ("external_id", "text"),
)
_PERIOD_OF = {"date": "date", "month": "date - (EXTRACT(DAY FROM date)::int - 1)"}


@lru_cache(maxsize=32)
def _write_sql(totals: str) -> str:
    """Ledger insert, the four rollup upserts summed from the inserted rows (in (owner,
    period) order, so concurrent writers lock rollup rows in one order), then the new ids
    and the rows of the totals statement ``totals``: one statement, whose text depends only
    on the shape of the totals (a few at most)."""
    columns = [name for name, _ in SPEND_COLUMNS]
    arrays = ", ".join(f"%s::{kind}[]" for _, kind in SPEND_COLUMNS)
    upserts = []
    for index, rollup in enumerate(ROLLUPS):
        table, key, period = _table(rollup.model), rollup.key, rollup.period
        upserts.append(
            f"r{index} AS (INSERT INTO {table} ({key}, {period}, amount) "  # noqa: S608 - names from _meta
            f"SELECT {key}, {_PERIOD_OF[period]}, sum(amount) FROM new_spend GROUP BY 1, 2 ORDER BY 1, 2 "
            f"ON CONFLICT ({key}, {period}) DO UPDATE SET amount = {table}.amount + excluded.amount)"
        )
    # New ids come back as rows whose owner is NULL; totals rows name their owner.
    return (
        f"WITH new_spend AS (INSERT INTO {_table(Spend)} "  # noqa: S608 - names from _meta
        f"({', '.join(columns)}, created_at, updated_at) "
        f"SELECT *, %s::timestamptz, %s::timestamptz FROM unnest({arrays}) "
        "RETURNING id, campaign_id, brand_id, amount, date), "
        + ", ".join(upserts)
        + " SELECT NULL::text, id, NULL::boolean, NULL::date, NULL::numeric FROM new_spend"
        + (f" UNION ALL {totals}" if totals else "")
    )


def _upsert_rollups_separately(rows: Sequence[Spend]) -> None:
    """The four rollup upserts statement by statement (SQLite): ``INSERT ... ON CONFLICT DO
    UPDATE SET amount = amount + excluded.amount``, never a read-modify-write in Python."""
    with connection.cursor() as cursor:
        for rollup in ROLLUPS:
            amounts: dict[tuple[int, dt.date], Decimal] = defaultdict(Decimal)
            for spend in rows:
                when = month_start(spend.date) if rollup.monthly else spend.date
                amounts[(getattr(spend, rollup.key), when)] += spend.amount
            table, key, period = _table(rollup.model), rollup.key, rollup.period
            cursor.execute(
                f"INSERT INTO {table} ({key}, {period}, amount) VALUES "  # noqa: S608 - names from _meta
                + ", ".join(["(%s, %s, %s)"] * len(amounts))
                + f" ON CONFLICT ({key}, {period}) DO UPDATE SET amount = {table}.amount + excluded.amount",
                [
                    value
                    for (owner_id, day), amount in sorted(amounts.items())
                    for value in (owner_id, day, amount)
                ],
            )


def write_spends(
    rows: list[Spend], *, brand_days: Mapping[int, dt.date], campaign_days: Mapping[int, dt.date]
) -> PeriodTotals:
    """Append ``rows`` to the ledger (setting their ids) and increment the four rollups;
    return the period totals of ``brand_days``/``campaign_days`` *before* these rows.

    PostgreSQL: one prepared statement. Data-modifying CTEs run to completion and the
    statement's ``SELECT`` sees the snapshot taken before them, so the totals it returns are
    those before the rows (the caller holds the brand locks: nothing else moves them), and
    the new ids come back in ``unnest`` order, as Django's own ``bulk_create`` relies on.
    """
    stamp = timezone.now()
    if connection.vendor != "postgresql":
        Spend.objects.bulk_create(rows)
        _upsert_rollups_separately(rows)
        after = period_totals(brand_days, campaign_days)
        return PeriodTotals(
            brands=shift_totals(after.brands, rows, Owner.BRAND, brand_days, -1),
            campaigns=shift_totals(after.campaigns, rows, Owner.CAMPAIGN, campaign_days, -1),
        )
    columns = [[getattr(spend, column) for spend in rows] for column, _ in SPEND_COLUMNS]
    totals, totals_params = totals_sql(brand_days, campaign_days)
    with connection.cursor() as cursor:
        prepared.execute(cursor, _write_sql(totals), [stamp, stamp, *columns, *totals_params])
        result = cursor.fetchall()
    ids = [int(row[1]) for row in result if row[0] is None]
    assert len(ids) == len(rows), "the ledger insert returned one id per row"
    for spend, pk in zip(rows, ids, strict=True):
        spend.pk = pk
        spend.created_at = spend.updated_at = stamp
        spend._state.adding = False
    return read_totals([row for row in result if row[0] is not None], brand_days, campaign_days)


# --- Keyed spends (an integration's idempotency keys) ---------------------------------------


# An integration's key: (brand id, source, external_id), unique per brand.
SpendKey = tuple[int, str, str]


@cache
def _keyed_sql() -> str:
    """The stored spends with these (brand, source, external_id) keys: one probe of the
    unique index per key, whatever the statistics (``LIMIT 1`` keeps each probe a look-up;
    the obvious ``= ANY`` form used only the first column under a generic plan)."""
    columns = ", ".join(f"s.{connection.ops.quote_name(str(f.column))}" for f in Spend._meta.concrete_fields)
    brand = connection.ops.quote_name(str(Spend._meta.get_field("brand").column))
    return (
        f"SELECT {columns} FROM unnest(%s::bigint[], %s::text[], %s::text[]) "  # noqa: S608
        f"AS k(brand_id, source, external_id) "
        f"CROSS JOIN LATERAL (SELECT * FROM {_table(Spend)} s WHERE s.{brand} = k.brand_id "
        "AND s.source = k.source AND s.external_id = k.external_id AND s.external_id IS NOT NULL "
        "LIMIT 1) s"
    )


def _key_of(spend: Spend) -> SpendKey | None:
    return None if spend.external_id is None else (spend.brand_id, spend.source, spend.external_id)


def spends_with_keys(keys: Iterable[SpendKey]) -> dict[SpendKey, Spend]:
    """The stored spends whose (brand id, source, external_id) is one of ``keys``, by key:
    a brand's keys are looked up among that brand's spend only. Every spend that names an
    ``external_id`` looks this up, so it is prepared on PostgreSQL."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    if connection.vendor == "postgresql":
        names = [f.attname for f in Spend._meta.concrete_fields]
        columns = [list(column) for column in zip(*wanted, strict=True)]
        with connection.cursor() as cursor:
            prepared.execute(cursor, _keyed_sql(), columns)
            found = [Spend.from_db(connection.alias, names, row) for row in cursor.fetchall()]
    else:  # a superset: one of the brands, one of the sources and one of the ids
        found = list(
            Spend.objects.filter(
                brand_id__in={brand for brand, _, _ in wanted},
                source__in={source for _, source, _ in wanted},
                external_id__in={key for _, _, key in wanted},
            )
        )
    chosen = set(wanted)
    return {key: spend for spend in found if (key := _key_of(spend)) is not None and key in chosen}
