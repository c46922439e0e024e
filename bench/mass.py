"""The mass-change figures: a busy day stops 30% of the campaigns at once, and a new day
brings them all back, each beside a hand-written set-based baseline on the same rows.

Set-up (by hand, in SQL): serving campaigns as many as 30% of the campaigns whose status is
active (picked by a hash of their id) get a spend of 1.00 today in their brand's day and a
daily cap of 1.00, so the next sweep must pause exactly them (the brands' own caps stay far
away). Then:

- **mass change**: ``reconcile`` over every campaign whose status is active (``bench.sweep``,
  in a process of its own), against the baseline: one aggregate that finds the campaigns at
  or over their daily cap, one ``UPDATE ... WHERE id = ANY(...)`` and one insert of their
  events into the log (``events_event``), written by hand, in one transaction;
- **midnight resume**: a week later (a new local day for every brand, the same weekday and
  hour, so no dayparting window moves) the daily reset job (``budgets_reset``, what brings
  campaigns back at each brand's local midnight) claims every brand's new day and
  reconciles the campaigns stopped for a daily budget, which all resume, against the same
  three statements the other way round. The full sweep at that moment (every status-active
  campaign, as the minute's ``enforce_budgets`` would run it) is printed beside it, without
  a target.

Between the engine's run and the baseline's, the campaigns' serving state is put back and the
events of the run are deleted, so both work on identical rows.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.db import connection, transaction

from bench.measures import PAUSED_DATA, RESUMED_DATA, Figure, run_sweep_process

SHARE_PERCENT = 30
CAP = "1.00"
RESUME_AFTER = dt.timedelta(days=7)

# 30% of the campaigns whose status is active, among those serving now (a hash picks them).
_PICK = """
SELECT id FROM campaigns_campaign WHERE status = 'active' AND is_active
ORDER BY hashtext('mass:' || id), id
LIMIT (SELECT count(*) * %(share)s / 100 FROM campaigns_campaign WHERE status = 'active')
"""

_BUSY_DAY = """
WITH picked AS (
    SELECT c.id, c.brand_id, (%(at)s::timestamptz AT TIME ZONE b.timezone)::date AS day
    FROM campaigns_campaign c JOIN brands_brand b ON b.id = c.brand_id WHERE c.id = ANY(%(ids)s)
), spend AS (
    INSERT INTO spending_spend (campaign_id, brand_id, amount, date, description, source, external_id,
                                created_at, updated_at)
    SELECT id, brand_id, %(cap)s::numeric, day, '', 'bench-mass', NULL, now(), now() FROM picked
), cd AS (
    INSERT INTO spending_campaigndailyspend (campaign_id, date, amount)
    SELECT id, day, %(cap)s::numeric FROM picked
    ON CONFLICT (campaign_id, date) DO UPDATE
    SET amount = spending_campaigndailyspend.amount + excluded.amount
), cm AS (
    INSERT INTO spending_campaignmonthlyspend (campaign_id, month, amount)
    SELECT id, date_trunc('month', day)::date, %(cap)s::numeric FROM picked
    ON CONFLICT (campaign_id, month) DO UPDATE
    SET amount = spending_campaignmonthlyspend.amount + excluded.amount
), bd AS (
    INSERT INTO spending_branddailyspend (brand_id, date, amount)
    SELECT brand_id, day, sum(%(cap)s::numeric) FROM picked GROUP BY 1, 2
    ON CONFLICT (brand_id, date) DO UPDATE SET amount = spending_branddailyspend.amount + excluded.amount
), bm AS (
    INSERT INTO spending_brandmonthlyspend (brand_id, month, amount)
    SELECT brand_id, date_trunc('month', day)::date, sum(%(cap)s::numeric) FROM picked GROUP BY 1, 2
    ON CONFLICT (brand_id, month) DO UPDATE SET amount = spending_brandmonthlyspend.amount + excluded.amount
)
UPDATE campaigns_campaign SET daily_budget = %(cap)s::numeric WHERE id = ANY(%(ids)s)
"""

# The baseline's aggregate: campaigns whose (brand-local) day's spend has reached their daily
# cap (``stop``), or, stopped for it, are below it again (``resume``).
_AT_CAP = """
SELECT c.id FROM campaigns_campaign c JOIN brands_brand b ON b.id = c.brand_id
LEFT JOIN spending_campaigndailyspend d
       ON d.campaign_id = c.id AND d.date = (%(at)s::timestamptz AT TIME ZONE b.timezone)::date
