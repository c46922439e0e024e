"""The in-process figures: the sweep, single spend and bulk ingestion, each with its baseline."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figure:
    """One line of the report: a measured value beside its same-run baseline."""

    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    target: str = ""
    # ratio >= min_ratio (higher is better) or ratio <= max_ratio (lower is better)
    min_ratio: float | None = None
    max_ratio: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    met: bool | None = None

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        assert self.baseline is not None
        return self.value / self.baseline

    def judge(self) -> Figure:
        ratio = self.ratio
        if self.met is None and ratio is not None:
            if self.min_ratio is not None:
                self.met = ratio >= self.min_ratio
            elif self.max_ratio is not None:
                self.met = ratio <= self.max_ratio
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.name,
            "value": round(self.value, 3),
            "unit": self.unit,
            "baseline": self.baseline_name,
            "baseline_value": None if self.baseline is None else round(self.baseline, 3),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "target": self.target,
            "met": self.met,
            **({"detail": self.extra} if self.extra else {}),
        }


def raw_dsn() -> str:
    db = settings.DATABASES["default"]
    parts = [f"dbname={db['NAME']}", f"user={db.get('USER') or 'postgres'}"]
    if db.get("HOST"):
        parts.append(f"host={db['HOST']}")
    if db.get("PORT"):
        parts.append(f"port={db['PORT']}")
    if db.get("PASSWORD"):
        parts.append(f"password={db['PASSWORD']}")
    return " ".join(parts)


def _active_campaigns(limit: int, seed: int = 1) -> list[tuple[int, int]]:
    """(campaign id, brand id) pairs of campaigns with status active, picked at random."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.brand_id FROM campaigns_campaign c WHERE c.status = 'active' ORDER BY c.id"
        )
        rows = [(int(a), int(b)) for a, b in cursor.fetchall()]
    rng = random.Random(seed)  # noqa: S311 - benchmark sampling
    return [rng.choice(rows) for _ in range(limit)]


# --- 1. Sweep ------------------------------------------------------------------------------

# The same totals the sweep reads (day, and month-to-date, of every active campaign and of
# every brand, each in its own time zone), computed by PostgreSQL alone in one statement,
# from the same daily and monthly rollups, with the result fetched to the client.
BASELINE_SQL = """
WITH b AS (
    SELECT id, (now() AT TIME ZONE timezone)::date AS today FROM brands_brand
), c AS (
    SELECT c.id, b.today FROM campaigns_campaign c JOIN b ON b.id = c.brand_id WHERE c.status = 'active'
)
SELECT 'c', c.id,
  COALESCE((SELECT d.amount FROM spending_campaigndailyspend d
            WHERE d.campaign_id = c.id AND d.date = c.today), 0),
  COALESCE((SELECT m.amount FROM spending_campaignmonthlyspend m
            WHERE m.campaign_id = c.id AND m.month = date_trunc('month', c.today)::date), 0)
  - COALESCE((SELECT sum(f.amount) FROM spending_campaigndailyspend f
              WHERE f.campaign_id = c.id AND f.date > c.today
                AND f.date < (date_trunc('month', c.today) + interval '1 month')::date), 0)
FROM c
UNION ALL
SELECT 'b', b.id,
  COALESCE((SELECT d.amount FROM spending_branddailyspend d WHERE d.brand_id = b.id AND d.date = b.today), 0),
  COALESCE((SELECT m.amount FROM spending_brandmonthlyspend m
            WHERE m.brand_id = b.id AND m.month = date_trunc('month', b.today)::date), 0)
  - COALESCE((SELECT sum(f.amount) FROM spending_branddailyspend f
              WHERE f.brand_id = b.id AND f.date > b.today
                AND f.date < (date_trunc('month', b.today) + interval '1 month')::date), 0)
FROM b
"""


