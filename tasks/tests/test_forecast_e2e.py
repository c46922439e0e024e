"""Issue 15, acceptance 3: with a real worker and Beat, a brand whose run rate exceeds its
monthly budget gets exactly one ``budget.forecast_exceeded``, delivered to a webhook receiver
(signature verified) and to its ``alert_emails`` (the worker's e-mail backend writes files:
its outbox is in another process than the test's ``locmem`` one).

The history is recorded while the brand has no monthly budget, and the budget is then set
without a service, so that no spend and no budget change can write the alert: only the
``check_forecasts`` job that Beat runs can.
"""

from __future__ import annotations

import datetime as dt
import email
from decimal import Decimal
from pathlib import Path

import pytest

from brands.models import Brand
from core.tests.factories import make_brand, make_campaign
from core.timeutils import local_date
from events.alert_emails import alert_emails_dispatch
from events.models import Event
from events.services import webhook_endpoint_create
from events.tests.receiver import Receiver, running
from spending.services import spend_record
from tasks.schedules import periodic_tasks_sync
from tasks.tests.processes import celery_stack, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FORECAST = "budget.forecast_exceeded"
SEPARATOR = "-" * 79


def _messages(folder: Path) -> list[email.message.Message]:
    """Every message the file-based backend wrote (one file per connection, messages
    separated by a line of 79 dashes)."""
    found = []
    for path in sorted(folder.glob("*.log")):
        for chunk in path.read_text().split(f"\n{SEPARATOR}\n"):
            if chunk.strip():
                found.append(email.message_from_string(chunk))
    return found


def _forecast_mails(folder: Path) -> list[email.message.Message]:
    return [message for message in _messages(folder) if FORECAST in str(message["Subject"])]


def test_beat_alerts_once_on_a_brand_projected_over_its_monthly_budget(tmp_path: Path) -> None:
    # given: 100.00 a day for the 7 days before today (a run rate of 100.00 a day)
    brand = make_brand(name="Runaway", timezone="UTC", alert_emails=["ops@example.com"])
    campaign = make_campaign(brand=brand)
    now = dt.datetime.now(dt.UTC)
    today = local_date("UTC", now)
    for days_ago in range(1, 8):
        spend_record(campaign_id=campaign.pk, amount="100.00", date=today - dt.timedelta(days=days_ago))
    # and a monthly budget of 1,000.00, set quietly: the month projects to >= 2,800.00
    Brand.objects.filter(pk=brand.pk).update(
        monthly_budget=Decimal("1000.00"), created_at=now - dt.timedelta(days=30)
    )
    assert not Event.objects.filter(type=FORECAST).exists()
    periodic_tasks_sync()  # the jobs' schedules (a transactional test starts with none)
    # The alert e-mails have run before (their cursor starts at the log's end on a first run)
    alert_emails_dispatch()

    mail = tmp_path / "mail"
    mail.mkdir()
    (tmp_path / "logs").mkdir()
    with (
        running(Receiver()) as receiver,
        celery_stack(
            tmp_path / "logs",
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            EMAIL_FILE_PATH=str(mail),
            WEBHOOK_ALLOW_PRIVATE_URLS="true",
        ) as stack,
    ):
        endpoint = webhook_endpoint_create(url=receiver.url, event_types=[FORECAST])
        receiver.secret = endpoint.secret

        # when: a worker and Beat run (Beat's first tick runs every job once)
        stack.start_worker()
        stack.start("beat", "beat")

        # then: the receiver gets the alert, signed, and the brand's address a message
        arrivals = receiver.wait_for(1, timeout=120)
        body = arrivals[0].body
        assert arrivals[0].verified
        assert body["type"] == FORECAST
        assert body["brand"] == brand.pk
        assert body["data"]["budget"] == "1000.00"
        assert Decimal(body["data"]["projected_spend"]) >= Decimal("2800.00")
        assert body["actor"] == {"kind": "system", "name": "check_forecasts"}
        mails = wait_for(lambda: _forecast_mails(mail), timeout=120, what="the forecast e-mail", stack=stack)
        assert mails[0]["To"] == "ops@example.com"
        assert "Runaway" in str(mails[0]["Subject"])
        parts = {part.get_content_type() for part in mails[0].walk()}
        assert {"text/plain", "text/html"} <= parts

        # when: the job runs again, by hand
        stack.send("tasks.check_forecasts")
        wait_for(
            lambda: stack.log("worker").count("job check_forecasts finished") >= 2,
            timeout=60,
            what="the second check_forecasts run",
            stack=stack,
        )

    # then: still one alert, one delivery, one message
    assert Event.objects.filter(type=FORECAST, brand=brand).count() == 1
    assert len(receiver.delivered()) == 1
    assert len(_forecast_mails(mail)) == 1
