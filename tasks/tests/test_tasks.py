"""Task bodies called directly (the end-to-end test runs a real worker)."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError, connections
from django.test import override_settings
from kombu import Connection

from budget_system.celery import app
from campaigns.models import Campaign
from campaigns.rules import Status
from campaigns.services import reconcile
from core import notifications
from core.tests.factories import make_campaign, make_schedule
from events.selectors import endpoint_scope, event_log
from events.services import alert_endpoint_sync
from events.tasks import dispatch_webhooks, nudger
from spending.models import Spend
from spending.services import SpendInput, spend_record
from tasks import services
from tasks import tasks as jobs
from tasks.health import beat_check, beat_heartbeat_age, beat_is_alive, broker_check, broker_ping
from tasks.models import SweepChunk, SweepRun
from tasks.spend_sources import NoSpendSource, SimulatedSpendSource, get_spend_source
from tasks.summary import JobSummary
from tasks.tests.helpers import SERVING_TYPES, mixed_campaigns

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def eager() -> Iterator[None]:
    """Run tasks (and groups) in this process, as a worker would."""
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False
        app.conf.task_eager_propagates = False


def test_enforce_dayparting_pauses_outside_the_window_and_resumes_inside() -> None:
    schedule = make_schedule(([2], "09:00", "17:00"))  # Wednesday
    campaign = make_campaign(dayparting_schedule=schedule)
    plain = make_campaign()

    closed = jobs.enforce_dayparting(at="2026-11-18T17:00:00+00:00")
    opened = jobs.enforce_dayparting(at="2026-11-18T09:00:00+00:00")

    assert closed["checked"] == 1  # only campaigns that have a schedule
    assert closed["paused"] == {"outside_schedule": 1}
    assert opened["resumed"] == 1
    campaign.refresh_from_db()
    plain.refresh_from_db()
    assert campaign.is_active
    assert plain.is_active
    assert set(closed) >= {"checked", "paused", "resumed", "errors"}


def test_enforce_budgets_summary_matches_reconcile(caplog: pytest.LogCaptureFixture) -> None:
    mixed_campaigns(20)
    expected = reconcile(moment=NOON, dry_run=True).as_dict()

    with caplog.at_level("INFO", logger="budget.jobs"):
        summary = jobs.enforce_budgets(at=NOON.isoformat())

    assert {k: summary[k] for k in expected} == expected
    assert summary["paused"] == {"brand_inactive": 4, "campaign_daily_budget": 4, "outside_schedule": 4}
    assert summary["resumed"] == 4
    lines = [r for r in caplog.records if r.getMessage().startswith("job enforce_budgets finished")]
    assert len(lines) == 1
    assert json.loads(lines[0].getMessage().split(": ", 1)[1])["checked"] == 20


def test_a_large_sweep_is_split_into_chunks_with_the_same_result(eager: None) -> None:
    mixed_campaigns(23)
    expected = reconcile(moment=NOON, dry_run=True).as_dict()

    dispatched = jobs.enforce_budgets(at=NOON.isoformat(), chunk_size=5)

    assert dispatched["chunks"] == 5
    run = SweepRun.objects.get(pk=dispatched["run"])
    assert run.finished_at is not None
    summary = run.summary or {}
    assert {k: summary[k] for k in expected} == expected
    assert reconcile(moment=NOON).as_dict()["unchanged"] == 23
    changes = sum(expected["paused"].values()) + expected["resumed"] + expected["reason_changed"]
    assert changes == 18
    assert event_log(types=SERVING_TYPES).count() == changes  # one event per change, none twice


def test_a_failed_chunk_is_retried_alone_without_double_events(eager: None) -> None:
    mixed_campaigns(15)
    expected = reconcile(moment=NOON, dry_run=True).as_dict()
    real = services.sweep_range
    calls: list[int] = []
    first_pks = list(Campaign.objects.order_by("pk").values_list("pk", flat=True)[::5])

    def flaky(**kwargs: Any) -> Any:
        calls.append(kwargs["min_pk"])
        if kwargs["min_pk"] == first_pks[1] and calls.count(first_pks[1]) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    # given: the second chunk hits a transient database error once;
    # when: Celery retries it (autoretry_for transient errors, with backoff; eagerly here)
    app.conf.task_eager_propagates = False
    with mock.patch.object(services, "sweep_range", side_effect=flaky):
        dispatched = jobs.enforce_budgets(at=NOON.isoformat(), chunk_size=5)
    assert OperationalError in getattr(jobs.sweep_chunk, "autoretry_for", ())
    assert getattr(jobs.sweep_chunk, "retry_backoff", None)
    run = SweepRun.objects.get(pk=dispatched["run"])

    # then: only that chunk ran again; the run completes with the in-process result
    assert sorted(calls) == sorted([*first_pks, first_pks[1]])
    run.refresh_from_db()
    assert run.finished_at is not None
    summary = run.summary or {}
    assert {k: summary[k] for k in expected} == expected
    assert event_log(types=SERVING_TYPES).count() == sum(expected["paused"].values()) + expected["resumed"]
    assert reconcile(moment=NOON).as_dict()["unchanged"] == 15


def test_a_redelivered_chunk_is_not_counted_or_run_twice(eager: None) -> None:
    mixed_campaigns(10)
    dispatched = jobs.enforce_budgets(at=NOON.isoformat(), chunk_size=5)
    run = SweepRun.objects.get(pk=dispatched["run"])
    chunk = SweepChunk.objects.get(run=run, index=0)

    again = jobs.sweep_chunk(run.pk, 0, chunk.min_pk, chunk.max_pk)

    assert again is None
    assert SweepChunk.objects.filter(run=run).count() == 2


@pytest.mark.postgres  # a second connection watching while the last chunk finishes
@pytest.mark.django_db(transaction=True)
def test_no_one_sees_a_finished_run_without_its_summary() -> None:
    # given: a run whose first chunk is stored
    run = services.sweep_start(job=services.ENFORCE_BUDGETS, moment=NOON, chunks=2)
    counts = {"checked": 3, "paused": {}, "resumed": 0, "reason_changed": 0, "unchanged": 3, "errors": 0}
    services.sweep_chunk_finish(run=run, index=0, min_pk=1, max_pk=3, result=counts)
    seen: list[tuple[bool, dict[str, Any] | None]] = []

    def watch() -> None:  # what another process sees while the summary is being added up
        try:
            row = SweepRun.objects.get(pk=run.pk)
            seen.append((row.finished_at is not None, row.summary))
        finally:
            connections.close_all()

    merge = JobSummary.merge

    def merge_and_watch(summary: JobSummary, data: dict[str, Any]) -> JobSummary:
        if not seen:
            watcher = threading.Thread(target=watch)
            watcher.start()
            watcher.join(10)
        return merge(summary, data)

    # when: the last chunk finishes the run
    with mock.patch.object(JobSummary, "merge", merge_and_watch):
        final = services.sweep_chunk_finish(run=run, index=1, min_pk=4, max_pk=6, result=counts)

    # then: the watcher saw the run unfinished; now it is finished with the whole summary
    assert final is not None
    assert seen == [(False, None)]
    run.refresh_from_db()
    assert run.finished_at is not None
    assert (run.summary or {})["checked"] == 6


def test_brand_filter_and_dry_run_run_inline_without_chunks(eager: None) -> None:
    mixed_campaigns(10)
    brand_id = Campaign.objects.order_by("pk").values_list("brand_id", flat=True).first()
    assert brand_id is not None

    summary = jobs.enforce_budgets(at=NOON.isoformat(), chunk_size=2, dry_run=True)
    filtered = jobs.enforce_budgets(at=NOON.isoformat(), chunk_size=2, brand_ids=[brand_id], dry_run=True)

    assert "chunks" not in summary
    assert summary["dry_run"] is True
    assert filtered["checked"] == 8
    assert not event_log().exists()
    assert not SweepRun.objects.exists()


def test_parse_moment_rejects_naive_moments() -> None:
    with pytest.raises(ValueError, match="offset"):
        jobs.parse_moment("2026-11-18T12:00:00")


# --- Spend sync ------------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_simulated_spend_is_deterministic_and_idempotent_within_a_slot() -> None:
    campaigns = [make_campaign(daily_budget=Decimal("400.00")) for _ in range(8)]
    source = SimulatedSpendSource(seed=7)

    first = services.spend_sync(moment=NOON, source=source).as_dict()
    again = services.spend_sync(moment=NOON + dt.timedelta(seconds=30), source=source).as_dict()
    fetched = list(SimulatedSpendSource(seed=7).fetch(campaigns=campaigns, moment=NOON))

    assert first["recorded"] == len(fetched) > 0
    assert first["checked"] == 8
    assert again["recorded"] == 0
    assert again["duplicates"] == first["recorded"]
    assert Spend.objects.filter(source="simulated").count() == first["recorded"]
    assert first["amount"] == f"{sum((Decimal(str(i.amount)) for i in fetched), Decimal(0)):.2f}"
    assert [i.amount for i in fetched] == [
        i.amount for i in SimulatedSpendSource(seed=7).fetch(campaigns=campaigns, moment=NOON)
    ]


class _FixedSource:
    """A connector that reports 0.40 per campaign (one class: the documented interface)."""

    name = "fixed"

    def fetch(self, *, campaigns: Sequence[Campaign], moment: dt.datetime) -> Iterator[SpendInput]:
        for campaign in campaigns:
            yield SpendInput(
                campaign_id=campaign.pk, amount="0.40", source=self.name, external_id=f"f{campaign.pk}"
            )


@time_machine.travel(NOON, tick=False)
def test_sync_spend_counts_the_pauses_it_causes() -> None:
    capped = make_campaign(daily_budget=Decimal("0.40"))
    free = make_campaign()

    summary = services.spend_sync(moment=NOON, source=_FixedSource()).as_dict()

    assert (summary["source"], summary["recorded"], summary["amount"]) == ("fixed", 2, "0.80")
    assert summary["paused"] == {"campaign_daily_budget": 1}
    assert not Campaign.objects.get(pk=capped.pk).is_active
    assert Campaign.objects.get(pk=free.pk).is_active


def test_the_default_spend_source_records_nothing() -> None:
    make_campaign()
    assert isinstance(get_spend_source(), NoSpendSource)
    summary = jobs.sync_spend(at=NOON.isoformat())
    assert (summary["source"], summary["recorded"], summary["checked"]) == ("none", 0, 1)
    assert get_spend_source("tasks.spend_sources.SimulatedSpendSource").name == "simulated"
    with pytest.raises(ValueError, match="Unknown SPEND_SOURCE"):
        get_spend_source("bogus")


# --- Heartbeat and health ---------------------------------------------------------------------


def test_heartbeat_age_for_the_health_check() -> None:
    assert beat_heartbeat_age() is None
    assert not beat_is_alive()
    with time_machine.travel(NOON, tick=False):
        jobs.heartbeat()
    assert beat_heartbeat_age(moment=NOON + dt.timedelta(seconds=42)) == dt.timedelta(seconds=42)
    with time_machine.travel(NOON + dt.timedelta(seconds=50), tick=False):
        assert beat_is_alive()
    with time_machine.travel(NOON + dt.timedelta(minutes=10), tick=False):
        assert not beat_is_alive()


def test_health_checks_for_the_api() -> None:
    assert beat_check() == "unknown"
    with time_machine.travel(NOON, tick=False):
        jobs.heartbeat()
        assert beat_check() == "ok"
    with time_machine.travel(NOON + dt.timedelta(minutes=5), tick=False):
        assert beat_check() == "stale: the Beat heartbeat last ran 300s ago"


def test_broker_ping_reports_an_unreachable_broker() -> None:
    with mock.patch.object(app, "connection_for_write", side_effect=ConnectionRefusedError("refused")):
        assert broker_ping() == "ConnectionRefusedError: refused"
        assert broker_check() == "ConnectionRefusedError: refused"


def test_broker_check_on_the_embedded_broker(tmp_path: Any) -> None:
    conn = Connection("filesystem://", transport_options={"data_folder_in": str(tmp_path)})
    with mock.patch.object(app, "connection_for_write", return_value=conn):
        assert broker_check() == "ok"


# --- Serving changes reach the webhooks through the event log ------------------------------------


@time_machine.travel(NOON, tick=False)
@override_settings(ALERT_WEBHOOK_URL="https://hooks.example.com/hook")
def test_a_pause_writes_its_event_and_nudges_the_dispatcher_after_commit(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    endpoint = alert_endpoint_sync(url=settings.ALERT_WEBHOOK_URL)
    campaign = make_campaign(daily_budget=Decimal("5.00"))
    with mock.patch.object(dispatch_webhooks, "apply_async") as nudge:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            spend_record(campaign_id=campaign.pk, amount="5.00")
            # in the spend's transaction: the pause's event, for the ALERT_WEBHOOK_URL endpoint
            [event] = event_log(campaign_id=campaign.pk, types=["campaign.paused"])
            assert event.data["reason"] == "campaign_daily_budget"
            assert endpoint is not None
            assert event_log().filter(endpoint_scope(endpoint).event_filter(endpoint.pk)).count() == 1
        assert nudger.wait_idle()
        assert not nudge.called  # not before commit
        for callback in callbacks:
            callback()
        assert nudger.wait_idle()  # sent from the nudger's thread: the request does not wait

    assert nudge.call_count == 1


@time_machine.travel(NOON, tick=False)
@override_settings(ALERT_WEBHOOK_URL="https://hooks.example.com/hook")
def test_a_broker_outage_never_blocks_the_pause_nor_loses_its_event(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    alert_endpoint_sync(url=settings.ALERT_WEBHOOK_URL)
    campaign = make_campaign(daily_budget=Decimal("5.00"))
    with mock.patch.object(dispatch_webhooks, "apply_async", side_effect=OSError("broker down")) as nudge:
        with django_capture_on_commit_callbacks(execute=True):
            outcome = spend_record(campaign_id=campaign.pk, amount="5.00")
        assert nudger.wait_idle()  # the callbacks ran at the block's end: the nudge was sent

    assert nudge.called
    assert not outcome.campaign_state.is_active
    campaign.refresh_from_db()
    assert campaign.status == Status.ACTIVE
    assert not campaign.is_active
    # the log keeps it: Beat's next dispatcher run delivers it
    assert event_log(campaign_id=campaign.pk, types=["campaign.paused"]).count() == 1


def test_the_old_webhook_task_and_channel_are_gone() -> None:
    assert "tasks.send_alert_webhook" not in app.tasks
    assert notifications.channels(notifications.SERVING_CHANGES) == ["log"]
