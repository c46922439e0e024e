"""Every management command through call_command: its output, its effect, and --dry-run."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from campaigns.models import Campaign
from campaigns.rules import PauseReason
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.selectors import event_log
from spending.models import Spend
from spending.services import spend_record
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


@time_machine.travel(WEDNESDAY_6PM, tick=False)
def test_budget_status_json_matches_the_api(admin_client: Client) -> None:
    """Acceptance: `budget_status --format json` parses and matches the API's figures."""
    brand = make_brand(
        name="Globex", timezone="Asia/Kolkata", daily_budget=Decimal("100.00"), monthly_budget=Decimal("5000")
    )
    office = make_schedule(([0, 1, 2, 3, 4], "09:00", "17:00"))
    serving = make_campaign(brand=brand, name="Always on", daily_budget=Decimal("50.00"))
    stopped = make_campaign(
        brand=brand, name="Spent", daily_budget=Decimal("10.00"), dayparting_schedule=office
    )
    make_campaign(brand=make_brand(name="Other"), name="Elsewhere")
    call_command("record_spend", str(stopped.pk), "10.00", stdout=StringIO())
    call_command("record_spend", str(serving.pk), "1234.56", "--date", "2026-11-02", stdout=StringIO())
    call_command("record_spend", str(serving.pk), "7.25", stdout=StringIO())

    out = StringIO()
    call_command("budget_status", "--format", "json", brands=["Globex"], stdout=out)
    shown = json.loads(out.getvalue())
    api = admin_client.get(f"/api/v1/brands/{brand.pk}/budget/").json()

    [globex] = shown["brands"]
    assert globex["budget"] == api["brand"]["budget"]
    assert globex["budget"]["monthly_spend"] == "1251.81"
    for key in ("id", "name", "timezone", "currency", "is_active", "daily_budget", "monthly_budget"):
        assert globex[key] == api["brand"][key], key
    fields = ("id", "name", "status", "is_active", "pause_reason", "blocking_reasons", "budget")
    assert [{k: c[k] for k in fields} for c in globex["campaigns"]] == [
        {k: c[k] for k in fields} for c in api["campaigns"]
    ]
    assert globex["campaigns"][1]["blocking_reasons"] == ["campaign_daily_budget", "outside_schedule"]
    assert globex["serving_campaigns"] == 1


@time_machine.travel(WEDNESDAY_6PM, tick=False)
def test_budget_status_csv_has_a_row_per_brand_and_campaign() -> None:
    brand = make_brand(name="Acme", daily_budget=Decimal("5000.00"))
    campaign = make_campaign(brand=brand, name="Launch")
    call_command("record_spend", str(campaign.pk), "1234.50", stdout=StringIO())

    out = StringIO()
    call_command("budget_status", "--format", "csv", stdout=out)
    rows = list(csv.DictReader(StringIO(out.getvalue())))

    assert [(row["brand"], row["campaign"]) for row in rows] == [("Acme", ""), ("Acme", "Launch")]
    assert rows[0]["today"] == "1,234.50"
    assert rows[0]["daily_remaining"] == "3,765.50"
    assert rows[0]["serving"] == "1/1"
    assert (rows[1]["serving"], rows[1]["currency"], rows[1]["daily_budget"]) == ("yes", "USD", "")
    with pytest.raises(CommandError):
        call_command("budget_status", "--format", "xml", stdout=StringIO())


@time_machine.travel(WEDNESDAY_6PM, tick=False)
def test_dry_run_lists_each_campaign_that_would_change_and_why(office_hours_campaign: Campaign) -> None:
    spent = make_campaign(brand=make_brand(name="Globex"), name="Spent", daily_budget=Decimal(0))
    make_campaign(brand=office_hours_campaign.brand, name="Fine")
    err = StringIO()

    [summary] = run("enforce_budgets", dry_run=True, stderr=err)

    assert err.getvalue().splitlines() == [
        f"enforce_budgets: would pause Acme / {office_hours_campaign.name}: Outside dayparting schedule",
        "enforce_budgets: would pause Globex / Spent: Campaign daily budget exhausted",
    ]
    assert summary["paused"] == {"campaign_daily_budget": 1, "outside_schedule": 1}
    assert not event_log().exists()
    quiet = StringIO()
    run("enforce_budgets", stderr=quiet)  # a real run prints the summary only
    assert quiet.getvalue() == ""
    assert not Campaign.objects.get(pk=spent.pk).is_active


@time_machine.travel(WEDNESDAY_6PM, tick=False)
def test_a_reset_dry_run_lists_the_campaigns_a_new_day_would_bring_back() -> None:
    # given: a campaign stopped yesterday by its daily cap (reconciled, state stored)
    spent = make_campaign(brand=make_brand(name="Initech"), name="Yesterday", daily_budget=Decimal("5.00"))
    yesterday = WEDNESDAY_6PM - dt.timedelta(days=1)
    spend_record(campaign_id=spent.pk, amount="5.00", moment=yesterday)
    assert not Campaign.objects.get(pk=spent.pk).is_active
    err = StringIO()

    # when: the daily reset runs as a dry run
    [summary] = run("reset_budgets", "--daily", dry_run=True, stderr=err)

    # then: it names the campaign it would resume, and changes nothing
    assert err.getvalue().splitlines() == [
        "reset_daily_budgets: would resume Initech / Yesterday: every rule passes"
    ]
    assert summary["resumed"] == 1
    assert not Campaign.objects.get(pk=spent.pk).is_active
