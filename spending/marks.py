"""The hand-written SQL of the alert marks (``spending.models.AlertMark``): the exactly-once
guard of threshold and forecast alerts.

- ``marks_insert``: ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` of a batch of marks; only
  the marks it returns are new, and only they get their event (the caller appends them in
  the same transaction). Two writers racing for one mark: the second waits for the first's
  row and, once it commits, inserts nothing. Rows go in key order, so concurrent batches
  lock in one order.
- ``marks_rearm``: per (owner, cap, period), delete the marks above a bound (a raised
  budget's new usage), one statement for any number of owners.
- ``marks_purge``: forget marks of periods long over (nothing can re-fire for them).
- ``MarkedEvents``: marks and the events they guard as one write that a caller sends in the
  same round trip as its own statements (the spend path: with the pause's), one statement
  on PostgreSQL (``events.store.guarded_insert_statement``).

PostgreSQL statements are prepared (``core.prepared``; rows travel as ``unnest`` arrays);
SQLite (development) runs one statement per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from django.db import connection
from django.utils import timezone

from core import prepared, sqlnames
from core.timeutils import db_date
from events.store import EventBatch, guarded_insert_statement, insert_events
from spending.models import AlertMark


class MarkKey(NamedTuple):
    owner_kind: str  # "brand" / "campaign"
    owner_id: int
    period: str  # "daily" / "monthly" / "forecast"
    period_start: dt.date
    threshold: int  # percent; 0 for the forecast


class RearmBound(NamedTuple):
    """Marks of this owner, cap and period above ``bound`` (a percent) are deleted."""

    owner_kind: str
    owner_id: int
    period: str
    period_start: dt.date
    bound: int


_KEY_COLUMNS = ("owner_kind", "owner_id", "period", "period_start", "threshold")
_KEY_TYPES = ("text", "bigint", "text", "date", "int")


def _table() -> str:
    return sqlnames.table(AlertMark)


def _key(row: Sequence[Any]) -> MarkKey:
    return MarkKey(str(row[0]), int(row[1]), str(row[2]), db_date(row[3]), int(row[4]))


@cache
def _insert_sql(postgresql: bool) -> str:
    columns = ", ".join(_KEY_COLUMNS)
    conflict = f"ON CONFLICT ({columns}) DO NOTHING RETURNING {columns}"
    if postgresql:
        arrays = ", ".join(f"%s::{kind}[]" for kind in _KEY_TYPES)
        return (
            f"INSERT INTO {_table()} ({columns}, created_at) "  # noqa: S608 - names from _meta
            f"SELECT *, %s::timestamptz FROM unnest({arrays}) ORDER BY 1, 2, 3, 4, 5 {conflict}"
        )
    return f"INSERT INTO {_table()} ({columns}, created_at) VALUES (%s, %s, %s, %s, %s, %s) {conflict}"  # noqa: S608


def _insert_statement(keys: Sequence[MarkKey]) -> tuple[str, list[Any]]:
    wanted = sorted(set(keys))
    columns = [list(column) for column in zip(*wanted, strict=True)]
    return _insert_sql(True), [timezone.now(), *columns]


def marks_insert(keys: Sequence[MarkKey]) -> set[MarkKey]:
    """Insert the marks ``keys`` that do not exist yet; return those this call inserted."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    stamp = timezone.now()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            prepared.execute(cursor, *_insert_statement(wanted))
            return {_key(row) for row in cursor.fetchall()}
        inserted: set[MarkKey] = set()
        for key in wanted:
            cursor.execute(_insert_sql(False), [*key, stamp])
            inserted.update(_key(row) for row in cursor.fetchall())
        return inserted


@dataclass(frozen=True, slots=True)
class MarkedEvents:
    """Events each guarded by a mark (``keys``: one per row of ``batch``): a row is appended
    only if this write inserts its mark. A ``core.prepared.Write``: one statement on
    PostgreSQL, sent by the caller with its own; ``run()`` performs it alone."""

    batch: EventBatch
    keys: Sequence[MarkKey]

    def statement(self) -> tuple[str, list[Any]]:
        return guarded_insert_statement(
            self.batch, guard=_insert_statement(self.keys), key_types=_KEY_TYPES, row_keys=self.keys
        )

    def run(self) -> None:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                prepared.execute(cursor, *self.statement())
            return
        inserted = marks_insert(self.keys)
        rows = [row for row, key in zip(self.batch.rows, self.keys, strict=True) if key in inserted]
        insert_events(rows, actor=self.batch.actor, occurred_at=self.batch.occurred_at)


@cache
def _rearm_sql(postgresql: bool) -> str:
    match = "m.owner_kind = k.owner_kind AND m.owner_id = k.owner_id AND m.period = k.period"
    if postgresql:
        return (
            f"DELETE FROM {_table()} m USING unnest(%s::text[], %s::bigint[], %s::text[], %s::date[], "  # noqa: S608
            "%s::int[]) AS k(owner_kind, owner_id, period, period_start, bound) "
            f"WHERE {match} AND m.period_start = k.period_start AND m.threshold > k.bound"
        )
    return (
        f"DELETE FROM {_table()} WHERE owner_kind = %s AND owner_id = %s AND period = %s "  # noqa: S608
        "AND period_start = %s AND threshold > %s"
    )


def marks_rearm(bounds: Sequence[RearmBound]) -> int:
    """Delete every mark above its owner's ``bound``; returns how many."""
    if not bounds:
        return 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [list(column) for column in zip(*sorted(bounds), strict=True)]
            prepared.execute(cursor, _rearm_sql(True), columns)
            return int(cursor.rowcount)
        deleted = 0
        for bound in bounds:
            cursor.execute(_rearm_sql(False), list(bound))
            deleted += int(cursor.rowcount)
        return deleted


def marks_purge(*, before: dt.date) -> int:
    """Delete the marks of periods that started before ``before`` (long over)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table()} WHERE period_start < %s", [before])  # noqa: S608
        return int(cursor.rowcount)
