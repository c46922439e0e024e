"""All hand-written SQL of the events app (table and column names come from ``_meta``).

* ``insert_statement``: the set-based append, one ``INSERT ... SELECT FROM unnest(...)`` for
  any number of events on PostgreSQL (prepared once per connection: its text does not
  depend on the data). SQLite inserts the same rows with one multi-row ``INSERT``.
* ``position_pending``: the serialized positioning step that gives committed events their
  public id, in commit order (see ``events.models``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from django.db import connection

from core import prepared
from core.sqlnames import column as _column
from core.sqlnames import table as _table
from events.models import Event, FeedState


# A value, but not frozen: one is built per campaign in a sweep, and a frozen dataclass's
# ``__init__`` (``object.__setattr__`` per field) costs about four times a plain one.
@dataclass(slots=True)
class EventRow:
    """One event to insert, its ``data`` already encoded as JSON text."""

    type: str
    brand_id: int | None
    campaign_id: int | None
    data_json: str
    audit: bool
    endpoint_id: int | None = None


@dataclass(frozen=True, slots=True)
class ActorRow:
    kind: str
    name: str
    user_id: int | None
    api_key_id: int | None


@dataclass(frozen=True, slots=True)
class EventBatch:
    """Events ready to insert (one actor, one moment), for a store that sends their insert
    in the same round trip as its own statements: ``insert_statement`` on PostgreSQL,
    ``insert_events`` elsewhere (``events.services.events_prepare`` makes one)."""

    rows: Sequence[EventRow]
    actor: ActorRow
    occurred_at: dt.datetime

    def statement(self) -> tuple[str, list[Any]]:
        return insert_statement(self.rows, actor=self.actor, occurred_at=self.occurred_at)

    def insert(self) -> None:
        insert_events(self.rows, actor=self.actor, occurred_at=self.occurred_at)

    run = insert  # a ``core.prepared.Write``


_INSERT_FIELDS = (
    "type",
    "occurred_at",
    "brand",
    "campaign",
    "actor_kind",
    "actor_name",
    "actor_user",
    "actor_api_key_id",
    "data",
    "audit",
    "endpoint",
)


# SQLite binds at most 32,766 parameters per statement.
_SQLITE_ROWS_PER_INSERT = 2000


@cache
def _insert_columns() -> str:
    return ", ".join(_column(Event, name) for name in _INSERT_FIELDS)


@cache
def _insert_sql() -> str:
    columns = _insert_columns()
    return (
        f"INSERT INTO {_table(Event)} ({columns}) "  # noqa: S608 - names from _meta
        "SELECT u.t, %s::timestamptz, u.b, u.c, %s, %s, %s::bigint, %s::bigint, u.d::jsonb, u.a, u.e "
        "FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::text[], %s::boolean[], %s::bigint[]) "
        "AS u(t, b, c, d, a, e)"
    )


def insert_statement(
    rows: Sequence[EventRow], *, actor: ActorRow, occurred_at: dt.datetime
) -> tuple[str, list[Any]]:
    """The PostgreSQL statement (and parameters) that appends ``rows``: for callers that
    send it in one round trip with their own statements (``core.prepared.execute_together``)."""
    return _insert_sql(), [
        occurred_at,
        actor.kind,
        actor.name,
        actor.user_id,
        actor.api_key_id,
        [row.type for row in rows],
        [row.brand_id for row in rows],
        [row.campaign_id for row in rows],
        [row.data_json for row in rows],
        [row.audit for row in rows],
        [row.endpoint_id for row in rows],
    ]


@lru_cache(maxsize=16)
def _guarded_sql(guard_sql: str, key_types: tuple[str, ...]) -> str:
    keys = [f"k{index}" for index in range(len(key_types))]
    key_arrays = "".join(f", %s::{kind}[]" for kind in key_types)
    return (
        f"WITH g AS ({guard_sql}) INSERT INTO {_table(Event)} ({_insert_columns()}) "  # noqa: S608
        "SELECT u.t, %s::timestamptz, u.b, u.c, %s, %s, %s::bigint, %s::bigint, u.d::jsonb, u.a, u.e "
        "FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::text[], %s::boolean[], %s::bigint[]"
        f"{key_arrays}) WITH ORDINALITY AS u(t, b, c, d, a, e, {', '.join(keys)}, n) "
        f"WHERE ({', '.join(f'u.{key}' for key in keys)}) IN (SELECT * FROM g) ORDER BY u.n"
    )


def guarded_insert_statement(
    batch: EventBatch,
    *,
    guard: tuple[str, list[Any]],
    key_types: tuple[str, ...],
    row_keys: Sequence[Sequence[Any]],
) -> tuple[str, list[Any]]:
    """One PostgreSQL statement that runs ``guard`` (a data-modifying statement, such as an
    ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` of its keys) and appends the rows of
    ``batch`` whose key (``row_keys``, one per row, of ``key_types``) it returned, in the
    batch's order: the exactly-once guard and its events in one round trip."""
    guard_sql, guard_params = guard
    _, params = batch.statement()
    keys = [list(column) for column in zip(*row_keys, strict=True)]
    return _guarded_sql(guard_sql, key_types), [*guard_params, *params, *keys]


def insert_events(rows: Sequence[EventRow], *, actor: ActorRow, occurred_at: dt.datetime) -> None:
    """Append ``rows`` in one statement, inside the caller's transaction."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        sql, params = insert_statement(rows, actor=actor, occurred_at=occurred_at)
        with connection.cursor() as cursor:
            prepared.execute(cursor, sql, params)
        return
    columns = _insert_columns()
    stamp = connection.ops.adapt_datetimefield_value(occurred_at)
    actor_values = [actor.kind, actor.name, actor.user_id, actor.api_key_id]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _SQLITE_ROWS_PER_INSERT):
            chunk = rows[start : start + _SQLITE_ROWS_PER_INSERT]
            values = ", ".join(["(" + ", ".join(["%s"] * len(_INSERT_FIELDS)) + ")"] * len(chunk))
            values_params: list[Any] = []
            for row in chunk:
                values_params += [row.type, stamp, row.brand_id, row.campaign_id, *actor_values]
                values_params += [row.data_json, row.audit, row.endpoint_id]
            sql = f"INSERT INTO {_table(Event)} ({columns}) VALUES {values}"  # noqa: S608 - placeholders
            cursor.execute(sql, values_params)


def position_pending(*, limit: int) -> tuple[int, int]:
    """Give up to ``limit`` committed, unpositioned events the next positions, in insertion
    order; returns (how many, the last position now assigned). Runs in its own transaction
    (the caller's ``atomic``).

    The feed state's row lock (an ``UPDATE`` of its one row) serializes the step: a second
    run waits, then reads (a new statement, a new snapshot) what the first committed. Only
    committed rows are visible to the ``UPDATE``, so an event whose transaction is still
    open keeps no place in line: it gets a higher position once it commits, and every
    position a reader can see was assigned after all lower ones had committed.
    """
    lock, initial, assign, record = _position_sql()
    with connection.cursor() as cursor:
        cursor.execute(lock)
        row = cursor.fetchone()
        if row is None:  # the row is made by a migration; a flushed test database lacks it
            cursor.execute(initial)
            base = int(cursor.fetchone()[0])
            FeedState.objects.create(id=1, last_position=base)
        else:
            base = int(row[0])
        cursor.execute(assign, [base, limit])
        assigned = [int(found[0]) for found in cursor.fetchall()]
        if not assigned:
            return 0, base
        last = max(assigned)
        cursor.execute(record, [last])
    return len(assigned), last


@cache
def _position_sql() -> tuple[str, str, str, str]:
    """(lock the feed state and read the last position, the highest position ever given,
    number the pending events from a base, store the new last position)."""
    state, last = _table(FeedState), _column(FeedState, "last_position")
    event, position, seq = _table(Event), _column(Event, "position"), _column(Event, "seq")
    return (
        f"UPDATE {state} SET {last} = {last} WHERE id = 1 RETURNING {last}",  # noqa: S608 - _meta
        f"SELECT COALESCE(MAX({position}), 0) FROM {event}",  # noqa: S608 - names from _meta
        f"UPDATE {event} SET {position} = %s + pending.n "  # noqa: S608 - names from _meta
        f"FROM (SELECT {seq} AS s, ROW_NUMBER() OVER (ORDER BY {seq}) AS n FROM {event} "
        f"WHERE {position} IS NULL ORDER BY {seq} LIMIT %s) AS pending "
        f"WHERE {event}.{seq} = pending.s RETURNING {event}.{position}",
        f"UPDATE {state} SET {last} = %s WHERE id = 1",  # noqa: S608 - names from _meta
    )
