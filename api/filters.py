"""django-filter FilterSets for the list endpoints (query parameters in API.md).

Every parameter is parsed strictly and a value that does not parse answers 400 naming the
parameter (``DjangoFilterBackend`` raises the FilterSet's form errors): booleans are
``true`` or ``false``, ids are ASCII whole numbers within the bigint range, dates are
``YYYY-MM-DD``, ``ordering`` is a comma-separated list of the fields each list names
(``-`` for descending), applied with the primary key as the last tie-breaker so that
pages are stable.

Brands and campaigns also filter by pacing (API.md, "Pacing"): ``pacing`` (statuses,
repeated or comma-separated), ``used_at_least`` (a percent) and ``projected_to_exhaust``.
They apply after every other filter, together, through ``spending.pacing_filters`` at the
request's moment (the one its pacing blocks show), so counts and pages are of the filtered
set and the number of queries stays fixed.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django_filters import rest_framework as filters  # type: ignore[import-untyped]
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from core.models import ID_MAX
from core.timeutils import DATE_PATTERN, now, parse_date
from scheduling.models import DaypartingSchedule
from spending.models import SOURCE_MAX_LENGTH, Spend
from spending.pacing import PacingStatus
from spending.pacing_filters import PacingCriteria, filter_by_pacing

_ID = re.compile(r"[1-9][0-9]{0,18}")
# A non-negative number in decimal or exponent notation (no sign, no NaN or Infinity).
_NUMBER = re.compile(r"[0-9]{1,20}(\.[0-9]{1,20})?([eE][+-]?[0-9]{1,3})?")
PERCENT_MAX = 1_000_000
PACING_STATUSES = [status.value for status in PacingStatus]


class Parameter(forms.Field):
    """A query parameter: absent means no filter; present but empty is an error (the
    schema's type has no empty value)."""

    def clean(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError("This parameter may not be empty.", code="blank")
        return super().clean(value)


class BooleanParameter(Parameter):
    """``true`` or ``false``; anything else is an error (not "no filter")."""

    def to_python(self, value: Any) -> bool | None:
        if value is None:
            return None
        if value in ("true", "false"):
            return bool(value == "true")
        raise forms.ValidationError("Enter true or false.", code="invalid")


class IdParameter(Parameter):
    def to_python(self, value: Any) -> int | None:
        if value is None:
            return None
        if not isinstance(value, str) or not _ID.fullmatch(value) or int(value) > ID_MAX:
            raise forms.ValidationError("Enter an id: a whole number from 1.", code="invalid")
        return int(value)


class DateParameter(Parameter):
    def to_python(self, value: Any) -> dt.date | None:
        if value is None:
            return None
        try:
            return parse_date(value)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None


class PercentParameter(Parameter):
    """A percent: a number from 0 to ``PERCENT_MAX`` (``80``, ``12.5``, ``1e2``)."""

    def to_python(self, value: Any) -> Decimal | None:
        if value is None:
            return None
        if not isinstance(value, str) or not _NUMBER.fullmatch(value) or Decimal(value) > PERCENT_MAX:
            raise forms.ValidationError(
                f"Enter a number from 0 to {PERCENT_MAX} (a percent).", code="invalid"
            )
        return Decimal(value)


class StatusesParameter(Parameter):
    """Pacing statuses: the parameter repeated, or values separated by commas (``?pacing=
    under_pace,over_pace``); an unknown or empty value is an error naming it."""

    widget = forms.SelectMultiple  # every value of a repeated parameter

    def clean(self, value: Any) -> frozenset[PacingStatus] | None:
        if not value:
            return None
        statuses: set[PacingStatus] = set()
        for part in (part for raw in value for part in str(raw).split(",")):
            if part == "":
                raise forms.ValidationError("This parameter may not have an empty value.", code="blank")
            if part not in PACING_STATUSES:
                raise forms.ValidationError(
                    f"Select a valid choice. {part} is not one of the available choices: "
                    f"{', '.join(PACING_STATUSES)}.",
                    code="invalid_choice",
                )
            statuses.add(PacingStatus(part))
        return frozenset(statuses)


class ChoiceParameter(forms.ChoiceField):
    def clean(self, value: Any) -> Any:
        if value == "":
            raise forms.ValidationError("This parameter may not be empty.", code="blank")
        return super().clean(value)


class ChoiceFilter(filters.ChoiceFilter):  # type: ignore[misc]
    field_class = ChoiceParameter


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(filters.Filter):  # type: ignore[misc]
    """``true`` or ``false`` as sent (django-filter's own reads ``maybe`` as no filter)."""

    field_class = BooleanParameter


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": ID_MAX})
class IdFilter(filters.Filter):  # type: ignore[misc]
    """An id: a whole number within the bigint range (anything else answers 400)."""

    field_class = IdParameter


@extend_schema_field({"type": "string", "format": "date", "pattern": DATE_PATTERN})
class DateFilter(filters.Filter):  # type: ignore[misc]
    field_class = DateParameter


class OrderingFilter(filters.OrderingFilter):  # type: ignore[misc]
    """``ordering=name,-created_at``; the primary key breaks ties (stable pages)."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        if not value:
            return qs
        ordering = [self.get_ordering_value(param) for param in value if param]
        if not {"pk", "-pk", "id", "-id"} & set(ordering):
            ordering.append("-pk" if ordering and ordering[-1].startswith("-") else "pk")
        return qs.order_by(*ordering)


PACING_HELP = (
    "Pacing status of `budget.pacing` (any of them): repeat the parameter or separate the values with commas."
)
USED_HELP = (
    "A percent: keeps the owners with a daily or monthly cap of their own used at least this "
    "much today or this month (`spend x 100 / budget >= used_at_least`); owners without caps "
    "never match."
)
PROJECTED_HELP = (
    "`true`: `budget.pacing.projected_exhaustion` falls within the current local month (an "
    "exhausted owner's is today); `false`: it does not (or there is no monthly budget)."
)


@extend_schema_field({"type": "string", "enum": PACING_STATUSES, "description": PACING_HELP})
class PacingStatusFilter(filters.MultipleChoiceFilter):  # type: ignore[misc]
    field_class = StatusesParameter


@extend_schema_field({"type": "number", "minimum": 0, "maximum": PERCENT_MAX, "description": USED_HELP})
class PercentFilter(filters.Filter):  # type: ignore[misc]
    field_class = PercentParameter


@extend_schema_field({"type": "boolean", "description": PROJECTED_HELP})
class ProjectedFilter(BooleanFilter):
    pass


class PacingFilterSet(filters.FilterSet):  # type: ignore[misc]
    """``pacing``, ``used_at_least`` and ``projected_to_exhaust`` of brands and campaigns:
    applied together, after the other filters, by ``spending.pacing_filters``."""

    pacing = PacingStatusFilter(method="pacing_later")
    used_at_least = PercentFilter(method="pacing_later")
    projected_to_exhaust = ProjectedFilter(method="pacing_later")

    def pacing_later(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        return queryset  # see filter_queryset

    def moment(self) -> dt.datetime:
        """The request's one "now" (the view's), so that the filter and the blocks agree."""
        view = getattr(self.request, "parser_context", {}).get("view")
        moment = getattr(view, "moment", None)
        return moment if isinstance(moment, dt.datetime) else now()

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        criteria = PacingCriteria(
            statuses=data.get("pacing") or frozenset(),
            used_at_least=data.get("used_at_least"),
            projected_to_exhaust=data.get("projected_to_exhaust"),
        )
        return filter_by_pacing(queryset, at=self.moment(), criteria=criteria)


# Parameter names that order by a column of another name (a relation orders by its id,
# not by the related model's default ordering).
_COLUMNS = {"brand": "brand_id", "campaign": "campaign_id"}


def ordering(*fields: str) -> OrderingFilter:
    return OrderingFilter(
        fields=[(_COLUMNS.get(name, name), name) for name in fields],
        help_text=f"Comma-separated, `-` for descending: {', '.join(fields)}.",
    )


class NameSearchFilter(filters.FilterSet):  # type: ignore[misc]
    """``search``: the name contains it (brands, campaigns and schedules are searched alike)."""

    search = filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=200, label="Name contains"
    )


PACING_FILTERS = ["pacing", "used_at_least", "projected_to_exhaust"]


class BrandFilter(NameSearchFilter, PacingFilterSet):
    is_active = BooleanFilter()
    ordering = ordering("id", "name", "created_at", "updated_at")

    class Meta:
        model = Brand
        fields = ["is_active", "search", *PACING_FILTERS, "ordering"]


class CampaignFilter(NameSearchFilter, PacingFilterSet):
    brand = IdFilter(field_name="brand_id", label="Brand id")
    status = ChoiceFilter(choices=Status.choices)
    is_active = BooleanFilter()
    pause_reason = ChoiceFilter(choices=PauseReason.choices)
    ordering = ordering("id", "name", "brand", "status", "created_at", "updated_at")

    class Meta:
        model = Campaign
        fields = ["brand", "status", "is_active", "pause_reason", "search", *PACING_FILTERS, "ordering"]


class ScheduleFilter(NameSearchFilter):
    is_active = BooleanFilter()
    ordering = ordering("id", "name", "created_at", "updated_at")

    class Meta:
        model = DaypartingSchedule
        fields = ["is_active", "search", "ordering"]


class SpendFilter(filters.FilterSet):  # type: ignore[misc]
    campaign = IdFilter(field_name="campaign_id", label="Campaign id")
    brand = IdFilter(field_name="brand_id", label="Brand id")
    date_after = DateFilter(field_name="date", lookup_expr="gte", label="On or after (YYYY-MM-DD)")
    date_before = DateFilter(field_name="date", lookup_expr="lte", label="On or before (YYYY-MM-DD)")
    source = filters.CharFilter(max_length=SOURCE_MAX_LENGTH)
    ordering = ordering("id", "date", "amount", "campaign", "brand", "created_at")

    class Meta:
        model = Spend
        fields = ["campaign", "brand", "date_after", "date_before", "source", "ordering"]
