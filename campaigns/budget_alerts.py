"""Threshold and forecast alerts (API.md "Alerts"): ``budget.threshold_reached`` and
``budget.forecast_exceeded`` events, each exactly once, in the transaction of the change
that calls for it.

The rules are ``spending.thresholds`` (pure); the exactly-once guard is the marks table
(``spending.marks``): an event is appended only for a mark its insert created. Callers:

- the spend path (``spending.services``, under the brand locks): ``thresholds_on_spend``
  compares the totals before and after the write and returns the marks and events of what
  was crossed as one unsent write (``spending.marks.MarkedEvents``), which the spend path
  sends in the same round trip as the pause's statements (no query of its own), and
  ``forecast_on_spend`` re-projects a brand's month only for a spend that may move the
  projection by more than 1% of the monthly budget (two queries then);
- a change of budgets or thresholds (``brands.services``, ``campaigns.services``, under the
  brand lock): ``thresholds_rearm`` deletes the marks of the current periods above the new
  usage (a raised budget re-arms them) and writes what is now reached and not yet marked
  (a lowered budget or threshold alerts at once, the changer as actor);
- the forecast job (``tasks.services.forecasts_check``): ``forecasts_write``.

It lives in the campaigns app's services layer because ``campaign_update`` re-arms
campaign caps and ``spending.services`` already calls the campaigns engine (the apps'
layers form no cycle). An event's ``date`` is its period's first day: the local day of a
daily cap, the first day of the local month of a monthly one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from brands.models import Brand
from campaigns.models import Campaign
from core.actors import Actor
from core.money import ZERO, to_money
from core.timeutils import local_date, month_start
from events.services import NewEvent, event_append_many, events_prepare
from events.types import EventType
from spending import store
from spending.marks import MarkedEvents, MarkKey, RearmBound, marks_insert, marks_rearm
from spending.pacing import RUN_RATE_DAYS, PacingInputs, compute_pacing
from spending.pacing_inputs import pacing_inputs
from spending.store import Owner, Totals
from spending.thresholds import crossed_thresholds, forecast_due_on_spend, forecast_exceeds

DAILY = "daily"
MONTHLY = "monthly"
FORECAST = "forecast"
_MAX_BOUND = 32767  # above any threshold (the marks' smallint)


@dataclass(frozen=True, slots=True)
class Reached:
    """One threshold of one owner's cap reached in a period: a mark and its event."""

    owner: Owner
    owner_id: int
    brand_id: int
    campaign_id: int | None
    period: str  # daily / monthly
    period_start: dt.date
    threshold: int
    spend: Decimal
    budget: Decimal
    currency: str

    @property
    def key(self) -> MarkKey:
        return MarkKey(self.owner.value, self.owner_id, self.period, self.period_start, self.threshold)

    def event(self, extra: Mapping[str, Any]) -> NewEvent:
        data = {
            "scope": self.owner.value,
            "period": self.period,
            "threshold": self.threshold,
            "spend": str(to_money(self.spend)),
            "budget": str(to_money(self.budget)),
            "date": self.period_start.isoformat(),
            "currency": self.currency,
            **extra,
        }
        return NewEvent(EventType.BUDGET_THRESHOLD_REACHED, data, self.brand_id, self.campaign_id)


def _caps(owner: Brand | Campaign, today: dt.date) -> tuple[tuple[str, Decimal | None, dt.date, int], ...]:
    """(period, budget, period start, index into the totals) of an owner's two caps."""
    return (
        (DAILY, owner.daily_budget, today, 0),
        (MONTHLY, owner.monthly_budget, month_start(today), 1),
    )


def _identity(owner: Brand | Campaign) -> tuple[Owner, int | None]:
    return (Owner.CAMPAIGN, owner.pk) if isinstance(owner, Campaign) else (Owner.BRAND, None)


def crossings(
    owner: Brand | Campaign, brand: Brand, *, today: dt.date, before: Totals, after: Totals
) -> list[Reached]:
    """The thresholds of ``brand`` a change of ``owner``'s totals from ``before`` to
    ``after`` crosses, per cap (pure)."""
    kind, campaign_id = _identity(owner)
    found = []
    for period, budget, start, index in _caps(owner, today):
        if budget is None:
            continue
        for threshold in crossed_thresholds(
            brand.alert_thresholds, budget=budget, before=before[index], after=after[index]
        ):
            found.append(
                Reached(
                    kind,
                    owner.pk,
                    brand.pk,
                    campaign_id,
                    period,
                    start,
                    threshold,
                    after[index],
                    budget,
                    brand.currency,
                )
            )
    return found


