"""The campaigns app's hand-written SQL: loading campaigns for evaluation, and writing their
serving state (with its events, in the same round trip) in sets.

These statements run for every spend and every sweep batch, so on PostgreSQL they are
written by hand and prepared once per connection (``core.prepared``): ids travel as one
array parameter and rows as ``unnest`` arrays, so one statement text serves any batch.
Table and column names come from the models' ``_meta``. SQLite (development) takes the ORM
path of each function; the choice is made at the top of each public function.
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState

from brands.models import Brand
from brands.store import lock_brands
from campaigns.models import Campaign
from campaigns.rules import ScheduleSnapshot
from core import prepared
from core.sqlnames import column as _column
from core.sqlnames import table as _table
from events.store import EventBatch
from scheduling.models import DaypartingSchedule, ScheduleWindow
from scheduling.windows import Window


class LoadedCampaigns(NamedTuple):
    """Campaigns read for evaluation: by id, with their brands (by id, in id order) and the
    rule's view of their schedules (``None``: no schedule, or an inactive one)."""

    brands: dict[int, Brand]
    campaigns: dict[int, Campaign]
    schedules: dict[int, ScheduleSnapshot | None]


# A value, but not frozen: one is built per campaign in a sweep, and a frozen dataclass's
# ``__init__`` (``object.__setattr__`` per field) costs about four times a plain one.
@dataclass(slots=True)
class ServingRow:
    """The new serving state of one campaign."""

    campaign_id: int
    is_active: bool
    pause_reason: str


@dataclass(slots=True)
class SweepCampaign:
    """A campaign as a sweep reads it: what the rule and the serving-state write need and
    no model instance (a sweep reads a hundred thousand of them; building model instances
    was a third of its time). ``is_active``/``pause_reason`` are updated in memory by the
    engine when it changes them, like a loaded model's."""

    pk: int
    brand_id: int
    name: str
    status: str
    is_active: bool
    pause_reason: str
    daily_budget: Decimal | None
    monthly_budget: Decimal | None


@dataclass(frozen=True, slots=True)
class SweepBrand:
    """A brand as the rule reads it."""

    pk: int
    timezone: str
    is_active: bool
    daily_budget: Decimal | None
    monthly_budget: Decimal | None


class SweepBatch(NamedTuple):
    """One sweep batch: its brands by id, its campaigns in id order (those whose status is
    the one asked for) and the rule's view of their schedules by campaign id."""

    brands: dict[int, SweepBrand]
    campaigns: list[SweepCampaign]
    schedules: dict[int, ScheduleSnapshot | None]


@cache
def _columns(model: type[Brand] | type[Campaign], alias: str) -> tuple[str, tuple[str, ...]]:
    """The columns the rule and the writes need (timestamps stay deferred: parsing them is
    a measurable part of a sweep), and their attribute names."""
    fields = [f for f in model._meta.concrete_fields if f.name not in ("created_at", "updated_at")]
    columns = ", ".join(f"{alias}.{connection.ops.quote_name(str(f.column))}" for f in fields)
    return columns, tuple(f.attname for f in fields)


Loaded = TypeVar("Loaded", Brand, Campaign)


@cache
def _converted(model: type[Model]) -> tuple[tuple[str, Any], ...]:
    """The loaded fields whose raw value the database driver does not decode (``from_db_value``)."""
    return tuple(
        (str(f.attname), f)
        for f in model._meta.concrete_fields
        if f.name not in ("created_at", "updated_at") and hasattr(f, "from_db_value")
    )


def _instance(model: type[Loaded], attnames: Sequence[str], values: Sequence[Any], alias: str) -> Loaded:
    """A model instance from a row, as ``Model.from_db`` makes it minus ``__init__`` and the
    init signals (nobody listens to them here): a third of a sweep's Python time. The
    columns not read stay deferred, loaded on first access like any deferred field."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    for attname, field in _converted(model):  # JSON columns (a brand's alert settings)
        value = instance.__dict__.get(attname)
        instance.__dict__[attname] = field.from_db_value(value, None, connection)
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = alias
    return instance


@cache
def _lock_sql() -> str:
    """Lock the brands of the campaigns (ids: one array parameter), in id order."""
    brand, campaign = _table(Brand), _table(Campaign)
    return (
        f"SELECT 1 FROM {brand} WHERE {_column(Brand, 'id')} = ANY(ARRAY("  # noqa: S608 - names from _meta
        f"SELECT {_column(Campaign, 'brand')} FROM {campaign} "
        f"WHERE {_column(Campaign, 'id')} = ANY(%s::bigint[]))) "
        f"ORDER BY {_column(Brand, 'id')} FOR NO KEY UPDATE"
    )


@cache
def _load_sql() -> str:
    """Campaigns with their brand and their schedule's windows, one row per window."""
    campaign_columns, _ = _columns(Campaign, "c")
    brand_columns, _ = _columns(Brand, "b")
    schedule, window = DaypartingSchedule, ScheduleWindow
    return (
        f"SELECT {campaign_columns}, s.{_column(schedule, 'timezone')}, s.{_column(schedule, 'is_active')}, "  # noqa: S608
        f"w.{_column(window, 'days_mask')}, w.{_column(window, 'start_time')}, "
        f"w.{_column(window, 'end_time')}, {brand_columns} "
        f"FROM {_table(Campaign)} c JOIN {_table(Brand)} b ON b.id = c.{_column(Campaign, 'brand')} "
        f"LEFT JOIN {_table(schedule)} s ON s.id = c.{_column(Campaign, 'dayparting_schedule')} "
        f"LEFT JOIN {_table(window)} w ON w.{_column(window, 'schedule')} = s.id "
        "WHERE c.id = ANY(%s::bigint[]) ORDER BY c.id, w.id"
    )


