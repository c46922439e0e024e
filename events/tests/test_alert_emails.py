"""Alert e-mails (API.md "Alerts", last sentences): a brand's ``alert_emails`` get threshold,
forecast and pause alerts, one message per type and brand per ``ALERT_EMAIL_MIN_INTERVAL``,
driven from the log (``events.alert_emails``). Messages land in the locmem outbox."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from brands.models import Brand
from campaigns.rules import PauseReason
from core.actors import Actor
from core.tests.factories import BrandFactory, CampaignFactory
from events.alert_emails import alert_email_send, alert_emails_dispatch, min_interval
from events.digest import BUDGET_PAUSE_REASONS
from events.models import AlertEmailState
from events.services import event_append
from events.tasks import alert_email_nudger, dispatch_alert_emails, dispatch_webhooks, nudger

T0 = dt.datetime(2026, 11, 21, 18, 0, tzinfo=dt.UTC)
SPEND = Actor.system("spend")
THRESHOLD = "budget.threshold_reached"
FORECAST = "budget.forecast_exceeded"
PAUSED = "campaign.paused"


def threshold(brand: Brand, percent: int = 80, campaign_id: int | None = None) -> None:
    with transaction.atomic():
        event_append(
            type=THRESHOLD,
            actor=SPEND,
            brand_id=brand.pk,
            campaign_id=campaign_id,
            data={
                "scope": "campaign" if campaign_id else "brand",
                "period": "daily",
                "threshold": percent,
                "spend": f"{percent}.00",
                "budget": "100.00",
                "date": "2026-11-21",
            },
        )


def forecast(brand: Brand) -> None:
    with transaction.atomic():
        event_append(
            type=FORECAST,
            actor=Actor.system("forecast_budgets"),
            brand_id=brand.pk,
            data={
                "month": "2026-11",
                "projected_spend": "3400.00",
                "budget": "3000.00",
                "projected_exhaustion": "2026-11-27",
            },
        )


def paused(brand: Brand, campaign_id: int, reason: str = "campaign_daily_budget") -> None:
    with transaction.atomic():
        event_append(
            type=PAUSED,
            actor=SPEND,
            brand_id=brand.pk,
            campaign_id=campaign_id,
            data={"reason": reason, "reasons": [reason]},
        )


def other(brand: Brand, campaign_id: int) -> None:
    with transaction.atomic():
        event_append(
            type="campaign.resumed",
            actor=SPEND,
            brand_id=brand.pk,
            campaign_id=campaign_id,
            data={"reason": None, "reasons": []},
        )


def alerted(**kwargs: Any) -> Brand:
    brand: Brand = BrandFactory(alert_emails=["ops@example.com", "cfo@example.com"], **kwargs)
    return brand


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def html_of(message: mail.EmailMessage) -> str:
    assert isinstance(message, EmailMultiAlternatives)
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return str(html)


# --- The first alert, and the batches after it ----------------------------------------------------


@pytest.mark.django_db
def test_the_first_alert_goes_out_at_the_next_dispatch(clock: time_machine.Traveller) -> None:
    brand = alerted(name="Acme")
    threshold(brand, 80)

    summary = alert_emails_dispatch()

    assert summary.sent == 1
    [message] = mail.outbox
    assert message.to == ["ops@example.com", "cfo@example.com"]
    assert message.subject == "[Budget alert] Acme: 1 budget threshold reached (budget.threshold_reached)"
    assert "80% of the daily budget reached on 2026-11-21 (spend 80.00 of 100.00 USD)" in message.body
    assert message.extra_headers["X-Budget-Event-Type"] == THRESHOLD
    state = AlertEmailState.objects.get(brand=brand, event_type=THRESHOLD)
    assert state.last_sent_at == T0
    assert state.sent_through == state.pending_through > 0
    # nothing new: nothing more
    assert alert_emails_dispatch().sent == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_later_alerts_within_the_interval_wait_and_go_out_together(clock: time_machine.Traveller) -> None:
    brand = alerted(name="Acme")
    campaign = CampaignFactory(brand=brand, name="Winter sale")
    threshold(brand, 50)
    alert_emails_dispatch()
    assert len(mail.outbox) == 1

    clock.shift(dt.timedelta(minutes=1))
    threshold(brand, 80, campaign_id=campaign.pk)
    clock.shift(dt.timedelta(minutes=5))
    threshold(brand, 100, campaign_id=campaign.pk)
    assert alert_emails_dispatch().sent == 0
    clock.shift(dt.timedelta(minutes=8, seconds=59))  # 14:59 after the first message
    assert alert_emails_dispatch().sent == 0
    assert len(mail.outbox) == 1

    clock.shift(dt.timedelta(seconds=1))  # 15 minutes after the first message
    summary = alert_emails_dispatch()

    assert (summary.sent, summary.events) == (1, 2)
    second = mail.outbox[1]
    assert second.subject == "[Budget alert] Acme: 2 budget thresholds reached (budget.threshold_reached)"
    assert "Campaign \u201cWinter sale\u201d: 80% of the daily budget" in second.body
    assert "Campaign \u201cWinter sale\u201d: 100% of the daily budget" in second.body
    assert "50%" not in second.body  # summarised already
    assert "18:01" in second.body  # the brand's local times (UTC)
    assert "18:06" in second.body
    assert alert_emails_dispatch().sent == 0
    # long after the last message, a new alert goes out at once again
    clock.shift(dt.timedelta(hours=2))
    threshold(brand, 100)
    assert alert_emails_dispatch().sent == 1
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_the_interval_is_a_setting(clock: time_machine.Traveller, settings: Any) -> None:
    settings.ALERT_EMAIL_MIN_INTERVAL = 60
    assert min_interval() == dt.timedelta(minutes=1)
    brand = alerted()
    threshold(brand, 50)
    alert_emails_dispatch()
    threshold(brand, 80)
    clock.shift(dt.timedelta(seconds=59))
    assert alert_emails_dispatch().sent == 0
    clock.shift(dt.timedelta(seconds=1))
    assert alert_emails_dispatch().sent == 1
    settings.ALERT_EMAIL_MIN_INTERVAL = dt.timedelta(hours=1)
    assert min_interval() == dt.timedelta(hours=1)


@pytest.mark.django_db
def test_one_message_per_type_and_brand(clock: time_machine.Traveller) -> None:
    acme, globex = alerted(name="Acme"), alerted(name="Globex")
    campaign = CampaignFactory(brand=acme, name="Spring")
    for percent in (50, 80, 100):
        threshold(acme, percent)
    forecast(acme)
    paused(acme, campaign.pk)
    paused(acme, campaign.pk, reason="brand_monthly_budget")
    other(acme, campaign.pk)  # not an alert type: ignored
    threshold(globex, 50)

    summary = alert_emails_dispatch()

    assert summary.sent == 4
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [
        "[Budget alert] Acme: 1 budget forecast exceeded (budget.forecast_exceeded)",
        "[Budget alert] Acme: 2 campaigns paused (campaign.paused)",
        "[Budget alert] Acme: 3 budget thresholds reached (budget.threshold_reached)",
        "[Budget alert] Globex: 1 budget threshold reached (budget.threshold_reached)",
    ]
    pauses = next(message for message in mail.outbox if "paused" in message.subject)
    assert "Campaign \u201cSpring\u201d stopped serving: campaign daily budget" in pauses.body
    assert "brand monthly budget" in pauses.body
    forecasts = next(message for message in mail.outbox if "forecast" in message.subject)
    assert "projected spend 3400.00 exceeds the monthly budget of 3000.00 USD" in forecasts.body
    assert "2026-11-27" in forecasts.body
    assert not AlertEmailState.objects.filter(event_type="campaign.resumed").exists()


@pytest.mark.django_db
def test_a_message_has_a_plain_text_and_an_html_part(clock: time_machine.Traveller) -> None:
    brand = alerted(name="Fish & <Chips>", timezone="America/New_York")
    campaign = CampaignFactory(brand=brand, name="<b>Bold</b>")
    paused(brand, campaign.pk)

    alert_emails_dispatch()

    [message] = mail.outbox
    assert message.content_subtype == "plain"
    assert "Fish & <Chips>" in message.body  # plain text: not escaped
    assert "2026-11-21 13:00" in message.body  # 18:00 UTC in New York
    html = html_of(message)
    assert "<html" in html
    assert "Fish &amp; &lt;Chips&gt;" in html  # HTML: escaped
    assert "&lt;b&gt;Bold&lt;/b&gt;" in html
    assert "<b>Bold</b>" not in html
    assert "campaign daily budget" in html


@pytest.mark.django_db
def test_a_long_batch_lists_the_first_events_and_counts_the_rest(clock: time_machine.Traveller) -> None:
    brand = alerted()
    campaigns = [CampaignFactory(brand=brand) for _ in range(55)]
    for campaign in campaigns:
        paused(brand, campaign.pk)

    alert_emails_dispatch()

    [message] = mail.outbox
    assert "55 campaigns paused" in message.subject
    assert message.body.count("stopped serving") == 50
    assert "... and 5 more" in message.body


# --- What costs nothing, what is never lost ------------------------------------------------------------


@pytest.mark.django_db
def test_nothing_for_brands_without_addresses(clock: time_machine.Traveller) -> None:
    quiet: Brand = BrandFactory(alert_emails=[])
    campaign = CampaignFactory(brand=quiet)
    threshold(quiet)
    forecast(quiet)
    paused(quiet, campaign.pk)

    assert alert_emails_dispatch().as_dict() == dict.fromkeys(
        ("scanned", "sent", "events", "skipped", "failed"), 0
    )
    assert mail.outbox == []
    assert not AlertEmailState.objects.exists()
    # addresses added later: what committed before is not sent, what commits after is
    quiet.alert_emails = ["late@example.com"]
    quiet.save()
    forecast(quiet)
    alert_emails_dispatch()
    [message] = mail.outbox
    assert message.to == ["late@example.com"]
    assert "1 budget forecast exceeded" in message.subject


@pytest.mark.django_db
def test_addresses_removed_before_the_send_advance_the_state_without_a_message(
    clock: time_machine.Traveller,
) -> None:
    brand = alerted()
    threshold(brand)
    alert_emails_dispatch()
    clock.shift(dt.timedelta(minutes=1))
    threshold(brand, 100)
    alert_emails_dispatch()  # scanned: waits for the interval
    Brand.objects.filter(pk=brand.pk).update(alert_emails=[])
    clock.shift(dt.timedelta(minutes=15))

    summary = alert_emails_dispatch()

    assert (summary.sent, summary.skipped) == (0, 1)
    state = AlertEmailState.objects.get(brand=brand)
    assert state.sent_through == state.pending_through
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failed_send_records_nothing_and_the_next_run_sends_it_once(
    clock: time_machine.Traveller,
) -> None:
    brand = alerted()
    threshold(brand)
    with mock.patch.object(EmailMultiAlternatives, "send", side_effect=OSError("SMTP down")):
        summary = alert_emails_dispatch()
    assert (summary.sent, summary.failed) == (0, 1)
    state = AlertEmailState.objects.get(brand=brand)
    assert (state.sent_through, state.last_sent_at) == (0, None)
    threshold(brand, 100)  # meanwhile

    assert alert_emails_dispatch().sent == 1
    assert alert_emails_dispatch().sent == 0

    [message] = mail.outbox
    assert "2 budget thresholds reached" in message.subject


@pytest.mark.django_db
def test_a_state_sent_by_another_run_meanwhile_is_not_sent_again(clock: time_machine.Traveller) -> None:
    brand = alerted()
    threshold(brand)
    alert_emails_dispatch()
    state = AlertEmailState.objects.get(brand=brand)
    summary = alert_emails_dispatch()

    # a run that listed the state as due before another run sent it: re-checked under the lock
    assert alert_email_send(state_id=state.pk, summary=summary) is False
    assert len(mail.outbox) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_committed_out_of_id_order_is_not_skipped() -> None:
    """B inserts first (smaller insertion number) and commits after A was e-mailed."""
    brand = alerted(name="Acme")
    b_inserted, b_may_commit = threading.Event(), threading.Event()

    def transaction_b() -> None:
        try:
            with transaction.atomic():
                event_append(
                    type=FORECAST,
                    actor=SPEND,
                    brand_id=brand.pk,
                    data={
                        "month": "2026-11",
                        "projected_spend": "1",
                        "budget": "0",
                        "projected_exhaustion": None,
                    },
                )
                b_inserted.set()
                b_may_commit.wait(timeout=30)
        finally:
            connection.close()

    with time_machine.travel(T0, tick=False) as clock:
        thread = threading.Thread(target=transaction_b)
        thread.start()
        assert b_inserted.wait(timeout=30)
        threshold(brand)  # A: inserted after B, committed before it
        forecast(brand)
        alert_emails_dispatch()
        assert sorted(message.subject for message in mail.outbox) == [
            "[Budget alert] Acme: 1 budget forecast exceeded (budget.forecast_exceeded)",
            "[Budget alert] Acme: 1 budget threshold reached (budget.threshold_reached)",
        ]
        b_may_commit.set()
        thread.join(timeout=30)
        alert_emails_dispatch()  # B is read now, and waits for the interval
        assert len(mail.outbox) == 2
        clock.shift(min_interval())
        alert_emails_dispatch()

    assert len(mail.outbox) == 3
    assert "1 budget forecast exceeded" in mail.outbox[2].subject
    assert "projected spend 1 exceeds" in mail.outbox[2].body


# --- Queries ---------------------------------------------------------------------------------------


def _world(brands: int, events_each: int, quiet_events: int) -> None:
    for _ in range(brands):
        brand = alerted()
        for percent in range(events_each):
            threshold(brand, percent + 1)
    quiet: Brand = BrandFactory(alert_emails=[])
    for percent in range(quiet_events):
        threshold(quiet, percent + 1)


def _dispatch_queries(brands: int, events_each: int, quiet_events: int) -> int:
    alert_emails_dispatch()  # the scan's cursor exists, as after the first run
    _world(brands, events_each, quiet_events)
    with CaptureQueriesContext(connection) as queries:
        summary = alert_emails_dispatch()
    assert summary.sent == brands
    return len(queries)


# A run: the cursor's row exists (1); positioning (the high-water mark, the index probe,
# then one locked batch: savepoint, lock, number, record, release: 7); the scan (savepoint,
# lock, grouped read, upsert, cursor update, release: 6); the due states (1); then per
# message: savepoint, lock, brand, events with their campaigns and total, update, release
# (6). Independent of the events per message and of brands without addresses.
BASE_QUERIES = 15
PER_MESSAGE = 6


@pytest.mark.django_db
@pytest.mark.parametrize(("brands", "events_each", "quiet_events"), [(1, 1, 0), (1, 20, 30)])
def test_the_dispatcher_costs_the_same_whatever_the_events(
    clock: time_machine.Traveller, brands: int, events_each: int, quiet_events: int
) -> None:
    assert _dispatch_queries(brands, events_each, quiet_events) == BASE_QUERIES + PER_MESSAGE


@pytest.mark.django_db
@pytest.mark.parametrize("brands", [2, 8])
def test_the_dispatcher_costs_a_fixed_number_of_queries_per_message(
    clock: time_machine.Traveller, brands: int
) -> None:
    assert _dispatch_queries(brands, 3, 5) == BASE_QUERIES + PER_MESSAGE * brands


@pytest.mark.django_db
def test_a_run_with_nothing_new_is_cheap(clock: time_machine.Traveller) -> None:
    _world(2, 2, 5)
    alert_emails_dispatch()
    with CaptureQueriesContext(connection) as queries:
        alert_emails_dispatch()
    # the cursor exists, the feed is positioned (high-water mark, probe), the scan sees
    # nothing new (savepoint, lock, release), no state is due
    assert len(queries) == 7


# --- Nudges and the task -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_commit_of_an_alert_event_nudges_the_alert_emails_and_other_types_do_not() -> None:
    brand = alerted()
    campaign = CampaignFactory(brand=brand)
    assert alert_email_nudger.wait_idle()  # a nudge an earlier commit asked for has gone
    with (
        mock.patch.object(dispatch_alert_emails, "apply_async") as nudge,
        mock.patch.object(dispatch_webhooks, "apply_async"),
    ):
        other(brand, campaign.pk)
        assert alert_email_nudger.wait_idle()
        assert nudger.wait_idle()
        assert not nudge.called
        paused(brand, campaign.pk)
        assert alert_email_nudger.wait_idle()
    assert nudge.call_count == 1


@pytest.mark.django_db
def test_the_task_runs_the_dispatcher(clock: time_machine.Traveller) -> None:
    threshold(alerted())
    assert dispatch_alert_emails()["sent"] == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_command_runs_the_dispatcher(clock: time_machine.Traveller) -> None:
    from io import StringIO

    from django.core.management import call_command

    forecast(alerted())
    out = StringIO()
    call_command("dispatch_alert_emails", stdout=out)
    assert '"sent": 1' in out.getvalue()
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_run_stops_at_its_limits_and_the_next_goes_on(clock: time_machine.Traveller) -> None:
    for _ in range(3):
        threshold(alerted())
    assert alert_emails_dispatch(limit=2).sent == 2
    assert alert_emails_dispatch(time_budget=0).sent == 0
    assert alert_emails_dispatch().sent == 1
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_only_pauses_for_a_budget_are_mailed(clock: time_machine.Traveller) -> None:
    """A person's pause and a schedule's edge are routine: no message; a budget's pause is."""
    budget_reasons = [reason.value for reason in PauseReason if reason.value.endswith("_budget")]
    assert sorted(BUDGET_PAUSE_REASONS) == sorted(budget_reasons)
    brand = alerted(name="Routine")
    campaign = CampaignFactory(brand=brand)
    paused(brand, campaign.pk, reason="outside_schedule")
    paused(brand, campaign.pk, reason="")
    alert_emails_dispatch()
    assert mail.outbox == []
    paused(brand, campaign.pk, reason="brand_daily_budget")
    alert_emails_dispatch()
    [message] = mail.outbox
    assert "1 campaign paused" in message.subject
