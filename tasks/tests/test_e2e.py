"""End to end: a real Celery worker (and Beat) against Redis and PostgreSQL.

The worker and Beat are subprocesses using the test database and a queue of their own on the
broker (``tasks/tests/processes.py``), so the test can share a Redis with other runs. A
subprocess's clock cannot be frozen, so the
tests either pass an explicit ``at`` moment to the tasks or date the data so that real now
is already past the brand's local midnight.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from campaigns.services import reconcile
from core.tests.factories import make_brand, make_campaign, make_schedule
from core.timeutils import local_date
from events.selectors import event_log
from scheduling.models import DaypartingSchedule
from spending.services import spend_record
from tasks.health import beat_heartbeat_age
from tasks.models import BrandResetMarker, SweepRun
from tasks.schedules import PERIODIC_JOBS
from tasks.tests.helpers import local, serving_events
from tasks.tests.processes import ROOT, Stack, celery_stack, stop, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ALL_TASKS = {job.task for job in PERIODIC_JOBS} | {"tasks.sweep_chunk"}


@pytest.fixture(scope="module")
def stack(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    with django_db_blocker.unblock(), celery_stack(tmp_path_factory.mktemp("celery")) as state:
        state.start_worker()
        yield state


def test_inspect_registered_lists_every_task(stack: Stack) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "budget_system",
            "inspect",
            "registered",
            "-d",
            stack.hostname,
        ],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    listed = set(re.findall(r"\*\s+(\S+)", result.stdout))
    assert listed >= ALL_TASKS, result.stdout


def test_the_worker_resumes_a_budget_paused_campaign_after_the_brand_local_midnight(stack: Stack) -> None:
    # given: spent out in Kolkata (+05:30) on Nov 30 local, the day's reset done
    tz = "Asia/Kolkata"
    brand = make_brand(timezone=tz)
    campaign = make_campaign(brand=brand, daily_budget=Decimal("10.00"))
    with time_machine.travel(local(tz, 2026, 11, 30, 15, 0), tick=False):
        spend_record(campaign_id=campaign.pk, amount="10.00")
    stack.send("tasks.reset_daily_budgets", at=local(tz, 2026, 11, 30, 23, 59).isoformat())
    wait_for(
        lambda: BrandResetMarker.objects.filter(brand=brand, daily_period=dt.date(2026, 11, 30)).exists(),
        timeout=30,
        what="the Nov 30 reset",
        stack=stack,
    )
    assert not Campaign.objects.get(pk=campaign.pk).is_active

    # when: the job runs one minute after the brand's midnight (18:31 UTC)
    stack.send("tasks.reset_daily_budgets", at="2026-11-30T18:31:00+00:00")

    # then
    wait_for(
        lambda: Campaign.objects.get(pk=campaign.pk).is_active,
        timeout=30,
        what="the resume",
        stack=stack,
    )
    assert serving_events(campaign)[-1] == ("campaign.resumed", "reset_daily_budgets")
    assert BrandResetMarker.objects.get(brand=brand).daily_period == dt.date(2026, 12, 1)


def _many_campaigns(count: int) -> None:
    night = make_schedule(([0, 1, 2, 3, 4, 5, 6], "01:00", "02:00"))
    zones = ["UTC", "Asia/Kolkata", "America/New_York", "Australia/Sydney", "Europe/Berlin"]
    brands = [make_brand(timezone=zones[i % len(zones)], is_active=i != 3) for i in range(10)]
    rows = []
    for index in range(count):
        kind = index % 5
        rows.append(
            Campaign(
                brand=brands[index % len(brands)],
                name=f"Bulk {index}",
                status=Status.ACTIVE,
                is_active=kind != 4,
                pause_reason=PauseReason.CAMPAIGN_DAILY_BUDGET if kind == 4 else "",
                daily_budget=Decimal(0) if kind == 1 else None,
                dayparting_schedule=night if kind == 2 else None,
            )
        )
    Campaign.objects.bulk_create(rows, batch_size=1000)
    assert DaypartingSchedule.objects.count() == 1


def test_a_chunked_sweep_over_5000_campaigns_matches_an_in_process_reconcile(stack: Stack) -> None:
    # given
    _many_campaigns(5000)
    at = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
    expected = reconcile(moment=at, dry_run=True).as_dict()
    assert expected["checked"] == 5000
    changes = sum(expected["paused"].values()) + expected["resumed"] + expected["reason_changed"]

    # when: the periodic task splits it into ten chunks that the worker's processes share
    stack.send("tasks.enforce_budgets", at=at.isoformat(), chunk_size=500)

    # then: the same counts, one event per change, and nothing left for reconcile to do
    run = wait_for(
        lambda: SweepRun.objects.filter(finished_at__isnull=False).first(),
        timeout=120,
        what="the chunked sweep",
        stack=stack,
    )
    assert run.chunks_total == 10
    summary = run.summary or {}
    assert {key: summary[key] for key in expected} == expected
    assert event_log().count() == changes
    after = reconcile(moment=at).as_dict()
    assert after["unchanged"] == 5000
    assert "job enforce_budgets finished" in stack.log("worker")


def test_beat_drives_dayparting_and_the_midnight_reset(stack: Stack) -> None:
    # given: a window (UTC) that closed at the start of this minute, on a serving campaign
    now = dt.datetime.now(dt.UTC)
    end = now.replace(second=0, microsecond=0)
    start = end - dt.timedelta(hours=1)
    window = make_schedule(
        ([start.weekday()], start.strftime("%H:%M"), end.strftime("%H:%M")), timezone="UTC"
    )
    closing = make_campaign(dayparting_schedule=window)
    assert closing.is_active
    # and a campaign that spent its daily budget yesterday in Kolkata, paused then, with
    # yesterday's reset done: real now is already past the brand's local midnight
    tz = "Asia/Kolkata"
    brand = make_brand(timezone=tz)
    spent = make_campaign(brand=brand, daily_budget=Decimal("10.00"))
    today = local_date(tz, now)
    yesterday_noon = local(tz, today.year, today.month, today.day, 12) - dt.timedelta(days=1)
    with time_machine.travel(yesterday_noon, tick=False):
        spend_record(campaign_id=spent.pk, amount="10.00")
    assert not Campaign.objects.get(pk=spent.pk).is_active
    BrandResetMarker.objects.create(brand=brand, daily_period=today - dt.timedelta(days=1))

    # when: Beat runs (`celery -A budget_system beat`, no other flags)
    beat = stack.start("beat", "beat")
    try:
        # then: the periodic jobs pause the first and resume the second
        wait_for(
            lambda: not Campaign.objects.get(pk=closing.pk).is_active,
            timeout=60,
            what="the dayparting pause",
            stack=stack,
        )
        wait_for(
            lambda: Campaign.objects.get(pk=spent.pk).is_active,
            timeout=60,
            what="the resume after local midnight",
            stack=stack,
        )
        wait_for(
            lambda: BrandResetMarker.objects.get(brand=brand).daily_period == today,
            timeout=60,
            what="the daily reset of the brand's new day",
            stack=stack,
        )
        wait_for(lambda: beat_heartbeat_age() is not None, timeout=60, what="the heartbeat", stack=stack)
    finally:
        stop(beat)
    assert Campaign.objects.get(pk=closing.pk).pause_reason == PauseReason.OUTSIDE_SCHEDULE
    jobs = {"enforce_dayparting", "enforce_budgets"}
    assert serving_events(closing)[-1][0] == "campaign.paused"
    assert serving_events(closing)[-1][1] in jobs
    assert serving_events(spent)[-1] in {
        ("campaign.resumed", "reset_daily_budgets"),
        ("campaign.resumed", "enforce_budgets"),
    }
    assert Brand.objects.filter(pk=brand.pk).exists()
    assert "Sending due task enforce dayparting" in stack.log("beat")