def load_campaigns(campaign_ids: Iterable[int], *, lock: bool = True) -> LoadedCampaigns:
    """Lock the brands of the campaigns (``FOR NO KEY UPDATE``, in id order; with
    ``lock=False`` only read them), then read the campaigns fresh with their brands and their
    schedules' windows: one round trip on PostgreSQL, whatever the number of campaigns.

    The lock and the read are two statements sent together: the read takes its snapshot
    after the lock is granted, so it sees what the lock waited for.
    """
    ids = sorted(set(campaign_ids))
    if not ids:
        return LoadedCampaigns({}, {}, {})
    if connection.vendor != "postgresql":
        return _load_with_orm(ids, lock=lock)
    _, campaign_fields = _columns(Campaign, "c")
    _, brand_fields = _columns(Brand, "b")
    width = len(campaign_fields)
    brands: dict[int, Brand] = {}
    campaigns: dict[int, Campaign] = {}
    windows: dict[int, list[Window]] = {}
    zones: dict[int, tuple[str, bool] | None] = {}
    alias = connection.alias
    with connection.cursor() as cursor:
        if lock:
            prepared.execute_together(cursor, [(_lock_sql(), [ids]), (_load_sql(), [ids])])
        else:
            prepared.execute(cursor, _load_sql(), [ids])
        for row in cursor.fetchall():
            campaign_id = row[0]
            if campaign_id not in campaigns:
                campaign = _instance(Campaign, campaign_fields, row[:width], alias)
                brand = brands.get(campaign.brand_id)
                if brand is None:
                    brand = brands[campaign.brand_id] = _instance(
                        Brand, brand_fields, row[width + 5 :], alias
                    )
                campaign._state.fields_cache["brand"] = brand
                campaigns[campaign_id] = campaign
                zone, active = row[width], row[width + 1]
                zones[campaign_id] = None if zone is None else (zone, bool(active))
                windows[campaign_id] = []
            days_mask, start, end = row[width + 2 : width + 5]
            if days_mask is not None:
                windows[campaign_id].append(Window.from_mask(int(days_mask), start, end))
    schedules: dict[int, ScheduleSnapshot | None] = {}
    for campaign_id, campaign in campaigns.items():
        spec = zones[campaign_id]
        schedules[campaign_id] = (
            None
            if spec is None or not spec[1]
            else ScheduleSnapshot(
                windows=tuple(windows[campaign_id]), timezone=spec[0] or campaign.brand.timezone
            )
        )
    return LoadedCampaigns(dict(sorted(brands.items())), campaigns, schedules)


@cache
def _sweep_sql() -> str:
    """A sweep batch's campaigns of one status, with the rule's columns of their brand and
    their schedule's windows (one row per window): named columns only, no JSON to decode."""
    c_cols = ", ".join(
        f"c.{_column(Campaign, name)}"
        for name in (
            "id",
            "brand",
            "name",
            "status",
            "is_active",
            "pause_reason",
            "daily_budget",
            "monthly_budget",
            "dayparting_schedule",
        )
    )
    b_cols = ", ".join(
        f"b.{_column(Brand, name)}" for name in ("timezone", "is_active", "daily_budget", "monthly_budget")
    )
    schedule, window = DaypartingSchedule, ScheduleWindow
    return (
        f"SELECT {c_cols}, s.{_column(schedule, 'timezone')}, s.{_column(schedule, 'is_active')}, "  # noqa: S608
        f"w.{_column(window, 'days_mask')}, w.{_column(window, 'start_time')}, "
        f"w.{_column(window, 'end_time')}, {b_cols} "
        f"FROM {_table(Campaign)} c JOIN {_table(Brand)} b ON b.id = c.{_column(Campaign, 'brand')} "
        f"LEFT JOIN {_table(schedule)} s ON s.id = c.{_column(Campaign, 'dayparting_schedule')} "
        f"LEFT JOIN {_table(window)} w ON w.{_column(window, 'schedule')} = s.id "
        f"WHERE c.id = ANY(%s::bigint[]) AND c.{_column(Campaign, 'status')} = %s ORDER BY c.id, w.id"
    )


