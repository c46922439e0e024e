"""The serving rule through the services and the database, with the clock frozen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from brands.models import Brand
from brands.services import brand_update
from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from campaigns.services import (
    campaign_activate,
    campaign_create,
    campaign_pause,
    campaign_update,
    reconcile,
)
from core.actors import Actor
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.selectors import event_log
from scheduling.services import schedule_update
from spending.selectors import get_daily_spend, get_monthly_spend
from spending.services import spend_record

pytestmark = pytest.mark.django_db
UTC = dt.UTC
MONDAY_NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
OPS = Actor(kind=Actor.USER, label="ops")


def state(campaign: Campaign) -> tuple[bool, str]:
    campaign.refresh_from_db()
    return campaign.is_active, campaign.pause_reason


def spend(campaign: Campaign, amount: str, day: dt.date | None = None) -> None:
    spend_record(campaign_id=campaign.pk, amount=amount, date=day)


# --- Each of the seven conditions, alone --------------------------------------------------


@time_machine.travel(MONDAY_NOON, tick=False)
def test_status_must_be_active() -> None:
    brand = make_brand()
    campaign = campaign_create(brand_id=brand.pk, name="c", status=Status.DRAFT, actor=OPS)
    assert state(campaign) == (False, "")
    campaign_activate(campaign_id=campaign.pk, actor=OPS)
    assert state(campaign) == (True, "")


@time_machine.travel(MONDAY_NOON, tick=False)
def test_brand_must_be_active() -> None:
    campaign = make_campaign()
    brand_update(brand_id=campaign.brand_id, is_active=False, actor=OPS)
    assert state(campaign) == (False, PauseReason.BRAND_INACTIVE)
    brand_update(brand_id=campaign.brand_id, is_active=True, actor=OPS)
    assert state(campaign) == (True, "")


@time_machine.travel(MONDAY_NOON, tick=False)
def test_brand_monthly_budget() -> None:
    brand = make_brand(monthly_budget=Decimal("300.00"))
    campaign = make_campaign(brand=brand)
    spend(campaign, "200.00", dt.date(2026, 11, 2))
    assert state(campaign) == (True, "")
    spend(campaign, "100.00")
    assert state(campaign) == (False, PauseReason.BRAND_MONTHLY_BUDGET)


@time_machine.travel(MONDAY_NOON, tick=False)
def test_brand_daily_budget() -> None:
    brand = make_brand(daily_budget=Decimal("100.00"))
    campaign = make_campaign(brand=brand)
    spend(campaign, "99.99")
    assert state(campaign) == (True, "")
    spend(campaign, "0.01")
    assert state(campaign) == (False, PauseReason.BRAND_DAILY_BUDGET)


@time_machine.travel(MONDAY_NOON, tick=False)
def test_campaign_monthly_budget() -> None:
    campaign = make_campaign(monthly_budget=Decimal("80.00"))
    spend(campaign, "79.00", dt.date(2026, 11, 1))
    assert state(campaign) == (True, "")
    spend(campaign, "1.00")
    assert state(campaign) == (False, PauseReason.CAMPAIGN_MONTHLY_BUDGET)


@time_machine.travel(MONDAY_NOON, tick=False)
def test_campaign_daily_budget() -> None:
    campaign = make_campaign(daily_budget=Decimal("20.00"))
    spend(campaign, "25.00")
    assert state(campaign) == (False, PauseReason.CAMPAIGN_DAILY_BUDGET)


@time_machine.travel(MONDAY_NOON, tick=False)
def test_dayparting_schedule() -> None:
    morning = make_schedule(([0], "08:00", "10:00"))
    campaign = make_campaign()
    campaign_update(campaign_id=campaign.pk, dayparting_schedule_id=morning.pk, actor=OPS)
    assert state(campaign) == (False, PauseReason.OUTSIDE_SCHEDULE)
    schedule_update(
        schedule_id=morning.pk,
        windows=[{"days_of_week": [0], "start_time": "11:00", "end_time": "13:00"}],
        actor=OPS,
    )
    assert state(campaign) == (True, "")
    schedule_update(
        schedule_id=morning.pk,
        windows=[{"days_of_week": [1], "start_time": "11:00", "end_time": "13:00"}],
        actor=OPS,
    )
    assert state(campaign) == (False, PauseReason.OUTSIDE_SCHEDULE)
    schedule_update(schedule_id=morning.pk, is_active=False, actor=OPS)
    assert state(campaign) == (True, "")  # an inactive schedule restricts nothing


# --- Precedence, caps and periods -----------------------------------------------------------


@time_machine.travel(MONDAY_NOON, tick=False)
def test_pause_reason_is_the_first_failing_rule_and_follows_changes() -> None:
    brand = make_brand(daily_budget=Decimal("10.00"))
    campaign = make_campaign(brand=brand, daily_budget=Decimal("5.00"))
    spend(campaign, "5.00")
    assert state(campaign) == (False, PauseReason.CAMPAIGN_DAILY_BUDGET)
    spend(campaign, "5.00")
    assert state(campaign) == (False, PauseReason.BRAND_DAILY_BUDGET)
    brand_update(brand_id=brand.pk, daily_budget=None, actor=OPS)
    assert state(campaign) == (False, PauseReason.CAMPAIGN_DAILY_BUDGET)
    campaign_update(campaign_id=campaign.pk, daily_budget="10.01", actor=OPS)
    assert state(campaign) == (True, "")


@time_machine.travel(MONDAY_NOON, tick=False)
def test_brand_caps_stop_all_its_campaigns_and_campaign_caps_only_that_one() -> None:
    brand = make_brand(daily_budget=Decimal("100.00"))
    capped = make_campaign(brand=brand, daily_budget=Decimal("10.00"))
    sibling = make_campaign(brand=brand)
    spend(capped, "10.00")
    assert state(capped) == (False, PauseReason.CAMPAIGN_DAILY_BUDGET)
    assert state(sibling) == (True, "")
    spend(sibling, "90.00")
    assert state(capped) == (False, PauseReason.BRAND_DAILY_BUDGET)
    assert state(sibling) == (False, PauseReason.BRAND_DAILY_BUDGET)


@time_machine.travel(MONDAY_NOON, tick=False)
def test_raising_a_budget_resumes_and_lowering_it_pauses_with_audit_events() -> None:
    campaign = make_campaign(daily_budget=Decimal("10.00"))
    spend(campaign, "10.00")
    assert state(campaign)[0] is False
    campaign_update(campaign_id=campaign.pk, daily_budget="20.00", actor=OPS)
    assert state(campaign) == (True, "")
    campaign_update(campaign_id=campaign.pk, daily_budget="10.00", actor=OPS)
    assert state(campaign) == (False, PauseReason.CAMPAIGN_DAILY_BUDGET)
    events = [e for e in event_log(campaign_id=campaign.pk) if e.type != "budget.threshold_reached"]
    assert [(event.type, event.actor_name) for event in events] == [
        ("campaign.paused", "spend"),
        ("campaign.updated", "ops"),
        ("campaign.resumed", "ops"),
        ("campaign.updated", "ops"),
        ("campaign.paused", "ops"),
    ]
    assert events[0].data["recorded_by"] == {"kind": "system", "name": "api"}
    assert [event.data["changes"] for event in events if event.type == "campaign.updated"] == [
        {"daily_budget": ["10.00", "20.00"]},
        {"daily_budget": ["20.00", "10.00"]},
    ]


def test_yesterdays_and_last_months_spend_do_not_count_today() -> None:
    with time_machine.travel(dt.datetime(2026, 10, 31, 12, 0, tzinfo=UTC), tick=False):
        campaign = make_campaign(daily_budget=Decimal("10.00"), monthly_budget=Decimal("100.00"))
        spend(campaign, "100.00")
        assert state(campaign) == (False, PauseReason.CAMPAIGN_MONTHLY_BUDGET)
    with time_machine.travel(dt.datetime(2026, 11, 1, 0, 1, tzinfo=UTC), tick=False):
        assert get_daily_spend(campaign) == Decimal("0.00")
        assert get_monthly_spend(campaign) == Decimal("0.00")
        reconcile()
        assert state(campaign) == (True, "")
        spend(campaign, "9.00")
    with time_machine.travel(dt.datetime(2026, 11, 2, 0, 1, tzinfo=UTC), tick=False):
        assert get_daily_spend(campaign) == Decimal("0.00")
        assert get_monthly_spend(campaign) == Decimal("9.00")


@pytest.mark.parametrize(
    ("zone", "before_midnight", "after_midnight"),
    [
        # Asia/Kolkata is UTC+05:30: its day turns at 18:30 UTC.
        (
            "Asia/Kolkata",
            dt.datetime(2026, 11, 23, 18, 29, tzinfo=UTC),
            dt.datetime(2026, 11, 23, 18, 30, tzinfo=UTC),
        ),
        # America/Los_Angeles is UTC-08:00 in November: its day turns at 08:00 UTC.
        (
            "America/Los_Angeles",
            dt.datetime(2026, 11, 24, 7, 59, tzinfo=UTC),
            dt.datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        ),
        # New York on the fall-back day (2026-11-01 has 25 hours): it ends at 05:00 UTC on the 2nd.
        (
            "America/New_York",
            dt.datetime(2026, 11, 2, 4, 59, tzinfo=UTC),
            dt.datetime(2026, 11, 2, 5, 0, tzinfo=UTC),
        ),
        # New York on the spring-forward day (2026-03-08 has 23 hours): it ends at 04:00 UTC on the 9th.
        (
            "America/New_York",
            dt.datetime(2026, 3, 9, 3, 59, tzinfo=UTC),
            dt.datetime(2026, 3, 9, 4, 0, tzinfo=UTC),
        ),
    ],
)
def test_a_budget_paused_campaign_resumes_at_its_brands_own_midnight_and_not_before(
    zone: str, before_midnight: dt.datetime, after_midnight: dt.datetime
) -> None:
    brand = make_brand(timezone=zone)
    with time_machine.travel(before_midnight - dt.timedelta(hours=1), tick=False):
        campaign = make_campaign(brand=brand, daily_budget=Decimal("50.00"))
        spend(campaign, "50.00")
        assert state(campaign) == (False, PauseReason.CAMPAIGN_DAILY_BUDGET)
    with time_machine.travel(before_midnight, tick=False):
        assert reconcile().resumed == 0
        assert state(campaign) == (False, PauseReason.CAMPAIGN_DAILY_BUDGET)
    with time_machine.travel(after_midnight, tick=False):
        result = reconcile()
        assert result.resumed == 1
        assert state(campaign) == (True, "")


def test_dst_day_counts_all_25_hours_as_one_local_day() -> None:
    brand = make_brand(timezone="America/New_York", daily_budget=Decimal("100.00"))
    campaign = make_campaign(brand=brand)
    # 00:30 and 23:30 local on 2026-11-01 are 24 hours + 1 apart; both are the same local day.
    with time_machine.travel(dt.datetime(2026, 11, 1, 4, 30, tzinfo=UTC), tick=False):
        spend(campaign, "60.00")
    with time_machine.travel(dt.datetime(2026, 11, 2, 4, 30, tzinfo=UTC), tick=False):
        assert brand.local_today() == dt.date(2026, 11, 1)
        spend(campaign, "40.00")
        assert state(campaign) == (False, PauseReason.BRAND_DAILY_BUDGET)
        assert get_daily_spend(brand) == Decimal("100.00")


# --- A person's pause, and rollovers ----------------------------------------------------


def test_a_person_paused_campaign_stays_paused_through_day_and_month_rollovers() -> None:
    with time_machine.travel(dt.datetime(2026, 11, 30, 12, 0, tzinfo=UTC), tick=False):
        campaign = make_campaign(daily_budget=Decimal("10.00"))
        budget_paused = make_campaign(brand=campaign.brand, daily_budget=Decimal("10.00"))
        spend(campaign, "10.00")
        spend(budget_paused, "10.00")
        campaign_pause(campaign_id=campaign.pk, actor=OPS)
        assert state(campaign) == (False, "")
    for moment in (
        dt.datetime(2026, 11, 30, 23, 59, tzinfo=UTC),
        dt.datetime(2026, 12, 1, 0, 0, tzinfo=UTC),
        dt.datetime(2026, 12, 2, 0, 0, tzinfo=UTC),
    ):
        with time_machine.travel(moment, tick=False):
            reconcile()
            campaign.refresh_from_db()
            assert (campaign.status, campaign.is_active, campaign.pause_reason) == (Status.PAUSED, False, "")
    assert state(budget_paused) == (True, "")


def test_reconcile_never_changes_status() -> None:
    with time_machine.travel(MONDAY_NOON, tick=False):
        statuses = [make_campaign(status=s).status for s in Status]
        reconcile()
        assert sorted(Campaign.objects.values_list("status", flat=True)) == sorted(statuses)


# --- Reconcile: fixed queries per batch, only differences applied ------------------------------


def _bulk_campaigns(count: int, brands: int = 20) -> None:
    brand_rows = Brand.objects.bulk_create(
        Brand(name=f"bulk-{i}", timezone=["UTC", "Asia/Kolkata", "America/New_York"][i % 3])
        for i in range(brands)
    )
    schedule = make_schedule(([0, 1, 2, 3, 4], "09:00", "17:00"))
    Campaign.objects.bulk_create(
        Campaign(
            brand=brand_rows[i % brands],
            name=f"c{i}",
            status=Status.ACTIVE,
            is_active=True,
            daily_budget=Decimal("5.00") if i % 2 else None,
            dayparting_schedule=schedule if i % 3 == 0 else None,
        )
        for i in range(count)
    )


def _queries(**kwargs: object) -> tuple[int, dict[str, object]]:
    with CaptureQueriesContext(connection) as captured:
        result = reconcile(**kwargs)  # type: ignore[arg-type]
    return len(captured.captured_queries), result.as_dict()


@pytest.mark.postgres  # SQLite's bound-parameter limit splits bulk statements into several
@time_machine.travel(dt.datetime(2026, 11, 23, 20, 0, tzinfo=UTC), tick=False)
def test_reconcile_queries_do_not_grow_with_the_number_of_campaigns() -> None:
    _bulk_campaigns(2000)

    queries_2000, first = _queries(batch_size=5000)
    assert first["checked"] == 2000
    # The schedule closed at 17:00 in UTC and New York's 15:00 is inside; Kolkata is outside.
    assert sum(first["paused"].values()) > 0  # type: ignore[attr-defined]

    Campaign.objects.filter(pk__gt=Campaign.objects.order_by("pk").values_list("pk", flat=True)[20]).delete()
    Campaign.objects.update(is_active=True, pause_reason="")
    queries_21, small = _queries(batch_size=5000)
    assert small["checked"] == 21
    assert queries_2000 == queries_21

    # A second pass finds nothing to change and writes nothing.
    queries_again, again = _queries(batch_size=5000)
    assert again["unchanged"] == 21
    assert queries_again < queries_21


@time_machine.travel(dt.datetime(2026, 11, 23, 20, 0, tzinfo=UTC), tick=False)
def test_reconcile_costs_a_fixed_number_of_queries_per_batch() -> None:
    _bulk_campaigns(2000)
    queries_4_batches, result = _queries(batch_size=500, dry_run=True)
    queries_1_batch, _ = _queries(batch_size=2000, dry_run=True)
    assert result["checked"] == 2000
    per_batch = queries_1_batch
    assert queries_4_batches <= 4 * per_batch + 1
    assert per_batch <= 12


@time_machine.travel(MONDAY_NOON, tick=False)
def test_dry_run_reports_but_writes_nothing() -> None:
    campaign = make_campaign(daily_budget=Decimal("0.00"))
    result = reconcile(dry_run=True)
    assert result.paused == {"campaign_daily_budget": 1}
    assert state(campaign) == (True, "")
    assert not event_log().exists()
