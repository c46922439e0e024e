"""django-filter FilterSets for the list endpoints (query parameters in API.md)."""

from __future__ import annotations

from django_filters import rest_framework as filters  # type: ignore[import-untyped]
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from scheduling.models import DaypartingSchedule
from spending.models import Spend

from .fields import ID_MAX


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):  # type: ignore[misc]
    """An id: a whole number within the bigint range (anything else answers 400)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        kwargs.setdefault("decimal_places", 0)
        super().__init__(*args, **kwargs)


class NameSearchFilter(filters.FilterSet):  # type: ignore[misc]
    """``search``: the name contains it (brands, campaigns and schedules are searched alike)."""

    search = filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=200, label="Name contains"
    )


class BrandFilter(NameSearchFilter):
    is_active = filters.BooleanFilter()

    class Meta:
        model = Brand
        fields = ["is_active", "search"]


class CampaignFilter(NameSearchFilter):
    brand = IdFilter(field_name="brand_id", label="Brand id")
    status = filters.ChoiceFilter(choices=Status.choices)
    is_active = filters.BooleanFilter()
    pause_reason = filters.ChoiceFilter(choices=PauseReason.choices)

    class Meta:
        model = Campaign
        fields = ["brand", "status", "is_active", "pause_reason", "search"]


class ScheduleFilter(NameSearchFilter):
    is_active = filters.BooleanFilter()

    class Meta:
        model = DaypartingSchedule
        fields = ["is_active", "search"]


class SpendFilter(filters.FilterSet):  # type: ignore[misc]
    campaign = IdFilter(field_name="campaign_id", label="Campaign id")
    brand = IdFilter(field_name="brand_id", label="Brand id")
    date_after = filters.DateFilter(field_name="date", lookup_expr="gte", label="On or after (YYYY-MM-DD)")
    date_before = filters.DateFilter(field_name="date", lookup_expr="lte", label="On or before (YYYY-MM-DD)")
    source = filters.CharFilter(max_length=64)

    class Meta:
        model = Spend
        fields = ["campaign", "brand", "date_after", "date_before", "source"]