def _bound(budget: Decimal | None, spend: Decimal) -> int:
    """The largest percent ``spend`` has reached of ``budget`` (0 without a cap)."""
    if budget is None or spend <= 0:
        return 0
    if budget == 0:
        return _MAX_BOUND
    return min(_MAX_BOUND, int(Fraction(spend) * 100 // Fraction(budget)))


def standing(
    owner: Brand | Campaign, brand: Brand, *, today: dt.date, totals: Totals
) -> tuple[list[Reached], list[RearmBound]]:
    """What ``owner``'s current totals reach (pure): the thresholds reached now (nothing
    while nothing was spent), and per cap the bound above which marks are re-armed."""
    kind, campaign_id = _identity(owner)
    reached: list[Reached] = []
    bounds: list[RearmBound] = []
    for period, budget, start, index in _caps(owner, today):
        bound = _bound(budget, totals[index])
        bounds.append(RearmBound(kind.value, owner.pk, period, start, bound))
        if budget is None or totals[index] <= 0:
            continue
        reached.extend(
            Reached(
                kind, owner.pk, brand.pk, campaign_id, period, start, t, totals[index], budget, brand.currency
            )
            for t in sorted(set(brand.alert_thresholds))
            if t <= bound
        )
    return reached, bounds


def thresholds_write(
    reached: Sequence[Reached], *, actor: Actor, moment: dt.datetime, extra: Mapping[str, Any] | None = None
) -> int:
    """Mark ``reached`` and append the events of the marks that are new: how many."""
    if not reached:
        return 0
    inserted = marks_insert([item.key for item in reached])
    events = [item.event(extra or {}) for item in reached if item.key in inserted]
    return event_append_many(events=events, actor=actor, occurred_at=moment)


def thresholds_on_spend(
    *,
    brands: Mapping[int, Brand],
    campaigns: Mapping[int, Campaign],
    brand_totals: tuple[Mapping[int, Totals], Mapping[int, Totals]],
    campaign_totals: tuple[Mapping[int, Totals], Mapping[int, Totals]],
    moment: dt.datetime,
    actor: Actor,
    extra: Mapping[str, Any] | None = None,
) -> MarkedEvents | None:
    """The threshold alerts of a spend write, from the totals (before, after) it returned:
    ``None`` when no threshold was crossed, else their marks and events as one write the
    caller MUST send in its transaction (``MarkedEvents.statement`` with its own statements,
    or ``run()``): an event goes in only if its mark is new."""
    reached: list[Reached] = []
    today = {pk: local_date(brand.timezone, moment) for pk, brand in brands.items()}
    for pk, brand in brands.items():
        if brand.alert_thresholds and pk in brand_totals[1]:
            reached += crossings(
                brand, brand, today=today[pk], before=brand_totals[0][pk], after=brand_totals[1][pk]
            )
    for pk, after in campaign_totals[1].items():
        campaign = campaigns[pk]
        brand = brands[campaign.brand_id]
        if brand.alert_thresholds:
            reached += crossings(
                campaign, brand, today=today[brand.pk], before=campaign_totals[0][pk], after=after
            )
    batch = events_prepare(
        events=[item.event(extra or {}) for item in reached], actor=actor, occurred_at=moment
    )
    return None if batch is None else MarkedEvents(batch=batch, keys=[item.key for item in reached])


def thresholds_rearm(
    *,
    brand: Brand,
    campaigns: Sequence[Campaign] = (),
    include_brand: bool = True,
    actor: Actor | None,
    moment: dt.datetime,
) -> int:
    """After a change of budgets or thresholds (the caller holds the brand lock): re-arm the
    marks of the current periods above each owner's usage, and write the thresholds now
    reached that are not marked yet. One query for the totals, one for the re-arm, and two
    when something is reached. Returns the events written."""
    today = local_date(brand.timezone, moment)
    owners: list[Brand | Campaign] = [*([brand] if include_brand else []), *campaigns]
    if not owners:
        return 0
    totals = store.period_totals(
        {brand.pk: today} if include_brand else {}, {campaign.pk: today for campaign in campaigns}
    )
    reached: list[Reached] = []
    bounds: list[RearmBound] = []
    for owner in owners:
        mine = totals.campaigns[owner.pk] if isinstance(owner, Campaign) else totals.brands[owner.pk]
        owner_reached, owner_bounds = standing(owner, brand, today=today, totals=mine)
        reached += owner_reached
        bounds += owner_bounds
    marks_rearm(bounds)
    return thresholds_write(reached, actor=actor or Actor.system("system"), moment=moment)


# --- Forecast ------------------------------------------------------------------------------


def forecast_event(
    brand: Brand, *, month: dt.date, projected: Decimal, exhaustion: dt.date | None
) -> NewEvent:
    budget = brand.monthly_budget
    assert budget is not None
    data = {
        "month": f"{month:%Y-%m}",
        "projected_spend": str(to_money(projected)),
        "budget": str(to_money(budget)),
        "projected_exhaustion": None if exhaustion is None else exhaustion.isoformat(),
        "currency": brand.currency,
    }
    return NewEvent(EventType.BUDGET_FORECAST_EXCEEDED, data, brand.pk, None)


def forecasts_write(
    due: Sequence[tuple[Brand, dt.date, Decimal, dt.date | None]], *, actor: Actor, moment: dt.datetime
) -> int:
    """Mark each (brand, month's first day, projection, exhaustion date) of ``due`` and append
    the events of the new marks (at most one per brand-month): how many."""
    if not due:
        return 0
    keys = {brand.pk: MarkKey(Owner.BRAND.value, brand.pk, FORECAST, month, 0) for brand, month, _, _ in due}
    inserted = marks_insert(list(keys.values()))
    events = [
        forecast_event(brand, month=month, projected=projected, exhaustion=exhaustion)
        for brand, month, projected, exhaustion in due
        if keys[brand.pk] in inserted
    ]
    return event_append_many(events=events, actor=actor, occurred_at=moment)


def _may_move(brand: Brand, amounts: Iterable[tuple[dt.date, Decimal]], today: dt.date) -> bool:
    """Whether spends (date, amount) of ``brand`` may move its projection by more than 1% of
    its monthly budget. Spend dated today or earlier this month moves it by at most its
    amount; spend in the run-rate window before today changes the run rate (and which days
    it averages), so it is always re-projected; spend dated ahead counts nowhere."""
    budget = brand.monthly_budget
    if budget is None:
        return False
    window = today - dt.timedelta(days=RUN_RATE_DAYS)
    moved = ZERO
    for day, amount in amounts:
        if window <= day < today:
            return True
        if month_start(today) <= day <= today:
            moved += amount
    return moved * 100 > budget


def _without(
    inputs: PacingInputs, amounts: Iterable[tuple[dt.date, Decimal]], today: dt.date
) -> PacingInputs:
    """The pacing inputs before spends (date, amount) were recorded."""
    day_spend, month_spend, recent = inputs.day_spend, inputs.month_spend, dict(inputs.recent)
    for day, amount in amounts:
        if day == today:
            day_spend -= amount
        if month_start(today) <= day <= today:
            month_spend -= amount
        if day in recent:
            recent[day] -= amount
    return dataclasses.replace(inputs, day_spend=day_spend, month_spend=month_spend, recent=recent)


def forecast_on_spend(
    *,
    brands: Mapping[int, Brand],
    spends: Iterable[tuple[int, dt.date, Decimal]],
    moment: dt.datetime,
    actor: Actor,
) -> int:
    """The forecast alert of a spend write ((brand id, date, amount) of each new spend): no
    query unless a brand's projection may move by more than 1% of its monthly budget; then
    two for their pacing (the brands, their rollups), and two more when an alert is due."""
    by_brand: dict[int, list[tuple[dt.date, Decimal]]] = {}
    for brand_id, day, amount in spends:
        by_brand.setdefault(brand_id, []).append((day, amount))
    today = {pk: local_date(brands[pk].timezone, moment) for pk in by_brand}
    moving = [pk for pk, amounts in sorted(by_brand.items()) if _may_move(brands[pk], amounts, today[pk])]
    if not moving:
        return 0
    # Read whole (the spend path loads brands without their timestamps; pacing needs the
    # creation date): one query for all of them, under the locks the caller holds.
    candidates = list(Brand.objects.filter(pk__in=moving).order_by("pk"))
    inputs, _ = pacing_inputs(brands=candidates, at=moment)
    due = []
    for brand in candidates:
        after = compute_pacing(inputs[brand.pk], at=moment)
        before = compute_pacing(_without(inputs[brand.pk], by_brand[brand.pk], today[brand.pk]), at=moment)
        if forecast_due_on_spend(
            budget=brand.monthly_budget,
            projected_before=before.projected_monthly_spend,
            projected_after=after.projected_monthly_spend,
        ):
            due.append(
                (
                    brand,
                    month_start(today[brand.pk]),
                    after.projected_monthly_spend,
                    after.projected_exhaustion,
                )
            )
    return forecasts_write(due, actor=actor, moment=moment)


def forecasts_due(
    brands: Sequence[Brand], *, moment: dt.datetime
) -> list[tuple[Brand, dt.date, Decimal, dt.date | None]]:
    """The brands of ``brands`` whose projection is over their monthly budget (one query)."""
    inputs, _ = pacing_inputs(brands=brands, at=moment)
    due = []
    for brand in brands:
        pacing = compute_pacing(inputs[brand.pk], at=moment)
        if forecast_exceeds(budget=brand.monthly_budget, projected=pacing.projected_monthly_spend):
            month = month_start(local_date(brand.timezone, moment))
            due.append((brand, month, pacing.projected_monthly_spend, pacing.projected_exhaustion))
    return due
