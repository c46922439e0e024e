"""Brands: the resource as read, and as a client writes it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import (
    AlertEmailsField,
    AlertThresholdsField,
    BooleanField,
    CurrencyField,
    IdField,
    MoneyField,
    TextField,
    TimezoneField,
)
from api.states import BudgetStatus, brand_statuses
from brands.models import Brand, default_alert_thresholds

from .common import BudgetSerializer, InputSerializer, context_cache, context_moment


class BrandSerializer(serializers.ModelSerializer[Brand]):
    budget = serializers.SerializerMethodField()
    alert_thresholds = AlertThresholdsField(read_only=True)
    alert_emails = AlertEmailsField(read_only=True)

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
            "alert_thresholds",
            "alert_emails",
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


class BrandWriteSerializer(InputSerializer):
    """A brand as a client sends it. PUT replaces: an omitted budget becomes "no cap", omitted
    alert settings their defaults."""

    name = TextField(max_length=200)
    timezone = TimezoneField(default="UTC")
    currency = CurrencyField(default="USD")
    daily_budget = MoneyField(
        allow_zero=True, allow_null=True, default=None, help_text="`null`: no daily cap."
    )
    monthly_budget = MoneyField(
        allow_zero=True, allow_null=True, default=None, help_text="`null`: no monthly cap."
    )
    is_active = BooleanField(default=True)
    alert_thresholds = AlertThresholdsField(
        default=default_alert_thresholds,
        help_text="Percents of every cap (brand and campaigns) that alert; default `[50, 80, 100]`.",
    )
    alert_emails = AlertEmailsField(
        default=list, help_text="Addresses that receive the brand's alerts; default `[]`."
    )


TEAM_HELP = (
    "The team the new {what} joins: one you manage. Optional when you manage exactly one team; "
    "ops staff may omit it ({none})."
)


class BrandCreateSerializer(BrandWriteSerializer):
    team = IdField(
        required=False,
        help_text=TEAM_HELP.format(what="brand", none="a brand of no team is seen by ops only"),
    )
