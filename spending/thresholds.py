"""Threshold and forecast alert rules (pure): which alerts a change of spend calls for.

Exact arithmetic only (``Decimal`` in a context whose precision no amount reaches, with
rounding trapped, and ``Fraction``; never float). Whether an alert was
already written (once per owner, cap, period and threshold; once per brand-month for the
forecast) is the event log's business; these functions only say what is due.

- A threshold ``t`` (an integer percent) is reached when ``spend >= t% x budget``, i.e.
  ``spend x 100 >= t x budget``: the same ``>=`` as a budget being exhausted at
  ``spend == budget``. A change from ``before`` to ``after`` crosses the thresholds
  reached after it and not before it, all at once (40% -> 120% crosses 50, 80 and 100).
- No budget (``None``): nothing is ever reached. A budget of 0 is reached by any spend,
  even none, so a spend never *crosses* it (the budget is used up from the start, and
  the serving rule never lets such an owner serve).
- Forecast: the projection exceeds the budget when ``projected > budget`` (API.md: "when the
  projection first exceeds the monthly budget"; landing exactly on the budget is not over
  it, and a budget of 0 with nothing projected raises nothing). The spend path re-checks it only when the
  projection moved by more than 1% of the budget (``|after - before| x 100 > budget``);
  the periodic job checks it regardless.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Context, Decimal, Inexact, Rounded
from fractions import Fraction

DEFAULT_ALERT_THRESHOLDS: tuple[int, ...] = (50, 80, 100)
FORECAST_MOVE_PERCENT = 1
# Products of money (at most 18 digits) and a percent are exact here; were one not, the
# trap raises rather than round (a threshold is never decided on a rounded product).
_EXACT = Context(prec=60, traps=[Inexact, Rounded])


def threshold_reached(threshold: int, *, budget: Decimal | None, spend: Decimal) -> bool:
    """Whether ``spend`` is at or above ``threshold`` percent of ``budget``."""
    if budget is None:
        return False
    return _EXACT.multiply(spend, 100) >= _EXACT.multiply(budget, threshold)


def reached_thresholds(thresholds: Iterable[int], *, budget: Decimal | None, spend: Decimal) -> list[int]:
    """The thresholds ``spend`` has reached, ascending and without repeats (what a raised
    budget leaves armed is every threshold not in this list)."""
    return [t for t in sorted(set(thresholds)) if threshold_reached(t, budget=budget, spend=spend)]


def crossed_thresholds(
    thresholds: Iterable[int], *, budget: Decimal | None, before: Decimal, after: Decimal
) -> list[int]:
    """The thresholds a change of spend from ``before`` to ``after`` crosses, ascending."""
    if budget is None or after <= before:
        return []
    return [
        t
        for t in sorted(set(thresholds))
        if threshold_reached(t, budget=budget, spend=after)
        and not threshold_reached(t, budget=budget, spend=before)
    ]


def forecast_exceeds(*, budget: Decimal | None, projected: Decimal) -> bool:
    """Whether the projected month-end spend is over the monthly budget."""
    return budget is not None and projected > budget


def projection_moved(*, budget: Decimal | None, before: Decimal, after: Decimal) -> bool:
    """Whether the projection moved by more than ``FORECAST_MOVE_PERCENT`` of the budget."""
    if budget is None:
        return False
    return abs(Fraction(after) - Fraction(before)) * 100 > Fraction(budget) * FORECAST_MOVE_PERCENT


def forecast_due_on_spend(
    *, budget: Decimal | None, projected_before: Decimal, projected_after: Decimal
) -> bool:
    """Whether a spend that moved the projection from ``projected_before`` to
    ``projected_after`` should (if not yet sent this brand-month) write the forecast alert."""
    return projection_moved(budget=budget, before=projected_before, after=projected_after) and (
        forecast_exceeds(budget=budget, projected=projected_after)
    )
