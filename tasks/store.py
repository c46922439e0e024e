"""The tasks app's hand-written SQL: claiming a brand-period for a reset.

A reset job claims thousands of brands at midnight; the claim of a chunk is one statement
on PostgreSQL (lock the markers in brand order, set the ones still older than the period,
return them), with the brand ids as one array parameter. Table and column names come from
``_meta``. SQLite (development) takes the ORM's two statements.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import cache
from typing import Literal

from django.db import connection
from django.db.models import Q

from core import pgdriver, prepared
from core.sqlnames import column, table
from tasks.models import BrandResetMarker

Period = Literal["daily", "monthly"]


@cache
def _claim_sql(kind: Period) -> str:
    marker = table(BrandResetMarker)
    brand, period, stamp = (
        column(BrandResetMarker, name) for name in ("brand", f"{kind}_period", f"{kind}_reset_at")
    )
    return (
        f"WITH due AS (SELECT {brand} FROM {marker} "  # noqa: S608 - names from _meta
        f"WHERE {brand} = ANY(%s::bigint[]) AND ({period} IS NULL OR {period} < %s::date) "
        f"ORDER BY {brand} FOR UPDATE) "
        f"UPDATE {marker} AS m SET {period} = %s::date, {stamp} = %s::timestamptz FROM due "
        f"WHERE m.{brand} = due.{brand} RETURNING m.{brand}"
    )


def claim_period(kind: Period, brand_ids: Sequence[int], period: dt.date, *, stamp: dt.datetime) -> list[int]:
    """Claim ``period`` for the brands of ``brand_ids`` whose marker is older (or unset): lock
    their markers in brand order (a concurrent claim waits, then finds them claimed), set
    the period and ``stamp``, and return the brands claimed, in id order. One statement on
    PostgreSQL. The markers must exist."""
    if not brand_ids:
        return []
    if connection.vendor != "postgresql":
        field = f"{kind}_period"
        claimable = Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": period})
        claimed = list(
            BrandResetMarker.objects.select_for_update()
            .filter(claimable, brand_id__in=list(brand_ids))
            .order_by("brand_id")
            .values_list("brand_id", flat=True)
        )
        if claimed:
            BrandResetMarker.objects.filter(brand_id__in=claimed).update(
                **{field: period, f"{kind}_reset_at": stamp}
            )
        return claimed
    with connection.cursor() as cursor:
        prepared.execute(cursor, _claim_sql(kind), [pgdriver.array_param(brand_ids), period, period, stamp])
        return sorted(int(row[0]) for row in cursor.fetchall())
