"""Spends that cross something, in process, each beside a raw transaction doing the same
writes: one that exhausts its campaign's daily cap (the pause and its ``campaign.paused``
event), and one that reaches a threshold of it (the alert mark and its
``budget.threshold_reached`` event)."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

from django.db import connection

from bench.measures import PAUSED_DATA, Figure, alternated_rates, raw_dsn, raw_spend_writes

_CROSSING_AMOUNT = "0.37"
# Each picked campaign's daily cap becomes its spend today (brand-local) plus one spend, so
# the next spend of that amount exhausts it: that spend pauses the campaign.
_CAP_AT_NEXT_SPEND = """
UPDATE campaigns_campaign c
SET daily_budget = COALESCE((SELECT d.amount FROM spending_campaigndailyspend d
                             WHERE d.campaign_id = c.id
                               AND d.date = (now() AT TIME ZONE b.timezone)::date), 0) + %s::numeric
FROM brands_brand b WHERE b.id = c.brand_id AND c.id = ANY(%s)
"""


def _put_back(picks: list[tuple[int, int, Decimal | None]], *, serving: bool) -> None:
    """The picked campaigns' daily caps as they were (and, ``serving``, serving again)."""
    state = ", is_active = TRUE, pause_reason = ''" if serving else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE campaigns_campaign c SET daily_budget = p.budget{state}"  # noqa: S608 - fixed text
            " FROM unnest(%s::bigint[], %s::numeric[]) AS p(id, budget) WHERE c.id = p.id",
            [[campaign_id for campaign_id, _, _ in picks], [budget for _, _, budget in picks]],
        )


def _serving_campaigns(count: int, seed: int) -> list[tuple[int, int, Decimal | None]]:
    """``count`` distinct serving campaigns (id, brand id, daily budget), picked at random."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, brand_id, daily_budget FROM campaigns_campaign WHERE status = 'active' AND is_active"
            " ORDER BY id"
        )
        rows = [(int(a), int(b), c) for a, b, c in cursor.fetchall()]
    return random.Random(seed).sample(rows, count)  # noqa: S311 - benchmark sampling


def crossing_spend_figure(count: int) -> Figure:
    """``spend_record`` of spends that each exhaust their campaign's daily cap: the ledger row,
    the rollups, the pause and its ``campaign.paused`` event in one transaction (and the 100%
    threshold's mark and ``budget.threshold_reached`` event: the seeded brands have the default
    thresholds), against a raw transaction doing the same writes (the single spend's, plus the
    campaign's serving state, its event row, and the threshold's mark and event row). The
    picked campaigns are put back afterwards."""
    from core import pgdriver
    from core.actors import Actor
    from events.models import Event
    from spending.services import spend_record

    picks = _serving_campaigns(count * 2, seed=6)
    service_picks, raw_picks = picks[:count], picks[count:]
    ids = [campaign_id for campaign_id, _, _ in picks]
    service_ids = [campaign_id for campaign_id, _, _ in service_picks]
    paused = Event.objects.filter(type="campaign.paused", campaign_id__in=service_ids)
    before = paused.count()
    with connection.cursor() as django_cursor:
        django_cursor.execute(_CAP_AT_NEXT_SPEND, [_CROSSING_AMOUNT, ids])
    actor = Actor.system("bench")

    def service(index: int) -> None:
        campaign_id, _, _ = service_picks[index]
        outcome = spend_record(campaign_id=campaign_id, amount=_CROSSING_AMOUNT, source="bench", actor=actor)
        assert not outcome.campaign_state.is_active, "the crossing spend must pause its campaign"

    raw = pgdriver.connect(raw_dsn())
    with raw.cursor() as cursor:
        cursor.execute("SELECT id, timezone FROM brands_brand")
        zones: dict[int, str] = dict(cursor.fetchall())

    def baseline(index: int) -> None:
        campaign_id, brand_id, _ = raw_picks[index]
        with pgdriver.transaction(raw) as cursor:
            raw_spend_writes(cursor, campaign_id, brand_id, zones[brand_id], _CROSSING_AMOUNT)
            cursor.execute(
                "UPDATE campaigns_campaign SET is_active = FALSE, pause_reason = 'campaign_daily_budget',"
                " updated_at = now() WHERE id = %s",
                [campaign_id],
            )
            cursor.execute(
                "INSERT INTO events_event (type, occurred_at, brand_id, campaign_id, actor_kind, actor_name,"
                " actor_user_id, actor_api_key_id, data, audit, endpoint_id)"
                " VALUES ('campaign.paused', now(), %s, %s, 'system', 'spend', NULL, NULL, %s::jsonb,"
                " FALSE, NULL)",
                [brand_id, campaign_id, PAUSED_DATA],
            )
            _raw_threshold_writes(cursor, campaign_id, brand_id, zones[brand_id], 100)

    service_rate, baseline_rate = alternated_rates(count, service, baseline)
    raw.close()
    written = paused.count() - before
    _put_back(picks, serving=True)
    return Figure(
        "crossing spend (pauses; campaign.paused in its transaction), in process",
        service_rate,
        "spends/s",
        f"raw {pgdriver.in_use()} transaction (the single spend's writes + the pause + its event row"
        " + the 100% threshold's mark and event row)",
        baseline_rate,
        target=">= 0.5x",
        min_ratio=0.5,
        extra={"spends": count, "events_written": written},
    )


# --- A threshold-crossing spend (writes its mark and budget.threshold_reached) ---------------

# Each picked campaign's daily cap becomes twice its spend today plus one spend, so the next
# spend brings it to exactly 50%: that spend reaches the 50% threshold (and no cap).
_HALF_AT_NEXT_SPEND = """
UPDATE campaigns_campaign c
SET daily_budget = 2 * (COALESCE((SELECT d.amount FROM spending_campaigndailyspend d
                                  WHERE d.campaign_id = c.id
                                    AND d.date = (now() AT TIME ZONE b.timezone)::date), 0) + %s::numeric)
