"""Django validators of the values every entry point shares (model fields, forms, API):
time zones, currencies and text. They call the one parser of each value in core."""

from __future__ import annotations

from functools import lru_cache

import iso4217
from django.core.exceptions import ValidationError

from core.text import TextError, check_text
from core.timeutils import is_valid_timezone

# Active ISO 4217 codes that cannot be a brand's money: "testing" and "no currency".
_NOT_MONEY = frozenset({"XTS", "XXX"})


@lru_cache(maxsize=1)
def currency_codes() -> frozenset[str]:
    """The active ISO 4217 codes (SIX's list one, as the pinned ``iso4217`` package ships it)."""
    return frozenset(currency.code for currency in iso4217.Currency) - _NOT_MONEY


def validate_timezone(value: str) -> None:
    if not is_valid_timezone(value):
        raise ValidationError(
            "%(value)s is not a known IANA time zone (for example Europe/Paris).",
            code="invalid_timezone",
            params={"value": value},
        )


def validate_currency(value: str) -> None:
    if value not in currency_codes():
        raise ValidationError(
            "Enter a three-letter ISO 4217 currency code such as USD.", code="invalid_currency"
        )


def validate_single_line_text(value: str) -> None:
    """Names, sources, ids: no control characters at all (see ``core.text``)."""
    try:
        check_text(value)
    except TextError as error:
        raise ValidationError(str(error), code="invalid_text") from None


def validate_multiline_text(value: str) -> None:
    """Descriptions: no control characters but tab and newline (see ``core.text``)."""
    try:
        check_text(value, multiline=True)
    except TextError as error:
        raise ValidationError(str(error), code="invalid_text") from None
