"""Input and output serializers of the REST API v1.

Output serializers render models (and the budget status computed for a whole page by
``api.states``); input serializers only parse types and shapes. Every rule (budgets,
time zones, windows, spend dates, idempotency) is checked by the services the views call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from brands.models import Brand
from campaigns.models import Campaign, CampaignEvent
from campaigns.rules import PauseReason, Status
from core.timeutils import now
from scheduling.models import DaypartingSchedule
from scheduling.services import MAX_WINDOWS
from spending.models import (
    DESCRIPTION_MAX_LENGTH,
    EXTERNAL_ID_MAX_LENGTH,
    MANUAL_SOURCE,
    SOURCE_MAX_LENGTH,
    Spend,
)
from spending.services import MAX_BULK_RECORDS, SpendOutcome

from .fields import BlankAsNullChoiceField, IdField, MoneyField
from .states import BudgetStatus, CampaignStatus, brand_statuses, campaign_statuses

# --- Shared pieces ----------------------------------------------------------------------


def context_moment(context: Mapping[str, Any]) -> dt.datetime:
    """The one "now" of a request (views put it in the context), so every row is read at it."""
    moment = context.get("moment")
    return moment if isinstance(moment, dt.datetime) else now()


def context_cache(context: Mapping[str, Any], key: str) -> dict[int, Any]:
    """A per-response cache in the serializer context (a dict DRF shares with nested fields)."""
    return cast(dict[str, Any], context).setdefault(key, {})  # type: ignore[no-any-return]


class BudgetSerializer(serializers.Serializer[BudgetStatus]):
    """Spend against the caps on the brand's local ``date`` and in its ``month``."""

    date = serializers.DateField(read_only=True, help_text="The brand's local today.")
    month = serializers.RegexField(r"^\d{4}-\d{2}$", read_only=True, help_text="YYYY-MM of `date`.")
    daily_spend = serializers.DecimalField(max_digits=16, decimal_places=2, read_only=True)
    monthly_spend = serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, help_text="Month to date."
    )
    daily_remaining = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="`null` when there is no daily cap; never negative.",
    )
    monthly_remaining = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="`null` when there is no monthly cap; never negative.",
    )
    daily_available = serializers.BooleanField(
        read_only=True, help_text="Spend is below the daily cap (always true without one)."
    )
    monthly_available = serializers.BooleanField(read_only=True)


class RecordsSerializer(serializers.ListSerializer[Any]):
    """A list of records whose errors come back as API.md shows them: one entry per record,
    ``[{...errors of record 0...}, {}, ...]`` (DRF's own shape is a dict by index)."""

    def to_internal_value(self, data: Any) -> list[Any]:
        try:
            return super().to_internal_value(data)  # type: ignore[no-any-return]
        except serializers.ValidationError as error:
            detail = error.detail
            if isinstance(detail, dict) and detail and all(isinstance(key, int) for key in detail):
                items = [detail.get(index, {}) for index in range(len(data))]  # type: ignore[call-overload]
                raise serializers.ValidationError(items) from None
            raise


# --- Brands -----------------------------------------------------------------------------


class BrandSerializer(serializers.ModelSerializer[Brand]):
    budget = serializers.SerializerMethodField()

    class Meta:
        model = Brand
        fields = [
            "id",
            "name",
            "timezone",
            "currency",
            "daily_budget",
            "monthly_budget",
            "is_active",
            "budget",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(BudgetSerializer)
    def get_budget(self, brand: Brand) -> dict[str, Any]:
        statuses: dict[int, BudgetStatus] = context_cache(self.context, "brand_statuses")
        if brand.pk not in statuses:
            statuses.update(brand_statuses([brand], context_moment(self.context)))
        return BudgetSerializer(statuses[brand.pk]).data


class BrandWriteSerializer(serializers.Serializer[Brand]):
    """A brand as a client sends it. PUT replaces: an omitted budget becomes "no cap"."""

    name = serializers.CharField(max_length=200)
    timezone = serializers.CharField(
        max_length=64, default="UTC", help_text="IANA time zone name, e.g. America/New_York."
    )
    currency = serializers.CharField(
        min_length=3, max_length=3, default="USD", help_text="ISO 4217 code (informational)."
    )
    daily_budget = MoneyField(
        allow_zero=True, allow_null=True, default=None, help_text="`null`: no daily cap."
    )
    monthly_budget = MoneyField(
        allow_zero=True, allow_null=True, default=None, help_text="`null`: no monthly cap."
    )
    is_active = serializers.BooleanField(default=True)


# --- Campaigns --------------------------------------------------------------------------


class CampaignSerializer(serializers.ModelSerializer[Campaign]):
    pause_reason = BlankAsNullChoiceField(
        choices=PauseReason.choices,
        help_text="Why a campaign whose status is `active` does not serve; `null` while it serves.",
    )
    blocking_reasons = serializers.SerializerMethodField()
    budget = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "brand",
            "name",
            "status",
            "is_active",
            "pause_reason",
            "blocking_reasons",
            "daily_budget",
            "monthly_budget",
            "dayparting_schedule",
            "budget",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"is_active": {"help_text": "Whether the campaign serves right now."}}

    def _status(self, campaign: Campaign) -> CampaignStatus:
        statuses: dict[int, CampaignStatus] = context_cache(self.context, "campaign_statuses")
        if campaign.pk not in statuses:
            statuses.update(campaign_statuses([campaign], context_moment(self.context)))
        return statuses[campaign.pk]

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=PauseReason.choices),
            help_text="Every rule other than `status` that stops the campaign now, in precedence order.",
        )
    )
    def get_blocking_reasons(self, campaign: Campaign) -> list[str]:
        return [reason.value for reason in self._status(campaign).blocking_reasons]

    @extend_schema_field(BudgetSerializer)
    def get_budget(self, campaign: Campaign) -> dict[str, Any]:
        return BudgetSerializer(self._status(campaign).budget).data