def load_sweep_batch(campaign_ids: Iterable[int], *, status: str, lock: bool = True) -> SweepBatch:
    """``load_campaigns`` for a sweep: lock the brands of the campaigns (in id order; with
    ``lock=False`` only read), then read those whose status is ``status`` as plain records,
    each schedule's windows built once per batch. One round trip on PostgreSQL."""
    ids = sorted(set(campaign_ids))
    if not ids:
        return SweepBatch({}, [], {})
    if connection.vendor != "postgresql":
        return _sweep_batch_with_orm(ids, status=status, lock=lock)
    with connection.cursor() as cursor:
        if lock:
            prepared.execute_together(cursor, [(_lock_sql(), [ids]), (_sweep_sql(), [ids, status])])
        else:
            prepared.execute(cursor, _sweep_sql(), [ids, status])
        rows = cursor.fetchall()
    brands: dict[int, SweepBrand] = {}
    campaigns: list[SweepCampaign] = []
    schedule_of: dict[int, int] = {}  # campaign id -> schedule id
    specs: dict[int, tuple[str | None, bool, list[Window]]] = {}  # schedule id -> (zone, active, windows)
    last: int | None = None
    collecting: list[Window] | None = None  # the windows the current row's campaign reads first
    for row in rows:
        if row[0] != last:
            pk, brand_id, name, state, active, reason, daily, monthly, schedule_id = row[:9]
            last = pk
            campaigns.append(SweepCampaign(pk, brand_id, name, state, active, reason, daily, monthly))
            if brand_id not in brands:
                brands[brand_id] = SweepBrand(brand_id, row[14], bool(row[15]), row[16], row[17])
            collecting = None
            if schedule_id is not None:
                schedule_of[pk] = schedule_id
                if schedule_id not in specs:  # rows are in (campaign, window) order
                    collecting = []
                    specs[schedule_id] = (row[9], bool(row[10]), collecting)
        if collecting is not None and row[11] is not None:
            collecting.append(Window.from_mask(int(row[11]), row[12], row[13]))
    return SweepBatch(
        dict(sorted(brands.items())), campaigns, _sweep_schedules(campaigns, brands, schedule_of, specs)
    )


def _sweep_schedules(
    campaigns: Sequence[SweepCampaign],
    brands: dict[int, SweepBrand],
    schedule_of: dict[int, int],
    specs: dict[int, tuple[str | None, bool, list[Window]]],
) -> dict[int, ScheduleSnapshot | None]:
    """The rule's view of each campaign's schedule (``None``: none, or inactive), one
    snapshot shared per schedule and time zone."""
    shared: dict[tuple[int, str], ScheduleSnapshot] = {}
    schedules: dict[int, ScheduleSnapshot | None] = {}
    for campaign in campaigns:
        schedule_id = schedule_of.get(campaign.pk)
        spec = None if schedule_id is None else specs[schedule_id]
        if schedule_id is None or spec is None or not spec[1]:
            schedules[campaign.pk] = None
            continue
        zone = spec[0] or brands[campaign.brand_id].timezone
        snapshot = shared.get((schedule_id, zone))
        if snapshot is None:
            snapshot = shared[(schedule_id, zone)] = ScheduleSnapshot(windows=tuple(spec[2]), timezone=zone)
        schedules[campaign.pk] = snapshot
    return schedules


def _sweep_batch_with_orm(ids: list[int], *, status: str, lock: bool) -> SweepBatch:
    """SQLite (development): the ORM's load, turned into a sweep's records."""
    loaded = _load_with_orm(ids, lock=lock)
    campaigns = [
        SweepCampaign(
            c.pk, c.brand_id, c.name, c.status, c.is_active, c.pause_reason, c.daily_budget, c.monthly_budget
        )
        for _, c in sorted(loaded.campaigns.items())
        if c.status == status
    ]
    brand_ids = {c.brand_id for c in campaigns}
    brands = {
        pk: SweepBrand(pk, b.timezone, b.is_active, b.daily_budget, b.monthly_budget)
        for pk, b in loaded.brands.items()
        if pk in brand_ids
    }
    shared: dict[ScheduleSnapshot, ScheduleSnapshot] = {}
    schedules = {
        c.pk: None if (found := loaded.schedules[c.pk]) is None else shared.setdefault(found, found)
        for c in campaigns
    }
    return SweepBatch(brands, campaigns, schedules)


