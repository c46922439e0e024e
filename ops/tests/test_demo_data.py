"""``seed_demo_data``: every state an account manager meets, through the services, and reruns
that add nothing."""

from __future__ import annotations

import datetime as dt
import logging
import re
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from core.timeutils import local_date
from events.models import Event
from events.selectors import event_log
from ops.demo_plans import AMBER, EXHAUSTED, GREEN, SCENARIOS, budget_for
from ops.display import usage_level
from ops.selectors import annotated, brands_with_spend, campaigns_with_spend
from scheduling.models import DaypartingSchedule
from spending.models import Spend

# A Wednesday afternoon in UTC, early in the month (little month-to-date history).
MOMENT = dt.datetime(2026, 12, 2, 15, 20, tzinfo=dt.UTC)


def seed(**options: object) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_demo_data", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_round_budgets_keep_each_band() -> None:
    for cents in range(100, 5_000_000, 7919):  # from 1.00
        spend = Decimal(cents) / 100
        assert usage_level(spend, budget_for(spend, GREEN)) == "green", spend
        assert usage_level(spend, budget_for(spend, AMBER)) == "amber", spend
        exhausted = budget_for(spend, EXHAUSTED)
        assert exhausted is not None
        assert exhausted > 0
        assert usage_level(spend, exhausted) == "red", spend
    assert budget_for(Decimal("123.45"), None) is None


@pytest.mark.django_db
@time_machine.travel(MOMENT, tick=False)
def test_default_demo_data_covers_every_state(caplog: pytest.LogCaptureFixture) -> None:
    # when
    with caplog.at_level(logging.INFO):
        out, err = seed()

    # then: a summary line, a progress bar, and no line per serving change
    assert re.search(r"Demo data: 8 brands \(8 new\), 32 campaigns \(32 new\), \d+ spends", out)
    assert f"{len(SCENARIOS)}/{len(SCENARIOS)}" in err
    assert not [r for r in caplog.records if r.name == "budget.alerts" and r.levelno < logging.WARNING]

    # several time zones and currencies, a brand switched off
    brands = list(brands_with_spend(Brand.objects.all(), MOMENT))
    assert len({b.timezone for b in brands}) >= 6
    assert len({b.currency for b in brands}) >= 5
    assert [b.name for b in brands if not b.is_active] == ["Stark Industries"]

    # spend today, and brands under 80%, between 80% and 100%, and exhausted, daily and monthly
    assert all(annotated(b, "today_spend") > 0 for b in brands)
    active = [b for b in brands if b.is_active]
    daily = {usage_level(annotated(b, "today_spend"), b.daily_budget) for b in active}
    monthly = {usage_level(annotated(b, "month_spend"), b.monthly_budget) for b in active}
    assert {"green", "amber", "red"} <= daily
    assert {"green", "amber", "red"} <= monthly

    # campaigns likewise, against their own caps
    campaigns = list(campaigns_with_spend(Campaign.objects.select_related("brand"), MOMENT))
    assert {"green", "amber", "red"} <= {
        usage_level(annotated(c, "today_spend"), c.daily_budget) for c in campaigns
    }
    assert {"green", "amber", "red"} <= {
        usage_level(annotated(c, "month_spend"), c.monthly_budget) for c in campaigns
    }

    # every pause reason, a person's pause, drafts and completed campaigns
    assert {c.pause_reason for c in campaigns if c.pause_reason} == set(PauseReason.values)
    paused = Campaign.objects.get(status=Status.PAUSED)
    assert any(
        "status" in event.data["changes"] and event.actor_kind == "user"
        for event in event_log(campaign_id=paused.pk, types=["campaign.updated"])
    )
    assert {Status.DRAFT, Status.COMPLETED} <= {c.status for c in campaigns}

    # an overnight window, and a campaign outside its schedule
    windows = [w for s in DaypartingSchedule.objects.prefetch_related("windows") for w in s.windows.all()]
    assert any(w.start_time > w.end_time != dt.time(0, 0) for w in windows)
    outside = Campaign.objects.get(name="Night owls")
    assert outside.pause_reason == PauseReason.OUTSIDE_SCHEDULE

    # history: the days before today in each brand's own calendar
    acme = Brand.objects.get(name="Acme")
    dates = set(Spend.objects.filter(brand=acme).values_list("date", flat=True))
    today = local_date(acme.timezone, MOMENT)
    assert min(dates) == today - dt.timedelta(days=30)
    assert max(dates) == today


@pytest.mark.django_db
@time_machine.travel(MOMENT, tick=False)
def test_a_rerun_adds_nothing() -> None:
    def counts() -> list[int]:
        models = (Brand, Campaign, Spend, Event, DaypartingSchedule)
        return [model.objects.count() for model in models]

    seed(brands=3, campaigns=5, days=3)
    before = counts()

    out, _ = seed(brands=3, campaigns=5, days=3)

    assert "3 brands (0 new), 15 campaigns (0 new)" in out
    assert re.search(r"\d+ spends \(0 new\)", out)
    assert counts() == before
    # a fifth campaign beyond the scenario's four is a plain one
    assert Campaign.objects.filter(brand__name="Acme", name="Campaign 5").exists()


@pytest.mark.django_db
def test_a_rerun_the_next_day_adds_that_day_and_keeps_the_bands() -> None:
    with time_machine.travel(MOMENT, tick=False):
        seed(brands=3, days=2)
    acme = Brand.objects.get(name="Acme")
    first = Spend.objects.filter(brand=acme).count()

    with time_machine.travel(MOMENT + dt.timedelta(days=1), tick=False):
        seed(brands=3, days=2)
        brands = {b.name: b for b in brands_with_spend(Brand.objects.all())}

    assert Spend.objects.filter(brand=acme).count() == first + 4  # one more day for each campaign
    assert usage_level(annotated(brands["Globex"], "today_spend"), brands["Globex"].daily_budget) == "amber"
    assert usage_level(annotated(brands["Initech"], "today_spend"), brands["Initech"].daily_budget) == "red"


@pytest.mark.django_db
def test_if_empty_skips_a_database_with_brands() -> None:
    Brand.objects.create(name="Existing")
    out, _ = seed(if_empty=True)
    assert "skipped" in out
    assert Brand.objects.count() == 1


@pytest.mark.django_db
def test_more_brands_than_scenarios_are_generic_ones() -> None:
    seed(brands=len(SCENARIOS) + 2, campaigns=2, days=1)
    assert Brand.objects.filter(name__startswith="Demo Brand ").count() == 2
    assert Campaign.objects.filter(brand__name="Demo Brand 2").count() == 2


@pytest.mark.django_db
@time_machine.travel(MOMENT, tick=False)
def test_the_dashboard_shows_every_band_and_every_pause_reason(admin_client: Client) -> None:
    """Acceptance: after the default seed, the dashboard shows a brand in each colour band and
    every pause reason at least once."""
    seed()

    html = admin_client.get(reverse("ops-dashboard")).content.decode()

    closest = html[html.index('id="ops-closest"') : html.index('id="ops-chart"')]
    for level in ("green", "amber", "red"):
        assert f"ops-bar--{level}" in closest, level
    campaigns = html[html.index('id="ops-campaigns"') : html.index('id="ops-closest"')]
    for reason in PauseReason:
        label = re.escape(str(reason.label))
        match = re.search(rf'<td[^>]*><a href="[^"]+">{label}</a></td>\s*<td>(\d+)</td>', campaigns)
        assert match, reason.label
        assert int(match.group(1)) >= 1, reason.label