class CampaignCreateSerializer(serializers.Serializer[Campaign]):
    brand = IdField()
    name = serializers.CharField(max_length=200)
    status = serializers.ChoiceField(choices=Status.choices, default=Status.DRAFT)
    daily_budget = MoneyField(allow_zero=True, allow_null=True, default=None)
    monthly_budget = MoneyField(allow_zero=True, allow_null=True, default=None)
    dayparting_schedule = IdField(allow_null=True, default=None)


class CampaignUpdateSerializer(serializers.Serializer[Campaign]):
    """PUT replaces (an omitted budget or schedule becomes none); PATCH changes what it names."""

    brand = IdField(required=False, help_text="Optional; a campaign cannot move to another brand.")
    name = serializers.CharField(max_length=200)
    status = serializers.ChoiceField(choices=Status.choices)
    daily_budget = MoneyField(allow_zero=True, allow_null=True, default=None)
    monthly_budget = MoneyField(allow_zero=True, allow_null=True, default=None)
    dayparting_schedule = IdField(allow_null=True, default=None)

    def validate_brand(self, value: int) -> int:
        if self.instance is not None and value != self.instance.brand_id:
            raise serializers.ValidationError("A campaign cannot move to another brand.")
        return value


class EventActorSerializer(serializers.Serializer[CampaignEvent]):
    kind = serializers.ChoiceField(source="actor_kind", choices=CampaignEvent.ActorKind.choices)
    label = serializers.CharField(source="actor_label")  # type: ignore[assignment]
    user = serializers.IntegerField(source="actor_user_id", allow_null=True)


class CampaignEventSerializer(serializers.ModelSerializer[CampaignEvent]):
    actor = EventActorSerializer(source="*", read_only=True)

    class Meta:
        model = CampaignEvent
        fields = ["id", "campaign", "kind", "from_value", "to_value", "reason", "actor", "created_at"]
        read_only_fields = fields


class BrandBudgetSerializer(serializers.Serializer[dict[str, Any]]):
    brand = BrandSerializer(read_only=True)
    campaigns = CampaignSerializer(many=True, read_only=True)


