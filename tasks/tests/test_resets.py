"""Daily and monthly resets: per brand, in the brand's time zone, idempotent per period."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from campaigns.services import campaign_pause
from core.actors import Actor
from core.tests.factories import make_campaign, make_schedule
from events.selectors import event_log
from tasks import tasks as jobs
from tasks.models import BrandResetMarker
from tasks.services import RESET_DAILY, RESET_MONTHLY, budgets_reset
from tasks.spend_sources import SimulatedSpendSource
from tasks.tests.helpers import local, serving_events, spent_out_campaign

pytestmark = pytest.mark.django_db


def _reset(kind: Any, moment: dt.datetime) -> dict[str, Any]:
    with time_machine.travel(moment, tick=False):
        return budgets_reset(kind=kind, moment=moment).as_dict()


def test_daily_reset_resumes_after_local_midnight_and_twice_is_once() -> None:
    # given: spent out on Nov 18 in New York, with the day's reset already done
    tz = "America/New_York"
    campaign = spent_out_campaign(tz, local(tz, 2026, 11, 18, 15, 0))
    assert _reset("daily", local(tz, 2026, 11, 18, 15, 0))["resumed"] == 0

    # when: the reset runs just before and just after local midnight, then again
    before = _reset("daily", local(tz, 2026, 11, 18, 23, 59))
    first = _reset("daily", local(tz, 2026, 11, 19, 0, 5))
    second = _reset("daily", local(tz, 2026, 11, 19, 0, 20))

    # then
    assert (before["brands_reset"], before["resumed"]) == (0, 0)
    assert (first["brands_reset"], first["resumed"]) == (1, 1)
    assert (second["brands_reset"], second["checked"], second["resumed"]) == (0, 0, 0)
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason) == (True, "")
    assert serving_events(campaign)[-1] == ("campaign.resumed", RESET_DAILY)
    assert BrandResetMarker.objects.get(brand=campaign.brand).daily_period == dt.date(2026, 11, 19)


def test_a_late_reset_after_a_skipped_midnight_gives_the_same_result_as_on_time() -> None:
    tz = "Europe/Berlin"
    on_time = spent_out_campaign(tz, local(tz, 2026, 11, 17, 12, 0))
    late = spent_out_campaign(tz, local(tz, 2026, 11, 17, 12, 0))
    _reset("daily", local(tz, 2026, 11, 17, 12, 0))

    # the first brand's reset runs on time; the second's workers were down for two midnights
    on_time_result = budgets_reset(
        kind="daily", moment=local(tz, 2026, 11, 18, 0, 5), brand_ids=[on_time.brand_id]
    )
    late_result = budgets_reset(
        kind="daily", moment=local(tz, 2026, 11, 19, 9, 40), brand_ids=[late.brand_id]
    )
    again = budgets_reset(kind="daily", moment=local(tz, 2026, 11, 19, 9, 55))

    assert on_time_result.as_dict()["resumed"] == late_result.as_dict()["resumed"] == 1
    assert again.as_dict()["brands_reset"] == 1  # only the on-time brand's new day (Nov 19)
    assert again.as_dict()["resumed"] == 0
    for campaign in (on_time, late):
        campaign.refresh_from_db()
        assert campaign.is_active
        assert serving_events(campaign) == [
            ("campaign.paused", "spend"),
            ("campaign.resumed", RESET_DAILY),
        ]
        [pause] = event_log(campaign_id=campaign.pk, types=["campaign.paused"])
        assert pause.data["recorded_by"] == {"kind": "system", "name": "api"}


def test_per_brand_local_midnight_in_four_time_zones_including_a_half_hour_offset() -> None:
    # Spent out on Nov 18 local; each brand's day turns at its own midnight:
    # Kolkata (+05:30) at 18:30 UTC on the 18th, UTC at 00:00, New York (-05:00) at 05:00,
    # Sydney (+11:00) at 13:00 UTC on the 18th (its Nov 19).
    zones = {
        "Asia/Kolkata": dt.datetime(2026, 11, 18, 18, 30, tzinfo=dt.UTC),
        "UTC": dt.datetime(2026, 11, 19, 0, 0, tzinfo=dt.UTC),
        "America/New_York": dt.datetime(2026, 11, 19, 5, 0, tzinfo=dt.UTC),
    }
    campaigns = {tz: spent_out_campaign(tz, local(tz, 2026, 11, 18, 9, 0)) for tz in zones}
    sydney = spent_out_campaign("Australia/Sydney", local("Australia/Sydney", 2026, 11, 18, 9, 0))
    _reset("daily", dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC))  # Sydney's Nov 18 has passed

    for tz, midnight in zones.items():
        # one minute before this brand's midnight it stays paused; one minute after it serves
        _reset("daily", midnight - dt.timedelta(minutes=1))
        campaigns[tz].refresh_from_db()
        assert not campaigns[tz].is_active, tz
        _reset("daily", midnight + dt.timedelta(minutes=1))
        campaigns[tz].refresh_from_db()
        assert campaigns[tz].is_active, tz
        later = [t for t, m in zones.items() if m > midnight]
        for other in later:
            campaigns[other].refresh_from_db()
            assert not campaigns[other].is_active, (tz, other)
    sydney.refresh_from_db()
    assert sydney.is_active  # its Nov 19 began at 13:00 UTC on Nov 18


def test_kolkata_half_hour_offset_boundary() -> None:
    tz = "Asia/Kolkata"
    campaign = spent_out_campaign(tz, local(tz, 2026, 11, 18, 20, 0))
    _reset("daily", local(tz, 2026, 11, 18, 20, 0))

    assert _reset("daily", dt.datetime(2026, 11, 18, 18, 29, 59, tzinfo=dt.UTC))["resumed"] == 0
    assert _reset("daily", dt.datetime(2026, 11, 18, 18, 30, tzinfo=dt.UTC))["resumed"] == 1
    campaign.refresh_from_db()
    assert campaign.is_active


def test_monthly_reset_resumes_on_the_first_of_the_local_month_once() -> None:
    tz = "Asia/Kolkata"
    campaign = spent_out_campaign(tz, local(tz, 2026, 11, 30, 22, 0), monthly=True)
    assert campaign.pause_reason == PauseReason.CAMPAIGN_MONTHLY_BUDGET
    _reset("monthly", local(tz, 2026, 11, 30, 22, 0))

    assert _reset("monthly", local(tz, 2026, 11, 30, 23, 59))["resumed"] == 0
    first = _reset("monthly", local(tz, 2026, 12, 1, 0, 1))
    second = _reset("monthly", local(tz, 2026, 12, 1, 0, 16))
    late = _reset("monthly", local(tz, 2026, 12, 3, 11, 0))

    assert (first["brands_reset"], first["resumed"]) == (1, 1)
    assert second["brands_reset"] == late["brands_reset"] == 0
    campaign.refresh_from_db()
    assert campaign.is_active
    assert serving_events(campaign)[-1] == ("campaign.resumed", RESET_MONTHLY)
    assert BrandResetMarker.objects.get(brand=campaign.brand).monthly_period == dt.date(2026, 12, 1)


def test_monthly_reset_late_after_a_skipped_month_start() -> None:
    tz = "America/Los_Angeles"
    campaign = spent_out_campaign(tz, local(tz, 2026, 11, 30, 10, 0), monthly=True)
    _reset("monthly", local(tz, 2026, 11, 30, 10, 0))

    late = _reset("monthly", local(tz, 2026, 12, 2, 6, 0))

    assert (late["brands_reset"], late["resumed"]) == (1, 1)
    campaign.refresh_from_db()
    assert campaign.is_active


def test_dry_run_reset_claims_nothing_and_changes_nothing() -> None:
    tz = "UTC"
    campaign = spent_out_campaign(tz, local(tz, 2026, 11, 18, 12, 0))

    with time_machine.travel(local(tz, 2026, 11, 19, 0, 5), tick=False):
        summary = budgets_reset(kind="daily", moment=local(tz, 2026, 11, 19, 0, 5), dry_run=True)

    assert summary.as_dict()["resumed"] == 1
    assert summary.as_dict()["dry_run"] is True
    campaign.refresh_from_db()
    assert not campaign.is_active
    assert not BrandResetMarker.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["daily", "monthly"])
def test_two_concurrent_resets_reset_each_brand_once(kind: Any) -> None:
    tz = "Asia/Kolkata"
    campaigns = [
        spent_out_campaign(tz, local(tz, 2026, 11, 30, 12, 0), monthly=kind == "monthly") for _ in range(3)
    ]
    _reset(kind, local(tz, 2026, 11, 30, 12, 0))
    moment = local(tz, 2026, 12, 1, 0, 10)
    barrier = threading.Barrier(2)
    results: list[dict[str, Any]] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(budgets_reset(kind=kind, moment=moment).as_dict())
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    with time_machine.travel(moment, tick=False):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert not failures
    assert sum(r["brands_reset"] for r in results) == 3
    assert sum(r["resumed"] for r in results) == 3
    for campaign in campaigns:
        campaign.refresh_from_db()
        assert campaign.is_active
        assert [kind_ for kind_, _ in serving_events(campaign)] == ["campaign.paused", "campaign.resumed"]


@time_machine.travel(dt.datetime(2026, 11, 19, 0, 5, tzinfo=dt.UTC), tick=False)
def test_a_persons_pause_survives_every_job() -> None:
    # given: spent out yesterday, then paused by a person; and a paused one in its window
    campaign = spent_out_campaign("UTC", dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC))
    campaign_pause(campaign_id=campaign.pk, actor=Actor.system("ops"), reason="client asked")
    always = make_schedule(([0, 1, 2, 3, 4, 5, 6], "00:00", "23:59"))
    in_window = make_campaign(dayparting_schedule=always, status=Status.ACTIVE)
    campaign_pause(campaign_id=in_window.pk, actor=Actor.system("ops"))
    paused = [campaign, in_window]
    events_before = {c.pk: serving_events(c) for c in paused}

    # when: every job runs, after midnight and at the start of a month
    for moment in ("2026-11-19T00:05:00+00:00", "2026-12-01T00:05:00+00:00"):
        jobs.enforce_budgets(at=moment)
        jobs.enforce_dayparting(at=moment)
        jobs.reset_daily_budgets(at=moment)
        jobs.reset_monthly_budgets(at=moment)
    from tasks.services import spend_sync

    spend_sync(moment=dt.datetime(2026, 11, 19, 0, 5, tzinfo=dt.UTC), source=SimulatedSpendSource(seed=1))

    # then: still paused by the person, no serving event from any job
    for item in paused:
        item.refresh_from_db()
        assert (item.status, item.is_active, item.pause_reason) == (Status.PAUSED, False, "")
        assert serving_events(item) == events_before[item.pk]
    assert Campaign.objects.filter(status=Status.PAUSED).count() == 2
    assert Decimal(0) == sum(
        (s.amount for s in campaign.spends.filter(source="simulated")), Decimal(0)
    )  # a paused campaign is not synced


def _stopped_brands(count: int, tz: str, moment: dt.datetime) -> list[Campaign]:
    """``count`` brands, each with a campaign spent out for its day, one out for its month
    and one serving."""
    stopped = []
    for _ in range(count):
        daily = spent_out_campaign(tz, moment)
        stopped += [daily, spent_out_campaign(tz, moment, monthly=True, brand=daily.brand)]
        make_campaign(brand=daily.brand)
    return stopped


@pytest.mark.postgres
def test_a_reset_reads_only_what_the_period_stopped_in_constant_queries_per_chunk(
    django_assert_max_num_queries: Any,
) -> None:
    tz = "Asia/Tokyo"
    spent = local(tz, 2026, 11, 18, 15, 0)
    night = local(tz, 2026, 11, 19, 0, 30)

    def queries_of_a_reset(count: int) -> tuple[int, dict[str, Any]]:
        BrandResetMarker.objects.all().delete()
        Campaign.objects.update(status=Status.ARCHIVED, is_active=False, pause_reason="")
        _stopped_brands(count, tz, spent)
        with time_machine.travel(spent, tick=False):
            budgets_reset(kind="daily", moment=spent)  # the day of the spend: claimed
        with CaptureQueriesContext(connection) as captured:
            summary = _reset("daily", night)
        return len(captured.captured_queries), summary

    few, few_summary = queries_of_a_reset(2)
    many, many_summary = queries_of_a_reset(12)

    assert few == many
    # only the campaigns stopped for a daily budget are read; they all come back
    # (the first call's 2 brands, whose campaigns are archived now, are reset too: 14)
    assert (many_summary["checked"], many_summary["resumed"], many_summary["brands_reset"]) == (12, 12, 14)
    assert (few_summary["checked"], few_summary["resumed"]) == (2, 2)
    out_for_the_month = Campaign.objects.filter(status=Status.ACTIVE, is_active=False)
    assert set(out_for_the_month.values_list("pause_reason", flat=True)) == {
        PauseReason.CAMPAIGN_MONTHLY_BUDGET
    }
    assert out_for_the_month.count() == 12


def test_a_chunk_that_fails_is_reset_brand_by_brand(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import DatabaseError

    from campaigns.engine import reconcile as real

    tz = "Europe/Berlin"
    spent = local(tz, 2026, 11, 17, 12, 0)
    campaigns = [spent_out_campaign(tz, spent) for _ in range(3)]
    _reset("daily", spent)
    broken = campaigns[1].brand_id

    def failing(**kwargs: Any) -> Any:
        if broken in kwargs["brand_ids"]:
            raise DatabaseError("simulated failure of one brand")
        return real(**kwargs)

    monkeypatch.setattr("tasks.services.reconcile", failing)
    summary = _reset("daily", local(tz, 2026, 11, 18, 0, 10))

    assert (summary["brands_reset"], summary["resumed"], summary["errors"]) == (2, 2, 1)
    states = {c.pk: Campaign.objects.get(pk=c.pk).is_active for c in campaigns}
    assert states == {campaigns[0].pk: True, campaigns[1].pk: False, campaigns[2].pk: True}
    # the failed brand was not claimed: the next run resets it
    monkeypatch.setattr("tasks.services.reconcile", real)
    again = _reset("daily", local(tz, 2026, 11, 18, 0, 20))
    assert (again["brands_reset"], again["resumed"]) == (1, 1)
