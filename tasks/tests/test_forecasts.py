"""Forecast alerts: ``budget.forecast_exceeded`` at most once per brand-month, from the
``check_forecasts`` job and from a spend that moves the projection by more than 1%."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from brands.models import Brand
from brands.services import brand_update
from campaigns.models import Campaign
from core.tests.factories import make_brand, make_campaign
from events.selectors import event_log
from spending.services import spend_record
from tasks.services import forecasts_check
from tasks.tasks import check_forecasts

NOV_1 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC)
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
FORECAST = "budget.forecast_exceeded"

pytestmark = pytest.mark.django_db


def brand_with_history(name: str, daily: str, budget: str = "1000.00", **kwargs: Any) -> Brand:
    """A brand created on Nov 1 that spent ``daily`` on each of Nov 11-17 (run rate ``daily``
    on Nov 18), then given a monthly ``budget``."""
    with time_machine.travel(NOV_1, tick=False):
        brand = make_brand(name=name, **kwargs)
        campaign = make_campaign(brand=brand)
    with time_machine.travel(NOON, tick=False):
        for day in range(11, 18):
            spend_record(campaign_id=campaign.pk, amount=daily, date=dt.date(2026, 11, day))
        brand_update(brand_id=brand.pk, monthly_budget=budget)
    brand.refresh_from_db()
    return brand


def forecasts() -> list[dict[str, Any]]:
    return [e.data for e in event_log(types=[FORECAST])]


@time_machine.travel(NOON, tick=False)
def test_the_job_alerts_once_per_brand_month() -> None:
    over = brand_with_history("Over", "50.00", budget="999.99")  # 350 + 50 today + 12 x 50 = 1000
    brand_with_history("On budget", "50.00")  # 1000 of 1000: on the budget, not over it
    brand_with_history("Under", "40.00")  # 800

    first = forecasts_check(moment=NOON)
    second = forecasts_check(moment=NOON + dt.timedelta(hours=1))

    event = event_log(types=[FORECAST]).get()
    assert (event.brand_id, event.campaign_id, event.actor_name) == (over.pk, None, "check_forecasts")
    assert event.data == {
        "month": "2026-11",
        "projected_spend": "1000.00",
        "budget": "999.99",
        "projected_exhaustion": "2026-11-30",
        "currency": "USD",
    }
    assert (first.extra["forecasts_due"], first.extra["alerts_written"]) == (1, 1)
    assert (second.extra["forecasts_due"], second.extra["alerts_written"]) == (1, 0)


@time_machine.travel(NOON, tick=False)
def test_the_task_and_the_command_run_the_job_and_dry_run_writes_nothing() -> None:
    brand_with_history("Over", "60.00")
    out = StringIO()

    call_command("check_forecasts", "--dry-run", stdout=out)
    assert forecasts() == []
    assert '"forecasts_due": 1' in out.getvalue()

    summary = check_forecasts()
    assert summary["alerts_written"] == 1
    assert len(forecasts()) == 1


def _queries(brands: int) -> int:
    for index in range(brands):
        brand_with_history(f"B{brands}-{index}", "60.00")
    with time_machine.travel(NOON, tick=False), CaptureQueriesContext(connection) as queries:
        summary = forecasts_check(moment=NOON, brand_ids=None)
    assert summary.extra["alerts_written"] == brands
    return len(queries)


@pytest.mark.postgres
def test_the_job_costs_a_constant_number_of_queries_per_batch() -> None:
    small = _queries(2)
    Brand.objects.all().update(monthly_budget=None)  # the first brands out of the next run
    large = _queries(6)

    assert small == large


@time_machine.travel(NOON, tick=False)
def test_a_spend_that_moves_the_projection_past_the_budget_alerts_at_once(
    django_assert_num_queries: Any,
) -> None:
    brand = brand_with_history("Spender", "40.00", alert_thresholds=[])  # projected 800
    campaign = Campaign.objects.get(brand=brand)

    with django_assert_num_queries(4):  # 5.00 x 100 <= 1000: cannot move it by 1%
        spend_record(campaign_id=campaign.pk, amount="5.00")
    with django_assert_num_queries(8):  # the brand, its pacing, the mark, the event
        spend_record(campaign_id=campaign.pk, amount="250.00")  # 1010 projected
    spend_record(campaign_id=campaign.pk, amount="250.00")  # still over: already sent

    event = event_log(types=[FORECAST]).get()
    assert event.actor_name == "spend"
    assert event.data["projected_spend"] == "1015.00"
    assert event.data["projected_exhaustion"] == "2026-11-30"
    # the job finds it sent too
    assert forecasts_check(moment=NOON).extra["alerts_written"] == 0


def test_a_new_month_alerts_again() -> None:
    brand = brand_with_history("Monthly", "60.00")
    with time_machine.travel(NOON, tick=False):
        forecasts_check(moment=NOON)
    december = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)
    campaign = Campaign.objects.get(brand=brand)
    with time_machine.travel(december, tick=False):
        for day in (1, 2):
            spend_record(campaign_id=campaign.pk, amount="300.00", date=dt.date(2026, 12, day))
        forecasts_check(moment=december)

    assert [data["month"] for data in forecasts()] == ["2026-11", "2026-12"]
