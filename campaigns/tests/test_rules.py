"""The pure serving rule: each condition alone, precedence, and budget properties."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaigns.rules import (
    REASON_ORDER,
    CampaignSnapshot,
    PauseReason,
    ScheduleSnapshot,
    Status,
    evaluate,
)
from scheduling.windows import Window

MOMENT = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)  # Monday noon UTC
MORNING_ONLY = ScheduleSnapshot(windows=(Window.from_times([0], dt.time(8), dt.time(10)),), timezone="UTC")

SERVING = CampaignSnapshot(
    status=Status.ACTIVE,
    brand_is_active=True,
    brand_daily_budget=Decimal("100.00"),
    brand_monthly_budget=Decimal("1000.00"),
    brand_day_spend=Decimal("10.00"),
    brand_month_spend=Decimal("100.00"),
    daily_budget=Decimal("50.00"),
    monthly_budget=Decimal("500.00"),
    day_spend=Decimal("5.00"),
    month_spend=Decimal("50.00"),
    schedule=None,
)

# Each failing condition, alone.
ALONE: dict[PauseReason, dict[str, object]] = {
    PauseReason.BRAND_INACTIVE: {"brand_is_active": False},
    PauseReason.BRAND_MONTHLY_BUDGET: {"brand_month_spend": Decimal("1000.00")},
    PauseReason.BRAND_DAILY_BUDGET: {"brand_day_spend": Decimal("100.00")},
    PauseReason.CAMPAIGN_MONTHLY_BUDGET: {"month_spend": Decimal("500.00")},
    PauseReason.CAMPAIGN_DAILY_BUDGET: {"day_spend": Decimal("50.00")},
    PauseReason.OUTSIDE_SCHEDULE: {"schedule": MORNING_ONLY},
}


def test_a_campaign_with_every_rule_passing_serves() -> None:
    decision = evaluate(SERVING, MOMENT)
    assert decision.serves
    assert decision.reasons == ()
    assert decision.pause_reason == ""


@pytest.mark.parametrize("status", [s for s in Status if s != Status.ACTIVE])
def test_status_other_than_active_never_serves_and_has_no_reason(status: Status) -> None:
    decision = evaluate(dataclasses.replace(SERVING, status=status), MOMENT)
    assert not decision.serves
    assert decision.pause_reason == ""


@pytest.mark.parametrize(("reason", "change"), ALONE.items(), ids=[r.value for r in ALONE])
def test_each_condition_alone_stops_the_campaign(reason: PauseReason, change: dict[str, object]) -> None:
    decision = evaluate(dataclasses.replace(SERVING, **change), MOMENT)  # type: ignore[arg-type]
    assert not decision.serves
    assert decision.reasons == (reason,)
    assert decision.pause_reason == reason.value


def test_reasons_come_in_precedence_order_and_the_first_is_the_pause_reason() -> None:
    everything: dict[str, object] = {}
    for change in ALONE.values():
        everything.update(change)
    decision = evaluate(dataclasses.replace(SERVING, **everything), MOMENT)  # type: ignore[arg-type]
    assert decision.reasons == REASON_ORDER
    assert decision.pause_reason == "brand_inactive"


def test_spend_equal_to_budget_exhausts_it_and_a_cent_below_does_not() -> None:
    below = dataclasses.replace(SERVING, day_spend=Decimal("49.99"))
    equal = dataclasses.replace(SERVING, day_spend=Decimal("50.00"))
    assert evaluate(below, MOMENT).serves
    assert evaluate(equal, MOMENT).reasons == (PauseReason.CAMPAIGN_DAILY_BUDGET,)


def test_empty_budgets_mean_no_cap() -> None:
    uncapped = dataclasses.replace(
        SERVING,
        brand_daily_budget=None,
        brand_monthly_budget=None,
        daily_budget=None,
        monthly_budget=None,
        brand_day_spend=Decimal("9999999.00"),
        brand_month_spend=Decimal("9999999.00"),
        day_spend=Decimal("9999999.00"),
        month_spend=Decimal("9999999.00"),
    )
    assert evaluate(uncapped, MOMENT).serves


def test_a_zero_budget_is_exhausted_from_the_start() -> None:
    assert not evaluate(
        dataclasses.replace(SERVING, daily_budget=Decimal("0.00"), day_spend=Decimal(0)), MOMENT
    ).serves


money = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
budgets = st.none() | money


@given(
    brand_daily=budgets,
    brand_monthly=budgets,
    daily=budgets,
    monthly=budgets,
    brand_day=money,
    brand_month=money,
    day=money,
    month=money,
    brand_active=st.booleans(),
)
def test_budget_rules_match_their_definition(
    brand_daily: Decimal | None,
    brand_monthly: Decimal | None,
    daily: Decimal | None,
    monthly: Decimal | None,
    brand_day: Decimal,
    brand_month: Decimal,
    day: Decimal,
    month: Decimal,
    brand_active: bool,
) -> None:
    snapshot = CampaignSnapshot(
        status=Status.ACTIVE,
        brand_is_active=brand_active,
        brand_daily_budget=brand_daily,
        brand_monthly_budget=brand_monthly,
        brand_day_spend=brand_day,
        brand_month_spend=brand_month,
        daily_budget=daily,
        monthly_budget=monthly,
        day_spend=day,
        month_spend=month,
    )
    expected = [
        reason
        for reason, fails in (
            (PauseReason.BRAND_INACTIVE, not brand_active),
            (PauseReason.BRAND_MONTHLY_BUDGET, brand_monthly is not None and brand_month >= brand_monthly),
            (PauseReason.BRAND_DAILY_BUDGET, brand_daily is not None and brand_day >= brand_daily),
            (PauseReason.CAMPAIGN_MONTHLY_BUDGET, monthly is not None and month >= monthly),
            (PauseReason.CAMPAIGN_DAILY_BUDGET, daily is not None and day >= daily),
        )
        if fails
    ]
    decision = evaluate(snapshot, MOMENT)
    assert list(decision.reasons) == expected
    assert decision.serves is (not expected)


@given(spend=money, budget=money, extra=money)
def test_more_spend_never_turns_a_stopped_campaign_back_on(
    spend: Decimal, budget: Decimal, extra: Decimal
) -> None:
    before = evaluate(dataclasses.replace(SERVING, day_spend=spend, daily_budget=budget), MOMENT)
    after = evaluate(dataclasses.replace(SERVING, day_spend=spend + extra, daily_budget=budget), MOMENT)
    assert not (after.serves and not before.serves)