def schedule_snapshot(
    campaign: Campaign, cache: dict[int, tuple[Window, ...]] | None = None
) -> ScheduleSnapshot | None:
    """The rule's view of the schedule of a campaign loaded with its brand and its schedule's
    windows (``select_related``/``prefetch_related``); ``None``: none, or an inactive one.
    ``cache`` keeps each schedule's windows for the next campaign that uses it."""
    schedule = campaign.dayparting_schedule
    if schedule is None or not schedule.is_active:
        return None
    cache = {} if cache is None else cache
    windows = cache.get(schedule.pk)
    if windows is None:
        windows = cache[schedule.pk] = tuple(window.as_window() for window in schedule.windows.all())
    return ScheduleSnapshot(windows=windows, timezone=schedule.effective_timezone(campaign.brand.timezone))


def _load_with_orm(campaign_ids: list[int], *, lock: bool) -> LoadedCampaigns:
    wanted = Campaign.objects.filter(pk__in=campaign_ids)
    if lock:
        brands = {brand.pk: brand for brand in lock_brands(wanted.values_list("brand_id", flat=True))}
    else:
        brands = {b.pk: b for b in Brand.objects.filter(pk__in=wanted.values("brand_id")).order_by("pk")}
    loaded = wanted.select_related("dayparting_schedule").prefetch_related("dayparting_schedule__windows")
    campaigns: dict[int, Campaign] = {}
    for campaign in loaded.order_by("pk"):
        campaign.brand = brands[campaign.brand_id]
        campaigns[campaign.pk] = campaign
    schedules = {pk: schedule_snapshot(campaign) for pk, campaign in campaigns.items()}
    return LoadedCampaigns(brands, campaigns, schedules)


def ordered_ids(queryset: QuerySet[Campaign]) -> array[int]:
    """The primary keys of ``queryset``, in its order, as 8 bytes each: the query Django
    compiles, its rows read in one ``fetchall`` (a sweep walks a hundred thousand ids;
    Django's row iterator costs more than the index-only scan that finds them)."""
    try:
        sql, params = queryset.values_list("pk").query.get_compiler(queryset.db).as_sql()
    except EmptyResultSet:  # a filter that matches nothing (``pk__in=[]``): Django sends no query
        return array("q")
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return array("q", [row[0] for row in cursor.fetchall()])


# --- Set-based writes ---------------------------------------------------------------------


@cache
def _serving_sql() -> str:
    table = _table(Campaign)
    active, reason, updated = (_column(Campaign, n) for n in ("is_active", "pause_reason", "updated_at"))
    return (
        f"UPDATE {table} AS c SET {active} = u.is_active, {reason} = u.pause_reason, "  # noqa: S608
        f"{updated} = %s::timestamptz "
        "FROM unnest(%s::bigint[], %s::boolean[], %s::text[]) AS u(id, is_active, pause_reason) "
        "WHERE c.id = u.id"
    )


def write_serving_state(
    rows: Sequence[ServingRow],
    *,
    stamp: dt.datetime,
    events: EventBatch | None = None,
    before: Sequence[prepared.Write] = (),
) -> None:
    """Perform the writes ``before`` (the caller's own, such as a spend's threshold alerts),
    store the new serving state of these campaigns and append ``events`` (their event log
    entries): one round trip on PostgreSQL, whatever their number (the writes, the update
    and the events' ``INSERT ... unnest``, sent together). The caller holds their brands'
    locks."""
    if connection.vendor != "postgresql" or not rows:
        for write in before:
            write.run()
    if not rows:
        if events is not None:
            events.insert()
        return
    if connection.vendor != "postgresql":
        campaigns = [
            Campaign(
                pk=row.campaign_id, is_active=row.is_active, pause_reason=row.pause_reason, updated_at=stamp
            )
            for row in rows
        ]
        Campaign.objects.bulk_update(campaigns, ["is_active", "pause_reason", "updated_at"])
        if events is not None:
            events.insert()
        return
    params = [
        stamp,
        [row.campaign_id for row in rows],
        [row.is_active for row in rows],
        [row.pause_reason for row in rows],
    ]
    statements: list[tuple[str, Sequence[Any]]] = [write.statement() for write in before]
    statements.append((_serving_sql(), params))
    if events is not None:
        statements.append(events.statement())
    with connection.cursor() as cursor:
        prepared.execute_together(cursor, statements)
