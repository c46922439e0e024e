"""What the serializers of every resource share: the request's moment and per-page caches,
the budget block, the strict input base class and the per-record error shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, cast

from rest_framework import serializers

from api.fields import UNKNOWN_FIELD
from api.states import BudgetStatus
from core.timeutils import now


def context_moment(context: Mapping[str, Any]) -> dt.datetime:
    """The one "now" of a request (views put it in the context), so every row is read at it."""
    moment = context.get("moment")
    return moment if isinstance(moment, dt.datetime) else now()


def context_cache(context: Mapping[str, Any], key: str) -> dict[int, Any]:
    """A per-response cache in the serializer context (a dict DRF shares with nested fields)."""
    return cast(dict[str, Any], context).setdefault(key, {})  # type: ignore[no-any-return]


# A comment, not a docstring: the schema would repeat a docstring on every subclass.
# A request body: a field the serializer does not take (a typo such as ``daily_budjet``,
# or a read-only field such as ``id``) is an error naming it, never silently dropped.
# The schema says so too (``additionalProperties: false``, ``api.schema``).
class InputSerializer(serializers.Serializer[Any]):
    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            writable = {field.field_name for field in self._writable_fields}
            unknown = {str(key): [UNKNOWN_FIELD] for key in data if key not in writable}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**unknown, **error.detail}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


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
