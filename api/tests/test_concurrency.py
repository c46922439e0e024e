"""Real concurrency over HTTP: threads, each with its own connection, against a live server."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
import requests
import time_machine
from django.db.models import Sum
from pytest_django.live_server_helper import LiveServer
from rest_framework.authtoken.models import Token

from api.groups import INTEGRATION
from core.tests.factories import make_campaign
from events.selectors import event_log
from spending.models import BrandDailySpend, CampaignDailySpend, Spend

from .conftest import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


def _post_concurrently(
    url: str, token: str, bodies: list[dict[str, Any]], headers: list[dict[str, str]]
) -> list[Any]:
    """POST every body at once: each thread has its own HTTP connection and waits at a barrier."""
    barrier = threading.Barrier(len(bodies))

    def post(index: int) -> requests.Response:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Token {token}"
            barrier.wait(timeout=30)
            return session.post(url, json=bodies[index], headers=headers[index], timeout=60)

    with ThreadPoolExecutor(max_workers=len(bodies)) as pool:
        return list(pool.map(post, range(len(bodies))))


@time_machine.travel(NOON, tick=True)
def test_twenty_concurrent_spends_leave_exact_totals_and_one_pause(live_server: LiveServer) -> None:
    campaign = make_campaign(daily_budget=Decimal("100.00"))
    token = Token.objects.create(user=make_user("etl", INTEGRATION)).key
    bodies = [
        {"campaign": campaign.pk, "amount": "10.00", "source": "load", "external_id": f"row-{i}"}
        for i in range(20)
    ]

    responses = _post_concurrently(f"{live_server.url}/api/v1/spends/", token, bodies, [{}] * 20)

    assert [r.status_code for r in responses] == [201] * 20
    assert Spend.objects.count() == 20
    assert Spend.objects.aggregate(total=Sum("amount"))["total"] == Decimal("200.00")
    assert CampaignDailySpend.objects.get(campaign=campaign).amount == Decimal("200.00")
    assert BrandDailySpend.objects.get(brand=campaign.brand).amount == Decimal("200.00")
    assert event_log(campaign_id=campaign.pk, types=["campaign.paused"]).count() == 1
    # The spends are serialized by the brand lock: the 10th reaches 100.00 and every later one
    # sees the campaign paused.
    states = [r.json()["campaign_state"] for r in responses]
    assert sum(1 for state in states if not state["is_active"]) == 11
    assert {state["pause_reason"] for state in states if not state["is_active"]} == {"campaign_daily_budget"}


@time_machine.travel(NOON, tick=True)
def test_one_idempotency_key_sent_ten_times_at_once_writes_once(live_server: LiveServer) -> None:
    campaign = make_campaign()
    token = Token.objects.create(user=make_user("etl", INTEGRATION)).key
    body = {"campaign": campaign.pk, "amount": "7.00"}

    responses = _post_concurrently(
        f"{live_server.url}/api/v1/spends/", token, [body] * 10, [{"Idempotency-Key": "same-request"}] * 10
    )

    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert Spend.objects.count() == 1
    assert CampaignDailySpend.objects.get(campaign=campaign).amount == Decimal("7.00")
