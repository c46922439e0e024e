"""Campaigns and their audit trail: as read, and as a client creates or changes one."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import BlankAsNullChoiceField, IdField, MoneyField, TextField
from api.states import CampaignStatus, campaign_statuses
from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status

from .brands import BrandSerializer
from .common import BudgetSerializer, InputSerializer, context_cache, context_moment


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


class CampaignCreateSerializer(InputSerializer):
    brand = IdField()
    name = TextField(max_length=200)
    status = serializers.ChoiceField(choices=Status.choices, default=Status.DRAFT)
    daily_budget = MoneyField(allow_zero=True, allow_null=True, default=None)
    monthly_budget = MoneyField(allow_zero=True, allow_null=True, default=None)
    dayparting_schedule = IdField(allow_null=True, default=None)


class CampaignUpdateSerializer(InputSerializer):
    """PUT replaces (an omitted budget or schedule becomes none); PATCH changes what it names."""

    brand = IdField(required=False, help_text="Optional; a campaign cannot move to another brand.")
    name = TextField(max_length=200)
    status = serializers.ChoiceField(choices=Status.choices)
    daily_budget = MoneyField(allow_zero=True, allow_null=True, default=None)
    monthly_budget = MoneyField(allow_zero=True, allow_null=True, default=None)
    dayparting_schedule = IdField(allow_null=True, default=None)

    def validate_brand(self, value: int) -> int:
        if self.instance is not None and value != self.instance.brand_id:
            raise serializers.ValidationError("A campaign cannot move to another brand.")
        return value


class BrandBudgetSerializer(serializers.Serializer[dict[str, Any]]):
    brand = BrandSerializer(read_only=True)
    campaigns = CampaignSerializer(many=True, read_only=True)
