"""Serializer fields the API shares: money as strings, nullable choices."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.money import MAX_AMOUNT, MoneyError, parse_amount

# Up to ten digits before the point and two after: what a money column holds.
MONEY_PATTERN = r"^\d{1,10}(\.\d{1,2})?$"
MONEY_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": MONEY_PATTERN,
    "example": "125.50",
    "description": f"Money as a string with at most two decimals (at most {MAX_AMOUNT}).",
}
ID_MAX = 2**63 - 1  # a bigint primary key


@extend_schema_field(MONEY_SCHEMA)
class MoneyField(serializers.Field[Decimal, Any, str, Any]):
    """Money in: a string (or integer) parsed strictly by ``core.money``; never a float.

    Zero is refused unless ``allow_zero`` (a budget of zero is a valid cap; a spend of zero
    is not). Out: a string with two decimals.
    """

    def __init__(self, *, allow_zero: bool = False, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        try:
            return parse_amount(data, allow_zero=self.allow_zero)
        except MoneyError as error:
            raise serializers.ValidationError(str(error), code="invalid_amount") from None

    def to_representation(self, value: Decimal) -> str:
        return f"{value:.2f}"


class IdField(serializers.IntegerField):
    """A primary key in a request body: a positive integer that fits a bigint."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A read-only choice stored as ``""`` when empty, shown as ``null``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return None if value in ("", None) else super().to_representation(value)