def run_sweep_process(moment: dt.datetime | None = None, *, reset: str | None = None) -> dict[str, Any]:
    """A whole sweep (or, ``reset``, the daily or monthly reset job) in a process of its own
    (its peak memory is its own), at ``moment``."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "budget_system.settings", "LOG_LEVEL": "WARNING"}
    out = subprocess.run(  # noqa: S603 - this interpreter, a module of this project
        [
            sys.executable,
            "-m",
            "bench.sweep",
            *([moment.isoformat()] if moment else []),
            *(["--reset", reset] if reset else []),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = [line for line in out.stdout.splitlines() if line.startswith("{")][-1]
    result: dict[str, Any] = json.loads(line)
    return result


def sweep_figures() -> list[Figure]:
    settle = run_sweep_process()  # applies what the seeded data calls for
    steady = run_sweep_process()  # the minute-by-minute steady state
    # The baseline gets its best plan: with PostgreSQL's default parallel workers and
    # without them (the app turns them off), best of three each.
    timings = []
    for workers in (2, 0, 2, 0, 2, 0):
        with connection.cursor() as cursor:
            cursor.execute(f"SET max_parallel_workers_per_gather = {workers}")
            started = time.perf_counter()
            cursor.execute(BASELINE_SQL)
            rows = cursor.fetchall()
            timings.append(time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute("RESET max_parallel_workers_per_gather")
    baseline = min(timings)
    checked = max(int(steady["checked"]), 1)
    per_thousand = steady["queries"] / checked * 1000
    return [
        Figure(
            "sweep: wall time",
            steady["seconds"],
            "s",
            "one SQL aggregate of the same totals",
            baseline,
            target="<= 5x the SQL baseline",
            max_ratio=5.0,
            extra={
                "campaigns": steady["checked"],
                "baseline_rows": len(rows),
                "first_pass_seconds": round(settle["seconds"], 3),
                "first_pass_outcome": settle["outcome"],
                "steady_outcome": steady["outcome"],
            },
        ),
        Figure(
            "sweep: queries per 1,000 campaigns",
            per_thousand,
            "queries",
            target="<= 10",
            met=per_thousand <= 10,
            extra={"queries": steady["queries"]},
        ),
        Figure(
            "sweep: peak RSS",
            float(steady["peak_rss_mb"]),
            "MB",
            target="<= 300 MB",
            met=float(steady["peak_rss_mb"]) <= 300,
        ),
    ]


# --- 2. Single spend in process ------------------------------------------------------------


def _rate(count: int, work: Callable[[int], None]) -> float:
    started = time.perf_counter()
    for index in range(count):
        work(index)
    return count / (time.perf_counter() - started)


def raw_spend_writes(cursor: Any, campaign_id: int, brand_id: int, zone: str, amount: str) -> None:
    """A spend's writes by hand, on a raw cursor inside a transaction: the brand lock, the
    brand-local date, the ledger row and the four rollup upserts (the baselines' work)."""
    cursor.execute("SELECT id, timezone FROM brands_brand WHERE id = %s FOR NO KEY UPDATE", [brand_id])
    cursor.execute("SELECT (now() AT TIME ZONE %s)::date", [zone])
    row = cursor.fetchone()
    assert row is not None
    day = row[0]
    cursor.execute(
        "INSERT INTO spending_spend (campaign_id, brand_id, amount, date, description, source,"
        " external_id, created_at, updated_at)"
        " VALUES (%s, %s, %s, %s, '', 'bench-raw', NULL, now(), now())",
        [campaign_id, brand_id, amount, day],
    )
    for table, key, owner, period in (
        ("spending_campaigndailyspend", "campaign_id", campaign_id, "date"),
        ("spending_branddailyspend", "brand_id", brand_id, "date"),
        ("spending_campaignmonthlyspend", "campaign_id", campaign_id, "month"),
        ("spending_brandmonthlyspend", "brand_id", brand_id, "month"),
    ):
        cursor.execute(
            f"INSERT INTO {table} ({key}, {period}, amount)"  # noqa: S608 - fixed names
            f" VALUES (%s, %s, %s) ON CONFLICT ({key}, {period}) DO UPDATE"
            f" SET amount = {table}.amount + excluded.amount",
            [owner, day if period == "date" else day.replace(day=1), amount],
        )


def alternated_rates(
    count: int, service: Callable[[int], None], baseline: Callable[[int], None]
) -> tuple[float, float]:
    """Rates (per second) of ``service`` and ``baseline`` over ``count`` calls each: both
    warmed, then halves alternated so that drift hits both alike."""
    service(0)
    baseline(0)
    half = count // 2
    service_rates = [_rate(half, lambda i: service(i + 1)), 0.0]
    baseline_rates = [_rate(half, lambda i: baseline(i + 1)), 0.0]
    service_rates[1] = _rate(count - half - 1, lambda i: service(half + i + 1))
    baseline_rates[1] = _rate(count - half - 1, lambda i: baseline(half + i + 1))
    return sum(service_rates) / 2, sum(baseline_rates) / 2


def single_spend_figure(count: int) -> Figure:
    from core import pgdriver
    from core.actors import Actor
    from spending.services import spend_record

    picks = _active_campaigns(count * 2, seed=2)
    service_picks, raw_picks = picks[:count], picks[count:]
    actor = Actor.system("bench")

    def service(index: int) -> None:
        campaign_id, _ = service_picks[index]
        spend_record(campaign_id=campaign_id, amount="0.37", source="bench", actor=actor)

    raw = pgdriver.connect(raw_dsn())
    zones: dict[int, str] = {}
    with raw.cursor() as cursor:
        cursor.execute("SELECT id, timezone FROM brands_brand")
        zones = dict(cursor.fetchall())

    def baseline(index: int) -> None:
        campaign_id, brand_id = raw_picks[index]
        with pgdriver.transaction(raw) as cursor:
            raw_spend_writes(cursor, campaign_id, brand_id, zones[brand_id], "0.37")

    service_rate, baseline_rate = alternated_rates(count, service, baseline)
    raw.close()
    return Figure(
        "single spend, in process",
        service_rate,
        "spends/s",
        f"raw {pgdriver.in_use()} transaction (lock, insert, the four rollup upserts)",
        baseline_rate,
        target=">= 0.5x",
        min_ratio=0.5,
        extra={"spends": count},
    )


# The data of the serving events the baselines write (as the engine writes them).
PAUSED_DATA = json.dumps(
    {"reason": "campaign_daily_budget", "reasons": ["campaign_daily_budget"], "previous_reason": None}
)
RESUMED_DATA = json.dumps({"reason": None, "reasons": [], "previous_reason": "campaign_daily_budget"})


# --- 3. Crossing spends: bench/crossing.py ------------------------------------------------


# --- 4. Bulk ingestion in process -----------------------------------------------------------


def bulk_batches(batches: int, size: int, seed: int) -> list[list[tuple[int, int, Decimal]]]:
    picks = _active_campaigns(batches * size, seed=seed)
    rng = random.Random(seed)  # noqa: S311 - benchmark data
    return [
        [(c, b, Decimal(rng.randint(1, 500)) / 100) for c, b in picks[i * size : (i + 1) * size]]
        for i in range(batches)
    ]


def bulk_service_figure(batches: int, size: int) -> Figure:
    from core import pgdriver
    from core.actors import Actor
    from spending.services import SpendInput, spend_record_many

    actor = Actor.system("bench")
    service_data = bulk_batches(batches, size, seed=3)
    copy_data = bulk_batches(batches, size, seed=4)

    started = time.perf_counter()
    for number, batch in enumerate(service_data):
        spend_record_many(
            items=[
                SpendInput(campaign_id=c, amount=a, source="bench-bulk", external_id=f"s{number}-{i}")
                for i, (c, _, a) in enumerate(batch)
            ],
            actor=actor,
        )
    service_rate = batches * size / (time.perf_counter() - started)

    raw = pgdriver.connect(raw_dsn())
    with raw.cursor() as cursor:
        cursor.execute("SELECT id, (now() AT TIME ZONE timezone)::date FROM brands_brand")
        today: dict[int, dt.date] = dict(cursor.fetchall())
    started = time.perf_counter()
    for number, batch in enumerate(copy_data):
        rows = "".join(
            f"{c}\t{b}\t{a}\t{today[b]}\t\tbench-copy\tc{number}-{i}\tnow\tnow\n"
            for i, (c, b, a) in enumerate(batch)
        )
        with pgdriver.transaction(raw) as cursor:
            cursor.execute(
                "SELECT id FROM brands_brand WHERE id = ANY(%s) ORDER BY id FOR NO KEY UPDATE",
                [sorted({b for _, b, _ in batch})],
            )
            pgdriver.copy_in(
                cursor,
                "COPY spending_spend (campaign_id, brand_id, amount, date, description, source, external_id,"
                " created_at, updated_at) FROM STDIN",
                rows,
            )
            for table, key, index, period in (
                ("spending_campaigndailyspend", "campaign_id", 0, "date"),
                ("spending_branddailyspend", "brand_id", 1, "date"),
                ("spending_campaignmonthlyspend", "campaign_id", 0, "month"),
                ("spending_brandmonthlyspend", "brand_id", 1, "month"),
            ):
                cursor.execute(
                    f"INSERT INTO {table} ({key}, {period}, amount)"  # noqa: S608 - fixed names
                    " SELECT k, d, sum(a) FROM unnest(%s::bigint[], %s::date[], %s::numeric[]) AS t(k, d, a)"
                    f" GROUP BY k, d ORDER BY k, d ON CONFLICT ({key}, {period}) DO UPDATE"
                    f" SET amount = {table}.amount + excluded.amount",
                    [
                        [row[index] for row in batch],
                        [
                            today[row[1]] if period == "date" else today[row[1]].replace(day=1)
                            for row in batch
                        ],
                        [row[2] for row in batch],
                    ],
                )
    copy_rate = batches * size / (time.perf_counter() - started)
    raw.close()
    return Figure(
        "bulk ingestion, service",
        service_rate,
        "spends/s",
        "COPY + rollup upsert",
        copy_rate,
        target=">= 0.25x",
        min_ratio=0.25,
        extra={"batches": batches, "batch_size": size},
    )
