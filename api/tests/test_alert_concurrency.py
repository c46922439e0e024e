"""Exactly one ``budget.threshold_reached`` per threshold under 16 concurrent HTTP writers
against gunicorn (production settings, the test database): the brand lock orders the
writers of one brand and the alert marks keep each alert once."""

from __future__ import annotations

import threading
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from rest_framework.authtoken.models import Token

from api.groups import OPS
from core.tests.factories import make_brand, make_campaign
from core.tests.servers import database_url, free_port, gunicorn_command, production_env, serving
from events.selectors import event_log
from spending.models import BrandDailySpend

from .conftest import make_user

WRITERS = 16
SPENDS_PER_WRITER = 5

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.mark.django_db(transaction=True)
def test_16_concurrent_writers_yield_one_event_per_threshold(tmp_path: Path) -> None:
    # given: a brand with a daily cap of 80.00 and two campaigns with caps of their own
    brand = make_brand(name="Race", daily_budget=Decimal("80.00"), alert_thresholds=[10, 50, 80, 100])
    campaigns = [
        make_campaign(brand=brand, name="a", daily_budget=Decimal("30.00")),
        make_campaign(brand=brand, name="b", monthly_budget=Decimal("40.00")),
    ]
    token = Token.objects.create(user=make_user("racer", OPS)).key
    port = free_port()
    command, server = gunicorn_command(port, workers=4)
    env = production_env(
        DATABASE_URL=database_url(),
        COUNTER_FILE=str(tmp_path / "counters.sqlite3"),
        API_THROTTLE_WRITE_RATE="100000/minute",
        **server,
    )
    statuses: list[int] = []
    start = threading.Barrier(WRITERS)

    def writer(index: int) -> None:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        start.wait()
        for step in range(SPENDS_PER_WRITER):
            campaign = campaigns[(index + step) % 2]
            response = session.post(
                f"{url}/api/v1/spends/", json={"campaign": campaign.pk, "amount": "1.00"}, timeout=60
            )
            statuses.append(response.status_code)

    # when: 16 writers send 80 spends of 1.00 at once (every threshold of every cap crossed)
    with serving(command, env, port, tmp_path / "gunicorn.log") as url:
        threads = [threading.Thread(target=writer, args=(index,)) for index in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    # then: every spend recorded, and each threshold of each cap alerted exactly once
    assert Counter(statuses) == {201: WRITERS * SPENDS_PER_WRITER}
    assert BrandDailySpend.objects.get(brand=brand).amount == Decimal("80.00")
    alerts = Counter(
        (e.data["scope"], e.campaign_id, e.data["period"], e.data["threshold"])
        for e in event_log(types=["budget.threshold_reached"])
    )
    a, b = campaigns[0].pk, campaigns[1].pk
    expected: set[tuple[str, int | None, str, int]] = {("brand", None, "daily", t) for t in (10, 50, 80, 100)}
    expected |= {("campaign", a, "daily", t) for t in (10, 50, 80, 100)}  # 40 spent of 30
    expected |= {("campaign", b, "monthly", t) for t in (10, 50, 80, 100)}  # 40 spent of 40
    assert set(alerts) == expected
    assert set(alerts.values()) == {1}