FROM brands_brand b WHERE b.id = c.brand_id AND c.id = ANY(%s)
"""
REACHED_DATA = json.dumps(
    {
        "scope": "campaign",
        "period": "daily",
        "threshold": 50,
        "spend": "0.74",
        "budget": "1.48",
        "date": "2026-11-18",
        "currency": "USD",
    }
)


def _raw_threshold_writes(cursor: Any, campaign_id: int, brand_id: int, zone: str, threshold: int) -> None:
    """A threshold alert by hand: its mark, and its event if the mark is new."""
    cursor.execute(
        "INSERT INTO spending_alertmark (owner_kind, owner_id, period, period_start, threshold,"
        " created_at) VALUES ('campaign', %s, 'daily', (now() AT TIME ZONE %s)::date, %s, now())"
        " ON CONFLICT DO NOTHING RETURNING id",
        [campaign_id, zone, threshold],
    )
    if cursor.fetchall():
        cursor.execute(
            "INSERT INTO events_event (type, occurred_at, brand_id, campaign_id, actor_kind,"
            " actor_name, actor_user_id, actor_api_key_id, data, audit, endpoint_id)"
            " VALUES ('budget.threshold_reached', now(), %s, %s, 'system', 'spend', NULL, NULL,"
            " %s::jsonb, FALSE, NULL)",
            [brand_id, campaign_id, REACHED_DATA],
        )


def threshold_spend_figure(count: int) -> Figure:
    """``spend_record`` of spends that each reach 50% of their campaign's daily cap: the
    single spend's writes plus the alert mark (``INSERT ... ON CONFLICT DO NOTHING
    RETURNING``) and the ``budget.threshold_reached`` event, against a raw transaction doing
    the same writes. The picked campaigns' caps are put back afterwards."""
    from core import pgdriver
    from core.actors import Actor
    from events.models import Event
    from spending.services import spend_record

    picks = _serving_campaigns(count * 2, seed=8)
    service_picks, raw_picks = picks[:count], picks[count:]
    ids = [campaign_id for campaign_id, _, _ in picks]
    reached = Event.objects.filter(type="budget.threshold_reached", campaign_id__in=ids)
    before = reached.count()
    with connection.cursor() as django_cursor:
        django_cursor.execute(_HALF_AT_NEXT_SPEND, [_CROSSING_AMOUNT, ids])
    actor = Actor.system("bench")

    def service(index: int) -> None:
        campaign_id, _, _ = service_picks[index]
        spend_record(campaign_id=campaign_id, amount=_CROSSING_AMOUNT, source="bench", actor=actor)

    raw = pgdriver.connect(raw_dsn())
    with raw.cursor() as cursor:
        cursor.execute("SELECT id, timezone FROM brands_brand")
        zones: dict[int, str] = dict(cursor.fetchall())

    def baseline(index: int) -> None:
        campaign_id, brand_id, _ = raw_picks[index]
        with pgdriver.transaction(raw) as cursor:
            raw_spend_writes(cursor, campaign_id, brand_id, zones[brand_id], _CROSSING_AMOUNT)
            _raw_threshold_writes(cursor, campaign_id, brand_id, zones[brand_id], 50)

    service_rate, baseline_rate = alternated_rates(count, service, baseline)
    raw.close()
    written = reached.count() - before
    _put_back(picks, serving=False)
    return Figure(
        "threshold-crossing spend (50% of its cap; mark + budget.threshold_reached), in process",
        service_rate,
        "spends/s",
        f"raw {pgdriver.in_use()} transaction (the single spend's writes + the mark + one event row)",
        baseline_rate,
        target=">= 0.5x",
        min_ratio=0.5,
        extra={"spends": count, "events_written": written},
    )
