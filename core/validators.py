from __future__ import annotations

from django.core.exceptions import ValidationError

from core.timeutils import is_valid_timezone


def validate_timezone(value: str) -> None:
    if not is_valid_timezone(value):
        raise ValidationError(
            "%(value)s is not a known IANA time zone (for example Europe/Paris).",
            code="invalid_timezone",
            params={"value": value},
        )


def validate_currency(value: str) -> None:
    if len(value) != 3 or not value.isalpha() or not value.isupper():
        raise ValidationError(
            "Enter a three-letter ISO 4217 currency code such as USD.", code="invalid_currency"
        )
