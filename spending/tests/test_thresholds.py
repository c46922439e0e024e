"""Threshold and forecast alert rules (pure): hand-picked edges and properties."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from spending.thresholds import (
    DEFAULT_ALERT_THRESHOLDS,
    crossed_thresholds,
    forecast_due_on_spend,
    forecast_exceeds,
    projection_moved,
    reached_thresholds,
    threshold_reached,
)

D = Decimal


def test_a_jump_crosses_every_threshold_between_at_once() -> None:
    crossed = crossed_thresholds(
        DEFAULT_ALERT_THRESHOLDS, budget=D("100.00"), before=D("40.00"), after=D("120.00")
    )
    assert crossed == [50, 80, 100]


def test_reaching_is_at_or_above_like_exhaustion() -> None:
    budget = D("100.00")
    assert crossed_thresholds([50, 80, 100], budget=budget, before=D("49.99"), after=D("50.00")) == [50]
    assert crossed_thresholds([50, 80, 100], budget=budget, before=D("50.00"), after=D("79.99")) == []
    assert crossed_thresholds([50, 80, 100], budget=budget, before=D("99.99"), after=D("100.00")) == [100]
    assert crossed_thresholds([50, 80, 100], budget=budget, before=D("100.00"), after=D("150.00")) == []


def test_exact_arithmetic_on_awkward_percents() -> None:
    # 33% of 10.00 is exactly 3.30; 33% of 0.10 is 0.033, first reached by 0.04.
    assert threshold_reached(33, budget=D("10.00"), spend=D("3.30"))
    assert not threshold_reached(33, budget=D("10.00"), spend=D("3.29"))
    assert not threshold_reached(33, budget=D("0.10"), spend=D("0.03"))
    assert threshold_reached(33, budget=D("0.10"), spend=D("0.04"))
    # 1% of 29.00 is exactly 0.29 (in floats 0.29 x 100 = 28.999999999999996 < 29).
    assert threshold_reached(1, budget=D("29.00"), spend=D("0.29"))
    # 80% of the largest budget is 7999999999.992: the cent above reaches it, the one below not.
    assert threshold_reached(80, budget=D("9999999999.99"), spend=D("8000000000.00"))
    assert not threshold_reached(80, budget=D("9999999999.99"), spend=D("7999999999.99"))


def test_thresholds_are_sorted_and_unique_and_may_exceed_100() -> None:
    assert crossed_thresholds([100, 50, 50, 120], budget=D("10.00"), before=D("0"), after=D("12.00")) == [
        50,
        100,
        120,
    ]
    assert reached_thresholds([100, 80, 50], budget=D("10.00"), spend=D("8.00")) == [50, 80]


def test_no_budget_and_zero_budget_never_cross() -> None:
    assert crossed_thresholds([50, 80, 100], budget=None, before=D("0"), after=D("1000.00")) == []
    assert reached_thresholds([50, 80, 100], budget=None, spend=D("1000.00")) == []
    # A zero budget is used up from the start: reached before any spend, so never crossed.
    assert reached_thresholds([50, 80, 100], budget=D("0.00"), spend=D("0.00")) == [50, 80, 100]
    assert crossed_thresholds([50, 80, 100], budget=D("0.00"), before=D("0.00"), after=D("5.00")) == []


def test_a_raised_budget_rearms_what_is_no_longer_reached() -> None:
    # 85 of 100 reached 50 and 80; raised to 200 the same 85 is 42.5%: nothing is reached,
    # so 50, 80 and 100 are armed again and the next spend to 100 (50%) crosses 50.
    assert reached_thresholds([50, 80, 100], budget=D("100.00"), spend=D("85.00")) == [50, 80]
    assert reached_thresholds([50, 80, 100], budget=D("200.00"), spend=D("85.00")) == []
    assert crossed_thresholds([50, 80, 100], budget=D("200.00"), before=D("85.00"), after=D("100.00")) == [50]


def test_forecast_rules() -> None:
    budget = D("1000.00")
    assert forecast_exceeds(budget=budget, projected=D("1000.01"))
    assert not forecast_exceeds(budget=budget, projected=D("1000.00"))  # on the budget, not over
    assert not forecast_exceeds(budget=D("0.00"), projected=D("0.00"))
    assert not forecast_exceeds(budget=None, projected=D("1000000.00"))
    # More than 1% of 1000.00 is more than 10.00.
    assert not projection_moved(budget=budget, before=D("995.00"), after=D("1005.00"))
    assert projection_moved(budget=budget, before=D("995.00"), after=D("1005.01"))
    assert projection_moved(budget=budget, before=D("1005.01"), after=D("995.00"))
    assert not projection_moved(budget=None, before=D("0"), after=D("1000.00"))
    assert forecast_due_on_spend(budget=budget, projected_before=D("900.00"), projected_after=D("1100.00"))
    assert not forecast_due_on_spend(
        budget=budget, projected_before=D("1095.00"), projected_after=D("1100.00")
    )
    assert not forecast_due_on_spend(budget=budget, projected_before=D("800.00"), projected_after=D("900.00"))


money_cents = st.integers(min_value=0, max_value=10**8)


@settings(max_examples=300, deadline=None)
@given(
    thresholds=st.lists(st.integers(min_value=1, max_value=250), max_size=6),
    budget=st.none() | money_cents,
    before=money_cents,
    delta=money_cents,
)
def test_crossing_matches_the_first_cent_reaching_each_threshold(
    thresholds: list[int], budget: int | None, before: int, delta: int
) -> None:
    after = before + delta
    expected: list[int] = []
    if budget is not None:
        for threshold in sorted(set(thresholds)):
            # The first whole cent at or above threshold% of the budget (ceiling division).
            first_cent = -(-threshold * budget // 100)
            if before < first_cent <= after:
                expected.append(threshold)
    crossed = crossed_thresholds(
        thresholds,
        budget=None if budget is None else D(budget).scaleb(-2),
        before=D(before).scaleb(-2),
        after=D(after).scaleb(-2),
    )
    assert crossed == expected


@settings(max_examples=200, deadline=None)
@given(
    thresholds=st.lists(st.integers(min_value=1, max_value=150), max_size=5),
    budget=money_cents,
    steps=st.lists(money_cents, min_size=1, max_size=8),
)
def test_however_spend_is_split_each_threshold_is_crossed_once(
    thresholds: list[int], budget: int, steps: list[int]
) -> None:
    total = D(0)
    crossed: list[int] = []
    for step in steps:
        after = total + D(step).scaleb(-2)
        crossed += crossed_thresholds(thresholds, budget=D(budget).scaleb(-2), before=total, after=after)
        total = after
    assert sorted(crossed) == crossed_thresholds(
        thresholds, budget=D(budget).scaleb(-2), before=D(0), after=total
    )
