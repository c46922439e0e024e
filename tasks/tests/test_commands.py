"""Every management command through call_command: its output, its effect, and --dry-run."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import PauseReason
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.selectors import event_log
from spending.models import Spend
from tasks.models import BrandResetMarker
from tasks.tests.helpers import spent_out_campaign

pytestmark = pytest.mark.django_db
WEDNESDAY_6PM = dt.datetime(2026, 11, 18, 18, 0, tzinfo=dt.UTC)


def run(*args: Any, **options: Any) -> list[dict[str, Any]]:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def _state() -> list[tuple[int, bool, str]]:
    return list(Campaign.objects.order_by("pk").values_list("pk", "is_active", "pause_reason"))


@pytest.fixture
def office_hours_campaign() -> Campaign:
    schedule = make_schedule(([0, 1, 2, 3, 4], "09:00", "17:00"))
    return make_campaign(brand=make_brand(name="Acme"), dayparting_schedule=schedule)


@time_machine.travel(WEDNESDAY_6PM, tick=False)
@pytest.mark.parametrize("command", ["enforce_budgets", "enforce_dayparting"])
def test_enforce_commands_print_the_summary_and_pause(command: str, office_hours_campaign: Campaign) -> None:
    other = make_campaign(daily_budget=Decimal(0))

    dry = run(command, dry_run=True)
    assert _state() == [(office_hours_campaign.pk, True, ""), (other.pk, True, "")]
    assert not event_log().exists()
    [summary] = run(command)

    assert dry[0]["dry_run"] is True
    assert summary["job"] == command
    office_hours_campaign.refresh_from_db()
    assert office_hours_campaign.pause_reason == PauseReason.OUTSIDE_SCHEDULE
    if command == "enforce_budgets":
        assert summary["paused"] == dry[0]["paused"] == {"campaign_daily_budget": 1, "outside_schedule": 1}
        assert summary["checked"] == 2
    else:  # dayparting only looks at campaigns with a schedule
        assert summary["paused"] == dry[0]["paused"] == {"outside_schedule": 1}
        assert summary["checked"] == 1
    assert {"checked", "paused", "resumed", "errors"} <= set(summary)


@time_machine.travel(WEDNESDAY_6PM, tick=False)
def test_enforce_with_brand_filter_by_name_and_id(office_hours_campaign: Campaign) -> None:
    other = make_campaign(daily_budget=Decimal(0))

    [by_name] = run("enforce_budgets", brands=["Acme"])
    [by_id] = run("enforce_budgets", "--brand", str(other.brand_id))

    assert by_name["checked"] == 1
    assert by_name["paused"] == {"outside_schedule": 1}
    assert by_id["paused"] == {"campaign_daily_budget": 1}
    with pytest.raises(CommandError, match="Unknown brand"):
        run("enforce_budgets", brands=["Nobody"])


def test_reset_budgets_daily_monthly_both_and_dry_run() -> None:
    campaign = spent_out_campaign("Asia/Kolkata", dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC))
    after_midnight = "2026-11-30T18:40:00+00:00"  # Dec 1, 00:10 in Kolkata

    dry = run("reset_budgets", "--both", "--dry-run", at=after_midnight)
    assert [s["job"] for s in dry] == ["reset_daily_budgets", "reset_monthly_budgets"]
    assert dry[0]["resumed"] == 1
    assert not BrandResetMarker.objects.exists()
    campaign.refresh_from_db()
    assert not campaign.is_active

    [daily] = run("reset_budgets", "--daily", at=after_midnight)
    [monthly] = run("reset_budgets", "--monthly", "--brand", str(campaign.brand_id), at=after_midnight)
    [again] = run("reset_budgets", "--daily", at=after_midnight)

    assert (daily["brands_reset"], daily["resumed"]) == (1, 1)
    assert (monthly["brands_reset"], monthly["resumed"]) == (1, 0)
    assert (again["brands_reset"], again["checked"]) == (0, 0)
    assert Campaign.objects.get(pk=campaign.pk).is_active
    marker = BrandResetMarker.objects.get(brand=campaign.brand)
    assert (marker.daily_period, marker.monthly_period) == (dt.date(2026, 12, 1), dt.date(2026, 12, 1))
    with pytest.raises(CommandError):
        run("reset_budgets")


@time_machine.travel(WEDNESDAY_6PM, tick=False)
def test_sync_spend_with_the_simulated_source_and_dry_run() -> None:
    for _ in range(12):  # the simulation skips a campaign's slot one time in four
        make_campaign(daily_budget=Decimal("500.00"))

    [dry] = run("sync_spend", source="simulated", dry_run=True)
    assert not Spend.objects.exists()
    [summary] = run("sync_spend", source="simulated")
    [none] = run("sync_spend")

    assert dry["recorded"] == summary["recorded"] == Spend.objects.count() > 0
    assert dry["amount"] == summary["amount"]
    assert (summary["source"], summary["checked"], summary["errors"]) == ("simulated", 12, 0)
    assert (none["source"], none["recorded"]) == ("none", 0)
    with pytest.raises(CommandError, match="Unknown SPEND_SOURCE"):
        run("sync_spend", source="bogus")


@time_machine.travel(WEDNESDAY_6PM, tick=False)
def test_record_spend_records_pauses_and_dry_run_writes_nothing() -> None:
    campaign = make_campaign(name="Launch", daily_budget=Decimal("20.00"))

    [dry] = run("record_spend", str(campaign.pk), "20.00", dry_run=True)
    assert (dry["serving"], dry["pause_reason"], dry["spend"]) == (False, "campaign_daily_budget", None)
    assert not Spend.objects.exists()
    campaign.refresh_from_db()
    assert campaign.is_active

    [first] = run("record_spend", "Launch", "12.50", "--description", "invoice 7", "--date", "2026-11-17")
    [second] = run("record_spend", "Launch", "20", brands=[campaign.brand.name])

    spend = Spend.objects.get(pk=first["spend"])
    assert (spend.amount, spend.date, spend.description) == (
        Decimal("12.50"),
        dt.date(2026, 11, 17),
        "invoice 7",
    )
    assert first["serving"] is True
    assert second["paused"] == {"campaign_daily_budget": 1}
    campaign.refresh_from_db()
    assert campaign.pause_reason == "campaign_daily_budget"
    with pytest.raises(CommandError, match="amount"):
        run("record_spend", str(campaign.pk), "-3")
    with pytest.raises(CommandError, match="Unknown campaign"):
        run("record_spend", "Nope", "1")


@time_machine.travel(WEDNESDAY_6PM, tick=False)
def test_budget_status_prints_a_table_and_changes_nothing() -> None:
    brand = make_brand(name="Globex", timezone="Asia/Kolkata", daily_budget=Decimal("100.00"))
    serving = make_campaign(brand=brand, name="Always on", daily_budget=Decimal("50.00"))
    stopped = make_campaign(brand=brand, name="Spent", daily_budget=Decimal("10.00"))
    call_command("record_spend", str(stopped.pk), "10.00", stdout=StringIO())
    call_command("record_spend", str(serving.pk), "7.25", stdout=StringIO())
    before = _state()

    out = StringIO()
    call_command("budget_status", brands=["Globex"], dry_run=True, stdout=out)
    lines = out.getvalue().splitlines()

    assert lines[0].split()[:4] == ["BRAND", "/", "CAMPAIGN", "STATUS"]
    assert lines[1].startswith("Globex (Asia/Kolkata)")
    assert "1/2" in lines[1]
    assert "17.25" in lines[1]
    assert "82.75" in lines[1]
    always = next(line for line in lines if "Always on" in line).split()
    assert always[2:5] == ["active", "yes", "-"]
    assert always[5:8] == ["7.25", "50.00", "42.75"]
    spent = next(line for line in lines if "Spent" in line).split()
    assert spent[1:4] == ["active", "no", "campaign_daily_budget"]
    assert spent[4:7] == ["10.00", "10.00", "0.00"]
    assert _state() == before


def test_seed_demo_data_creates_brands_campaigns_and_spend() -> None:
    out = StringIO()
    call_command("seed_demo_data", brands=2, campaigns=3, days=2, stdout=out)

    assert "Created 2 brands, 6 campaigns, 12 spends" in out.getvalue()
    assert Brand.objects.count() == 2
    assert Campaign.objects.count() == 6
    assert Spend.objects.count() == 12
    call_command("seed_demo_data", if_empty=True, stdout=out)
    assert Brand.objects.count() == 2
