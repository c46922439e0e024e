"""Brands: the resource as read, and as a client writes it."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.fields import BooleanField, CurrencyField, MoneyField, TextField, TimezoneField
from api.states import BudgetStatus, brand_statuses
from brands.models import Brand

from .common import BudgetSerializer, InputSerializer, context_cache, context_moment


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


class BrandWriteSerializer(InputSerializer):
    """A brand as a client sends it. PUT replaces: an omitted budget becomes "no cap"."""

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
