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
from spending.pacing import Pacing, PacingStatus


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


def _money(help_text: str, *, allow_null: bool = False) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=16, decimal_places=2, read_only=True, allow_null=allow_null, help_text=help_text
    )


def _ratio(
    help_text: str, *, allow_null: bool = False, max_value: float | None = None
) -> serializers.FloatField:
    return serializers.FloatField(
        read_only=True, allow_null=allow_null, min_value=0, max_value=max_value, help_text=help_text
    )


class PacingSerializer(serializers.Serializer[Pacing]):
    """How spend compares with the budgets at this moment, in the brand's time zone (API.md,
    "Pacing"). Rendered by ``Pacing.as_json``; the fields declare its schema."""

    month_elapsed = _ratio("Fraction of the local month gone, to the minute (3 places).", max_value=1)
    expected_monthly_spend = _money(
        "`monthly_budget x month_elapsed`; `null` without a monthly budget.", allow_null=True
    )
    month_pace = _ratio(
        "`monthly_spend / expected_monthly_spend` (3 places); `null` without a monthly budget "
        "or while nothing is expected yet (the month's first minute, a budget of 0).",
        allow_null=True,
    )
    status = serializers.ChoiceField(
        choices=[status.value for status in PacingStatus],
        read_only=True,
        help_text=(
            "`no_budget` without a monthly budget; `exhausted` once it is used up; else by "
            "`month_pace`: `under_pace` below PACING_LOW (0.9), `over_pace` above PACING_HIGH "
            "(1.1), `on_pace` between."
        ),
    )
    run_rate_daily = _money("Mean spend of the last 7 complete local days (fewer for a younger owner).")
    projected_monthly_spend = _money(
        "`monthly_spend + run_rate_daily x days left after today + max(0, run_rate_daily - today's spend)`."
    )
    projected_exhaustion = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=(
            "The local date on which the projection reaches the monthly budget; `null` if it "
            "does not within the month (or without a monthly budget)."
        ),
    )
    day_elapsed = _ratio("Fraction of the local day gone, to the minute (3 places).", max_value=1)
    expected_daily_spend = _money(
        "`daily_budget x day_elapsed`; `null` without a daily budget.", allow_null=True
    )
    run_rate_days = serializers.IntegerField(
        read_only=True, min_value=0, help_text="How many complete days `run_rate_daily` averages."
    )

    def to_representation(self, instance: Pacing) -> dict[str, Any]:
        return instance.as_json()


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
    pacing = PacingSerializer(read_only=True)


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
