"""Synthetic data at scale, generated inside PostgreSQL (``INSERT ... SELECT generate_series``).

Shape: brands spread over six time zones with daily and monthly caps; campaigns spread
over the brands, most with status active, a third with their own caps, a quarter on a
business-hours schedule; one spend a day per campaign for ``days`` days (ledger and both
rollups). Deterministic: no randomness outside ``hashtext`` of the ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

TIMEZONES = (
    "UTC",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "America/Los_Angeles",
    "Australia/Sydney",
)


@dataclass(frozen=True)
class Scale:
    brands: int
    campaigns: int
    days: int


SCALES = {
    "full": Scale(brands=10_000, campaigns=100_000, days=60),
    "small": Scale(brands=200, campaigns=2_000, days=10),
}


def seed(scale: Scale) -> dict[str, int]:
    with connection.cursor() as cursor:
        brands_sql = (
            "INSERT INTO brands_brand (name, timezone, currency, daily_budget, monthly_budget, is_active,"
            " alert_thresholds, alert_emails, created_at, updated_at)"
            " SELECT 'Bench brand ' || i, (%s::text[])[1 + i %% %s], 'USD',"
            "  CASE WHEN i %% 10 = 0 THEN NULL ELSE 500 + (i %% 7) * 250 END,"
            "  CASE WHEN i %% 10 = 0 THEN NULL ELSE (500 + (i %% 7) * 250) * 28 END,"
            "  i %% 50 <> 0, '[50, 80, 100]'::jsonb, '[]'::jsonb, now(), now()"  # the default thresholds
            " FROM generate_series(1, %s) AS i"
        )
        cursor.execute(brands_sql, [list(TIMEZONES), len(TIMEZONES), scale.brands])
        cursor.execute(
            "INSERT INTO scheduling_daypartingschedule (name, timezone, is_active, created_at, updated_at)"
            " VALUES ('Business hours', '', true, now(), now()) RETURNING id"
        )
        row = cursor.fetchone()
        assert row is not None
        schedule_id = row[0]
        cursor.execute(
            "INSERT INTO scheduling_schedulewindow (schedule_id, days_mask, start_time, end_time)"
            " VALUES (%s, 31, '09:00', '17:00'), (%s, 96, '10:00', '14:00')",
            [schedule_id, schedule_id],
        )
        cursor.execute("SELECT min(id) FROM brands_brand")
        first_brand = cursor.fetchone()
        assert first_brand is not None
        cursor.execute(
            "INSERT INTO campaigns_campaign (brand_id, name, status, is_active, pause_reason, daily_budget,"
            " monthly_budget, dayparting_schedule_id, created_at, updated_at)"
            " SELECT %s + (i %% %s), 'Bench campaign ' || i,"
            "  CASE WHEN i %% 20 = 0 THEN 'paused' WHEN i %% 25 = 0 THEN 'draft' ELSE 'active' END,"
            "  NOT (i %% 20 = 0 OR i %% 25 = 0), '',"
            "  CASE WHEN i %% 3 = 0 THEN 40 + (i %% 5) * 20 ELSE NULL END,"
            "  CASE WHEN i %% 3 = 1 THEN 1500 + (i %% 4) * 250 ELSE NULL END,"
            "  CASE WHEN i %% 4 = 0 THEN %s ELSE NULL END, now(), now()"
            " FROM generate_series(1, %s) AS i",
            [first_brand[0], scale.brands, schedule_id, scale.campaigns],
        )
        # One spend a day per campaign, dated in each brand's own calendar.
        cursor.execute(
            "INSERT INTO spending_spend (campaign_id, brand_id, amount, date, description, source,"
            " external_id, created_at, updated_at)"
            " SELECT c.id, c.brand_id,"
            "  round((abs(hashtext(c.id::text || ':' || d)) %% 6000) / 100.0 + 0.01, 2),"
            "  (now() AT TIME ZONE b.timezone)::date - d, '', 'bench-seed', NULL, now(), now()"
            " FROM campaigns_campaign c JOIN brands_brand b ON b.id = c.brand_id"
            " CROSS JOIN generate_series(1, %s) AS d",
            [scale.days],
        )
        cursor.execute(
            "INSERT INTO spending_campaigndailyspend (campaign_id, date, amount)"
            " SELECT campaign_id, date, sum(amount) FROM spending_spend GROUP BY campaign_id, date"
        )
        cursor.execute(
            "INSERT INTO spending_branddailyspend (brand_id, date, amount)"
            " SELECT brand_id, date, sum(amount) FROM spending_spend GROUP BY brand_id, date"
        )
        for owner in ("campaign", "brand"):
            cursor.execute(
                f"INSERT INTO spending_{owner}monthlyspend ({owner}_id, month, amount)"  # noqa: S608
                f" SELECT {owner}_id, date_trunc('month', date)::date, sum(amount)"
                f" FROM spending_{owner}dailyspend GROUP BY 1, 2"
            )
        cursor.execute("VACUUM ANALYZE" if connection.in_atomic_block is False else "ANALYZE")
        cursor.execute("SELECT count(*) FROM spending_spend")
        spends = cursor.fetchone()
    return {
        "brands": scale.brands,
        "campaigns": scale.campaigns,
        "spends": int(spends[0]) if spends else 0,
    }