WHERE c.status = 'active' AND c.daily_budget IS NOT NULL AND {condition}
"""
_STOP = "c.is_active AND COALESCE(d.amount, 0) >= c.daily_budget"
_RESUME = (
    "NOT c.is_active AND c.pause_reason = 'campaign_daily_budget' AND COALESCE(d.amount, 0) < c.daily_budget"
)

_SET_STATE = (
    "UPDATE campaigns_campaign SET is_active = %(active)s, pause_reason = %(reason)s, updated_at = now() "
    "WHERE id = ANY(%(ids)s)"
)
_EVENTS = """
INSERT INTO events_event (type, occurred_at, brand_id, campaign_id, actor_kind, actor_name, actor_user_id,
                          actor_api_key_id, data, audit, endpoint_id)
SELECT %(type)s, now(), c.brand_id, c.id, 'system', 'bench-baseline', NULL, NULL, %(data)s::jsonb, FALSE, NULL
FROM campaigns_campaign c WHERE c.id = ANY(%(ids)s)
"""


def _ids(sql: str, params: dict[str, Any]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [int(row[0]) for row in cursor.fetchall()]


def _event_mark() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(seq), 0) FROM events_event")
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def _put_back(ids: list[int], *, serving: bool, mark: int) -> None:
    """Serving state of ``ids`` as it was, and no event after ``mark``."""
    reason = "" if serving else "campaign_daily_budget"
    with connection.cursor() as cursor:
        cursor.execute(_SET_STATE, {"active": serving, "reason": reason, "ids": ids})
        cursor.execute("DELETE FROM events_event WHERE seq > %s", [mark])


def _baseline(*, at: dt.datetime, stop: bool) -> tuple[float, int]:
    """One aggregate, one set-based update, one insert, in one transaction: seconds, rows."""
    started = time.perf_counter()
    with transaction.atomic():
        ids = _ids(_AT_CAP.format(condition=_STOP if stop else _RESUME), {"at": at})
        with connection.cursor() as cursor:
            cursor.execute(
                _SET_STATE,
                {"active": not stop, "reason": "campaign_daily_budget" if stop else "", "ids": ids},
            )
            cursor.execute(
                _EVENTS,
                {
                    "type": "campaign.paused" if stop else "campaign.resumed",
                    "data": PAUSED_DATA if stop else RESUMED_DATA,
                    "ids": ids,
                },
            )
    return time.perf_counter() - started, len(ids)


def _figure(name: str, run: dict[str, Any], baseline: float, rows: int, expected: int) -> Figure:
    return Figure(
        name,
        run["seconds"],
        "s",
        "aggregate + set-based update + insert, by hand",
        baseline,
        target="<= 3x the baseline",
        max_ratio=3.0,
        extra={
            "campaigns": run["checked"],
            "changed_expected": expected,
            "engine_outcome": run["outcome"],
            "baseline_rows": rows,
            "queries_per_1000": round(run["queries"] / max(run["checked"], 1) * 1000, 2),
            "peak_rss_mb": round(float(run["peak_rss_mb"]), 1),
        },
    )


def mass_change_figures() -> list[Figure]:
    now = dt.datetime.now(dt.UTC)
    later = now + RESUME_AFTER
    run_sweep_process(now)  # settle what the data calls for before the busy day
    picked = _ids(_PICK, {"share": SHARE_PERCENT})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_BUSY_DAY, {"at": now, "ids": picked, "cap": CAP})
        cursor.execute("ANALYZE campaigns_campaign")

    mark = _event_mark()
    stop_run = run_sweep_process(now)
    _put_back(picked, serving=True, mark=mark)
    stop_seconds, stop_rows = _baseline(at=now, stop=True)  # leaves them stopped, as the engine did

    run_sweep_process(now, reset="daily")  # today's reset done, as after the last midnight
    mark = _event_mark()
    resume_run = run_sweep_process(later, reset="daily")
    _put_back(picked, serving=False, mark=mark)
    mark = _event_mark()
    sweep_run = run_sweep_process(later)  # the same resume by the full minute sweep
    _put_back(picked, serving=False, mark=mark)
    resume_seconds, resume_rows = _baseline(at=later, stop=False)

    per_thousand = stop_run["queries"] / max(stop_run["checked"], 1) * 1000
    return [
        _figure(f"mass change: {SHARE_PERCENT}% stop", stop_run, stop_seconds, stop_rows, len(picked)),
        Figure(
            "mass change: queries per 1,000 campaigns",
            per_thousand,
            "queries",
            target="<= 10",
            met=per_thousand <= 10,
            extra={"queries": stop_run["queries"]},
        ),
        _figure(
            "midnight resume: all come back (the daily reset job)",
            resume_run,
            resume_seconds,
            resume_rows,
            len(picked),
        ),
        Figure(
            "the same new day by the full minute sweep (every status-active campaign)",
            sweep_run["seconds"],
            "s",
            "aggregate + set-based update + insert, by hand",
            resume_seconds,
            target="informational",
            extra={"campaigns": sweep_run["checked"], "engine_outcome": sweep_run["outcome"]},
        ),
    ]
