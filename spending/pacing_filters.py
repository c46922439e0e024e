"""Which brands or campaigns match pacing criteria at a moment (a selector).

The API's list filters (``pacing=``, ``used_at_least=``, ``projected_to_exhaust=``) and the
console's ("near cap", "over pace", "projected to exhaust this month") keep the owners of a
queryset whose ``pacing`` block (``spending.pacing``) matches every criterion given:

- ``statuses``: the block's ``status`` is one of them;
- ``used_at_least`` (a percent): ``used_fraction(inputs) x 100 >= used_at_least``, the
  largest share of one of the owner's caps used today or this month; an owner without any
  cap never matches;
- ``projected_to_exhaust``: whether ``projected_exhaustion`` falls within the owner's current
  local month (an exhausted owner is projected to exhaust today, so it does).

The criteria apply after any other filter of the queryset (scope, ordering and the rest stay
as they are): a fixed number of queries whatever the number of owners. One reads the
candidates (only what pacing needs; owners that SQL alone rules out are not read), one reads
their rollups (``pacing_inputs``); the result is the queryset limited to the matching ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from brands.models import Brand
from campaigns.models import Campaign
from core.timeutils import local_date
from spending.pacing import Pacing, PacingInputs, PacingStatus, compute_pacing, used_fraction
from spending.pacing_inputs import pace_bands, pacing_inputs

Owners = TypeVar("Owners", Brand, Campaign)

_PACING_FIELDS = ("pk", "daily_budget", "monthly_budget", "created_at")


@dataclass(frozen=True, slots=True)
class PacingCriteria:
    """What an owner's pacing must show to be kept (``None`` or empty: any)."""

    statuses: frozenset[PacingStatus] = frozenset()
    used_at_least: Decimal | None = None
    projected_to_exhaust: bool | None = None

    @classmethod
    def of(
        cls,
        *,
        statuses: Collection[PacingStatus | str] = (),
        used_at_least: Decimal | int | None = None,
        projected_to_exhaust: bool | None = None,
    ) -> PacingCriteria:
        return cls(
            statuses=frozenset(PacingStatus(status) for status in statuses),
            used_at_least=None if used_at_least is None else Decimal(used_at_least),
            projected_to_exhaust=projected_to_exhaust,
        )

    @property
    def active(self) -> bool:
        return bool(self.statuses) or self.used_at_least is not None or self.projected_to_exhaust is not None

    @property
    def needs_pacing(self) -> bool:
        """Whether SQL alone cannot decide (``no_budget`` alone is "no monthly cap")."""
        return (
            bool(self.statuses - {PacingStatus.NO_BUDGET})
            or self.used_at_least is not None
            or self.projected_to_exhaust is not None
        )


def exhausts_this_month(pacing: Pacing, *, timezone: str, at: dt.datetime) -> bool:
    """``projected_exhaustion`` falls within the local month of ``at`` in ``timezone``."""
    date = pacing.projected_exhaustion
    today = local_date(timezone, at)
    return date is not None and (date.year, date.month) == (today.year, today.month)


def matches(pacing: Pacing, inputs: PacingInputs, criteria: PacingCriteria, *, at: dt.datetime) -> bool:
    """Whether one owner's pacing (and the inputs it was computed from) meets ``criteria``."""
    if criteria.statuses and pacing.status not in criteria.statuses:
        return False
    if criteria.used_at_least is not None:
        used = used_fraction(inputs)
        if used is None or used * 100 < Fraction(criteria.used_at_least):
            return False
    if criteria.projected_to_exhaust is not None:
        exhausts = exhausts_this_month(pacing, timezone=inputs.timezone, at=at)
        if exhausts != criteria.projected_to_exhaust:
            return False
    return True


def _narrowed(queryset: QuerySet[Owners], criteria: PacingCriteria) -> QuerySet[Owners]:
    """``queryset`` without the owners SQL rules out: no monthly cap means ``no_budget`` and no
    exhaustion date; no cap at all means no share used."""
    statuses = criteria.statuses
    if (statuses and PacingStatus.NO_BUDGET not in statuses) or criteria.projected_to_exhaust:
        queryset = queryset.filter(monthly_budget__isnull=False)
    elif statuses == {PacingStatus.NO_BUDGET}:
        queryset = queryset.filter(monthly_budget__isnull=True)
    if criteria.used_at_least is not None:
        queryset = queryset.filter(Q(daily_budget__isnull=False) | Q(monthly_budget__isnull=False))
    return queryset


def _candidates(queryset: QuerySet[Any]) -> tuple[list[Brand], list[Campaign]]:
    """The owners of ``queryset`` with only what pacing reads (campaigns with their brand's
    time zone), in one query; the list's ordering, joins and prefetches are dropped."""
    bare = queryset.order_by().prefetch_related(None).select_related(None)
    if queryset.model is Brand:
        return list(bare.only(*_PACING_FIELDS, "timezone")), []
    loaded = bare.select_related("brand").only(*_PACING_FIELDS, "brand", "brand__timezone")
    return [], list(loaded)


def _check_owners(queryset: QuerySet[Any]) -> None:
    if queryset.model not in (Brand, Campaign):
        raise TypeError(f"pacing criteria apply to brands and campaigns, not {queryset.model.__name__}")


def matching_ids(queryset: QuerySet[Owners], *, at: dt.datetime, criteria: PacingCriteria) -> set[int]:
    """The ids of the owners of ``queryset`` whose pacing at ``at`` meets ``criteria`` (two
    queries; with no criterion, every id)."""
    _check_owners(queryset)
    brands, campaigns = _candidates(_narrowed(queryset, criteria))
    brand_inputs, campaign_inputs = pacing_inputs(brands=brands, campaigns=campaigns, at=at)
    low, high = pace_bands()
    return {
        pk
        for pk, inputs in {**brand_inputs, **campaign_inputs}.items()
        if matches(compute_pacing(inputs, at=at, low=low, high=high), inputs, criteria, at=at)
    }


def filter_by_pacing(
    queryset: QuerySet[Owners], *, at: dt.datetime, criteria: PacingCriteria
) -> QuerySet[Owners]:
    """``queryset`` limited to the owners whose pacing at ``at`` meets ``criteria``, still
    lazy, with its ordering, joins and prefetches (two queries now when pacing must be
    computed, none when SQL alone decides or there is no criterion)."""
    _check_owners(queryset)
    if not criteria.active:
        return queryset
    narrowed = _narrowed(queryset, criteria)
    if not criteria.needs_pacing:
        return narrowed
    return queryset.filter(pk__in=matching_ids(queryset, at=at, criteria=criteria))
