"""Pacing in the console: the lists' pacing column and filters, and the dashboard's "At risk".

Everything here reads ``spending.pacing_inputs`` once for a whole list (one query for any
number of brands and campaigns) and decides with the pure ``spending.pacing`` rules:
``compute_pacing`` (the API's ``pacing`` block, with the bands of ``pace_bands``) and
``used_fraction`` (the largest share of a cap used).

* ``PacingListMixin`` (a ModelAdmin mixin): the changelist computes the pacing of the page's
  rows after loading them (one query per page, whatever its size); the ``pacing`` column and
  the export read it from the rows.
* ``PacingFilter``: "near cap (>= 80%)", "over pace", "projected to exhaust this month".
  They are criteria of ``spending.pacing_filters`` (the API's ``pacing=``,
  ``used_at_least=80`` and ``projected_to_exhaust=true``): it narrows the queryset it is given
  (already limited to the viewer's scope and the other filters) in two queries whatever its
  size.
* ``at_risk``: the brands and campaigns whose projection exhausts their monthly budget before
  the end of their local month, soonest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import Status
from core.timeutils import now
from ops.display import campaign_label, pacing_band
from spending.pacing import (
    Pacing,
    PacingInputs,
    PacingStatus,
    compute_pacing,
    used_fraction,
)
from spending.pacing_filters import PacingCriteria, filter_by_pacing
from spending.pacing_inputs import pace_bands, pacing_inputs

if TYPE_CHECKING:
    from ops.generics import ModelAdmin

    _Base = ModelAdmin[Any]
else:
    _Base = object

NEAR_CAP_PERCENT = 80
ATTRIBUTE = "_ops_pacing"


@dataclass(frozen=True, slots=True)
class OwnerPacing:
    """One brand's or campaign's pacing block and the largest share of a cap it has used."""

    pacing: Pacing
    used: Fraction | None


def owners_pacing(
    *, brands: Sequence[Brand] = (), campaigns: Sequence[Campaign] = (), at: dt.datetime
) -> tuple[dict[int, OwnerPacing], dict[int, OwnerPacing]]:
    """Pacing and cap use by id, for brands and for campaigns (one query; campaigns should
    come with their brand loaded)."""
    low, high = pace_bands()
    brand_inputs, campaign_inputs = pacing_inputs(brands=brands, campaigns=campaigns, at=at)

    def computed(inputs: dict[int, PacingInputs]) -> dict[int, OwnerPacing]:
        return {
            pk: OwnerPacing(compute_pacing(item, at=at, low=low, high=high), used_fraction(item))
            for pk, item in inputs.items()
        }

    return computed(brand_inputs), computed(campaign_inputs)


def attach_pacing(rows: Iterable[Model], at: dt.datetime) -> None:
    """Compute the pacing of ``rows`` (brands or campaigns) and keep it on each row."""
    listed = list(rows)
    brands = [row for row in listed if isinstance(row, Brand)]
    campaigns = [row for row in listed if isinstance(row, Campaign)]
    by_brand, by_campaign = owners_pacing(brands=brands, campaigns=campaigns, at=at)
    for row in listed:
        found = (by_brand if isinstance(row, Brand) else by_campaign).get(row.pk)
        setattr(row, ATTRIBUTE, found)


def pacing_of(row: Model, at: dt.datetime | None = None) -> OwnerPacing:
    """The pacing ``attach_pacing`` kept on ``row``; computed for it alone when missing (one
    query: a change page)."""
    found: OwnerPacing | None = getattr(row, ATTRIBUTE, None)
    if found is None:
        attach_pacing([row], at or now())
        found = getattr(row, ATTRIBUTE)
    assert found is not None  # attach_pacing sets every row
    return found


# --- Filters -------------------------------------------------------------------------------

# The console's filters, as criteria of the API's selector (``spending.pacing_filters``).
CONDITIONS: dict[str, tuple[str, PacingCriteria]] = {
    "near_cap": ("Near cap (>= 80%)", PacingCriteria.of(used_at_least=NEAR_CAP_PERCENT)),
    "over_pace": ("Over pace", PacingCriteria.of(statuses=[PacingStatus.OVER_PACE])),
    "exhausts": ("Projected to exhaust this month", PacingCriteria.of(projected_to_exhaust=True)),
}


class PacingFilter(admin.SimpleListFilter):
    """Brands or campaigns by their pacing now (composes with the other filters and the scope:
    it narrows the queryset it is given)."""

    title = "pacing"
    parameter_name = "pacing"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in CONDITIONS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value not in CONDITIONS:
            return queryset
        return filter_by_pacing(queryset, at=now(), criteria=CONDITIONS[value][1])


# --- The lists' column -------------------------------------------------------------------------


class PacingChangeList(ChangeList):
    """Loads the page's rows, then their pacing in one query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        attach_pacing(self.result_list, now())


class PacingListMixin(_Base):
    """A ``pacing`` column: the status band, the pace and the share of the caps used."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return PacingChangeList

    @admin.display(description="Pacing (month)")
    def pacing(self, obj: Brand | Campaign) -> SafeString | str:
        if obj._state.adding:  # the add form
            return "-"
        owner = pacing_of(obj)
        return pacing_band(owner.pacing, owner.used)


# --- The dashboard's "At risk" -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AtRisk:
    kind: str  # "brand" or "campaign"
    label: str
    link: str
    currency: str
    timezone: str
    monthly_budget: Decimal
    pacing: Pacing

    @property
    def exhaustion(self) -> dt.date:
        assert self.pacing.projected_exhaustion is not None  # kept only when set
        return self.pacing.projected_exhaustion


def at_risk(
    brands: QuerySet[Brand], campaigns: QuerySet[Campaign], at: dt.datetime, limit: int = 20
) -> list[AtRisk]:
    """Active brands and active campaigns (of the querysets given: the viewer's scope) with a
    monthly budget not yet used up whose projection reaches it before the end of their local
    month; soonest first, then by name. Three queries."""
    chosen_brands = list(brands.filter(is_active=True, monthly_budget__isnull=False).order_by("pk"))
    chosen_campaigns = list(
        campaigns.filter(status=Status.ACTIVE, monthly_budget__isnull=False, brand__is_active=True)
        .select_related("brand")
        .order_by("pk")
    )
    by_brand, by_campaign = owners_pacing(brands=chosen_brands, campaigns=chosen_campaigns, at=at)
    candidates = [
        ("brand", brand.name, "brands_brand", brand, brand.currency, brand.timezone, by_brand[brand.pk])
        for brand in chosen_brands
    ] + [
        (
            "campaign",
            campaign_label(campaign.brand.name, campaign.name),
            "campaigns_campaign",
            campaign,
            campaign.brand.currency,
            campaign.brand.timezone,
            by_campaign[campaign.pk],
        )
        for campaign in chosen_campaigns
    ]
    found = [
        AtRisk(
            kind,
            label,
            reverse(f"admin:{page}_change", args=[owner.pk]),
            currency,
            timezone,
            owner.monthly_budget,
            computed.pacing,
        )
        for kind, label, page, owner, currency, timezone, computed in candidates
        if _at_risk(computed.pacing) and owner.monthly_budget is not None
    ]
    found.sort(key=lambda item: (item.exhaustion, item.label))
    return found[:limit]


def _at_risk(pacing: Pacing) -> bool:
    return pacing.projected_exhaustion is not None and pacing.status != PacingStatus.EXHAUSTED