# --- Schedules --------------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$", "example": "09:00"})
class MinuteTimeField(serializers.TimeField):
    """A wall-clock time ``HH:MM`` (hours 00-23)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class WindowSerializer(serializers.Serializer[Any]):
    days_of_week = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        min_length=1,
        max_length=7,
        help_text="0=Monday .. 6=Sunday.",
    )
    start_time = MinuteTimeField()
    end_time = MinuteTimeField(
        help_text="00:00 means until midnight; before `start_time` means overnight; never equal."
    )


class ScheduleSerializer(serializers.ModelSerializer[DaypartingSchedule]):
    timezone = serializers.SerializerMethodField()
    windows = WindowSerializer(many=True, read_only=True)
    days_display = serializers.CharField(read_only=True)
    is_currently_active = serializers.SerializerMethodField()

    class Meta:
        model = DaypartingSchedule
        fields = [
            "id",
            "name",
            "timezone",
            "is_active",
            "windows",
            "days_display",
            "is_currently_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_timezone(self, schedule: DaypartingSchedule) -> str | None:
        """The schedule's IANA time zone; ``null``: each campaign's brand time zone."""
        return schedule.timezone or None

    def get_is_currently_active(self, schedule: DaypartingSchedule) -> bool:
        """Whether now is inside a window (read in UTC when the schedule has no time zone);
        an inactive schedule restricts nothing, so it is always true."""
        return schedule.is_currently_active(context_moment(self.context))


class ScheduleWriteSerializer(serializers.Serializer[DaypartingSchedule]):
    name = serializers.CharField(max_length=200)
    timezone = serializers.CharField(
        max_length=64,
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="IANA time zone; `null` or empty: read in each campaign's brand time zone.",
    )
    is_active = serializers.BooleanField(default=True, help_text="An inactive schedule restricts nothing.")
    windows = RecordsSerializer(
        child=WindowSerializer(),
        min_length=1,
        max_length=MAX_WINDOWS,
        help_text=f"1 to {MAX_WINDOWS} windows; on PUT or PATCH they replace every window.",
    )


# --- Spend ------------------------------------------------------------------------------


class SpendSerializer(serializers.ModelSerializer[Spend]):
    class Meta:
        model = Spend
        fields = [
            "id",
            "campaign",
            "brand",
            "amount",
            "date",
            "description",
            "source",
            "external_id",
            "created_at",
        ]
        read_only_fields = fields


class SpendCreateSerializer(serializers.Serializer[Spend]):
    campaign = IdField()
    amount = MoneyField(help_text='Greater than zero, at most two decimals, as a string: "12.34".')
    date = serializers.DateField(
        allow_null=True,
        default=None,
        help_text="The brand's local date the money was spent on; default: its today.",
    )
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH, allow_blank=True, default="")
    source = serializers.CharField(max_length=SOURCE_MAX_LENGTH, default=MANUAL_SOURCE)  # type: ignore[assignment]
    external_id = serializers.CharField(
        max_length=EXTERNAL_ID_MAX_LENGTH,
        allow_null=True,
        default=None,
        help_text="The integration's id of this record, unique per `source`: a repeat is not recorded twice.",
    )


class SpendBulkCreateSerializer(serializers.Serializer[Any]):
    spends = RecordsSerializer(
        child=SpendCreateSerializer(),
        min_length=1,
        max_length=MAX_BULK_RECORDS,
        help_text=f"1 to {MAX_BULK_RECORDS:,} records, validated all or nothing.",
    )


class CampaignStateSerializer(serializers.Serializer[Any]):
    is_active = serializers.BooleanField(read_only=True)
    pause_reason = BlankAsNullChoiceField(choices=PauseReason.choices)


class SpendOutcomeSerializer(serializers.Serializer[SpendOutcome]):
    """A recorded spend and the state of its campaign once the spend was applied."""

    id = serializers.IntegerField(source="spend.pk", read_only=True)
    campaign = serializers.IntegerField(source="spend.campaign_id", read_only=True)
    brand = serializers.IntegerField(source="spend.brand_id", read_only=True)
    amount = serializers.DecimalField(source="spend.amount", max_digits=12, decimal_places=2, read_only=True)
    date = serializers.DateField(source="spend.date", read_only=True)
    description = serializers.CharField(source="spend.description", read_only=True)
    source = serializers.CharField(source="spend.source", read_only=True)  # type: ignore[assignment]
    external_id = serializers.CharField(source="spend.external_id", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(source="spend.created_at", read_only=True)
    campaign_state = CampaignStateSerializer(read_only=True)


class SpendBulkResultSerializer(SpendOutcomeSerializer):
    result = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=["created", "duplicate"]))
    def get_result(self, outcome: SpendOutcome) -> str:
        return "created" if outcome.created else "duplicate"


def outcome_payload(outcome: SpendOutcome, *, with_result: bool = False) -> dict[str, Any]:
    """``SpendOutcomeSerializer(outcome).data`` (and the bulk ``result``), built directly.

    The ingestion endpoints answer with up to a thousand of these; DRF's field machinery
    costs more than the write itself there. ``test_outcome_payload_matches_the_serializer``
    keeps the two identical.
    """
    spend = outcome.spend
    created_at = timezone.localtime(spend.created_at, dt.UTC).isoformat()
    payload: dict[str, Any] = {
        "id": spend.pk,
        "campaign": spend.campaign_id,
        "brand": spend.brand_id,
        "amount": f"{spend.amount:.2f}",
        "date": spend.date.isoformat(),
        "description": spend.description,
        "source": spend.source,
        "external_id": spend.external_id,
        "created_at": created_at.removesuffix("+00:00") + "Z"
        if created_at.endswith("+00:00")
        else created_at,
        "campaign_state": {
            "is_active": outcome.campaign_state.is_active,
            "pause_reason": outcome.campaign_state.pause_reason or None,
        },
    }
    if with_result:
        payload["result"] = "created" if outcome.created else "duplicate"
    return payload


class SpendBulkResponseSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField(read_only=True, help_text="Records added to the ledger.")
    duplicates = serializers.IntegerField(
        read_only=True, help_text="Records whose `external_id` was seen before (nothing added)."
    )
    results = SpendBulkResultSerializer(many=True, read_only=True, help_text="One per record, in order.")


# --- Health -----------------------------------------------------------------------------


class HealthSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=["ok", "error"], read_only=True)
    checks = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text='Each check: "ok", "unknown" (cannot tell yet; not a failure) or the error.',
    )


class PingSerializer(serializers.Serializer[Any]):
    user = serializers.CharField(read_only=True, help_text="The authenticated user.")
    authentication = serializers.ChoiceField(choices=["token", "session"], read_only=True)
