"""Serializer fields of request bodies: each takes exactly the JSON type the schema names,
and parses with the one parser of its value in ``core`` (money, text, times).

DRF's own fields are lenient where money is at stake (``"7"`` for an integer, ``"yes"`` for
a boolean, ``12`` for a string); these are not, so that every value the schema calls
invalid is answered with 400.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.alerts import (
    EMAIL_MAX_LENGTH,
    EMAIL_PATTERN,
    EMAILS_HELP,
    MAX_EMAILS,
    MAX_THRESHOLDS,
    THRESHOLD_MAX,
    THRESHOLD_MIN,
    THRESHOLDS_HELP,
    AlertSettingError,
    parse_alert_emails,
    parse_alert_thresholds,
)
from core.models import ID_MAX
from core.money import AMOUNT_PATTERN, MAX_AMOUNT, MoneyError, parse_amount
from core.text import TextError, check_text
from core.timeutils import HHMM_PATTERN, parse_hhmm
from core.validators import validate_currency, validate_timezone

MONEY_PATTERN = AMOUNT_PATTERN
MONEY_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": MONEY_PATTERN,
    "example": "125.50",
    "description": (
        f"Money as a string of ASCII digits with at most two decimals (at most {MAX_AMOUNT}); "
        "no sign, exponent, spaces or separators; never a JSON number."
    ),
}
UNKNOWN_FIELD = "This field is unknown or read-only."
__all__ = ["ID_MAX", "MONEY_PATTERN", "UNKNOWN_FIELD"]


@extend_schema_field(MONEY_SCHEMA)
class MoneyField(serializers.Field[Decimal, Any, str, Any]):
    """Money in: a string parsed by ``core.money.parse_amount``; never a number.

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
    """A primary key in a request body: a JSON integer (not a string, float or boolean)
    from 1 to the bigint maximum."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if type(data) is not int:
            self.fail("invalid")
        return super().to_internal_value(data)


class WeekdayField(IdField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, max_value=6, **kwargs)


class BooleanField(serializers.BooleanField):
    """A JSON ``true`` or ``false``; nothing else (no ``"yes"``, ``1`` or ``"true"``)."""

    def to_internal_value(self, data: Any) -> bool:
        if type(data) is not bool:
            self.fail("invalid", input=data)
        return data


class TextField(serializers.CharField):
    """A JSON string that ``core.text.check_text`` accepts (``multiline``: tab and newline
    allowed); surrounding spaces are trimmed, as DRF does."""

    def __init__(self, *, multiline: bool = False, **kwargs: Any) -> None:
        self.multiline = multiline
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if data is not serializers.empty and data is not None:
            if not isinstance(data, str):
                self.fail("invalid")
            try:
                check_text(data, multiline=self.multiline)
            except TextError as error:
                raise serializers.ValidationError(str(error), code="invalid_text") from None
        return super().run_validation(data)


@extend_schema_field({"type": "string", "pattern": HHMM_PATTERN, "example": "09:00"})
class MinuteTimeField(serializers.Field[dt.time, Any, str, Any]):
    """A wall-clock time, exactly ``HH:MM`` (hours 00-23): ``core.timeutils.parse_hhmm``."""

    def to_internal_value(self, data: Any) -> dt.time:
        if not isinstance(data, str):
            raise serializers.ValidationError("Enter a time as HH:MM (hours 00-23).", code="invalid")
        try:
            return parse_hhmm(data)
        except ValueError as error:
            raise serializers.ValidationError(str(error), code="invalid") from None

    def to_representation(self, value: dt.time) -> str:
        return value.strftime("%H:%M")


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A read-only choice stored as ``""`` when empty, shown as ``null``."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return None if value in ("", None) else super().to_representation(value)


@extend_schema_field(
    {
        "type": "string",
        "minLength": 1,
        "maxLength": 64,
        "example": "America/New_York",
        "description": "An IANA time zone: a zone or link of the tz database (not `Factory`).",
    }
)
class TimezoneField(TextField):
    """An IANA time-zone name, as ``core.validators.validate_timezone`` accepts it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=64, trim_whitespace=False, validators=[validate_timezone], **kwargs)


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^[A-Z]{3}$",
        "example": "USD",
        "description": "An active ISO 4217 currency code (not XTS or XXX).",
    }
)
class CurrencyField(TextField):
    """An active ISO 4217 code, as ``core.validators.validate_currency`` accepts it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(trim_whitespace=False, validators=[validate_currency], **kwargs)


THRESHOLDS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"type": "integer", "minimum": THRESHOLD_MIN, "maximum": THRESHOLD_MAX},
    "maxItems": MAX_THRESHOLDS,
    "uniqueItems": True,
    "example": [50, 80, 100],
    "description": THRESHOLDS_HELP,
}
EMAILS_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "maxLength": EMAIL_MAX_LENGTH, "pattern": EMAIL_PATTERN},
    "maxItems": MAX_EMAILS,
    "uniqueItems": True,
    "example": ["ops@example.com"],
    "description": EMAILS_HELP + " Repeats are compared case-insensitively.",
}


class _AlertSettingField(serializers.Field[list[Any], Any, list[Any], Any]):
    """A list parsed by its one parser in ``core.alerts``."""

    def parse(self, data: Any) -> list[Any]:
        raise NotImplementedError

    def to_internal_value(self, data: Any) -> list[Any]:
        try:
            return self.parse(data)
        except AlertSettingError as error:
            raise serializers.ValidationError(str(error), code="invalid") from None

    def to_representation(self, value: list[Any]) -> list[Any]:
        return list(value)


@extend_schema_field(THRESHOLDS_SCHEMA)
class AlertThresholdsField(_AlertSettingField):
    """``alert_thresholds``: ``core.alerts.parse_alert_thresholds`` (stored ascending)."""

    def parse(self, data: Any) -> list[Any]:
        return parse_alert_thresholds(data)


@extend_schema_field(EMAILS_SCHEMA)
class AlertEmailsField(_AlertSettingField):
    """``alert_emails``: ``core.alerts.parse_alert_emails``."""

    def parse(self, data: Any) -> list[Any]:
        return parse_alert_emails(data)
