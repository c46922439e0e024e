"""The one parser of a brand's alert settings (API.md "Alerts"), used by every entry point:
the API's fields, the admin form and the brand services (which the model's validators
also run through ``full_clean``).

- ``alert_thresholds``: a list of distinct integer percents from 1 to 1000, at most 10,
  stored ascending; ``[]`` turns threshold alerts off. JSON integers only: ``true``,
  ``"50"``, ``50.0`` are refused.
- ``alert_emails``: a list of at most 20 distinct, valid email addresses (strings), kept in
  the order given (compared case-insensitively for repeats).

Text from a form (``"50, 80, 100"``, one address per comma or line) is split by
``thresholds_from_text`` / ``emails_from_text`` and then parsed by the same functions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

THRESHOLD_MIN = 1
THRESHOLD_MAX = 1000
MAX_THRESHOLDS = 10
MAX_EMAILS = 20
EMAIL_MAX_LENGTH = 254
# What the schema promises of an address (one ``@``, no spaces); then Django's validator.
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"

THRESHOLDS_HELP = (
    f"Integer percents ({THRESHOLD_MIN}-{THRESHOLD_MAX}) of each daily and monthly cap of the brand "
    f"and its campaigns at which a budget.threshold_reached event is written; at most "
    f"{MAX_THRESHOLDS}, distinct, stored ascending; [] turns threshold alerts off."
)
EMAILS_HELP = f"At most {MAX_EMAILS} distinct addresses that receive the brand's alerts by email."


class AlertSettingError(ValueError):
    """The value is not a valid alert setting (the message says why)."""


def parse_alert_thresholds(value: object) -> list[int]:
    """``value`` as stored: distinct integers 1..1000, at most 10, ascending."""
    if not isinstance(value, list | tuple):
        raise AlertSettingError("Send a list of integer percents, for example [50, 80, 100].")
    if len(value) > MAX_THRESHOLDS:
        raise AlertSettingError(f"Send at most {MAX_THRESHOLDS} thresholds (got {len(value)}).")
    seen: set[int] = set()
    for item in value:
        if type(item) is not int:  # bool is an int subclass: refused, as are "50" and 50.0
            raise AlertSettingError(f"Each threshold must be an integer percent (got {item!r}).")
        if not THRESHOLD_MIN <= item <= THRESHOLD_MAX:
            raise AlertSettingError(
                f"Each threshold must be from {THRESHOLD_MIN} to {THRESHOLD_MAX} (got {item})."
            )
        if item in seen:
            raise AlertSettingError(f"Threshold {item} is repeated.")
        seen.add(item)
    return sorted(seen)


def parse_alert_emails(value: object) -> list[str]:
    """``value`` as stored: distinct valid addresses, at most 20, in the order given."""
    if not isinstance(value, list | tuple):
        raise AlertSettingError('Send a list of email addresses, for example ["ops@example.com"].')
    if len(value) > MAX_EMAILS:
        raise AlertSettingError(f"Send at most {MAX_EMAILS} addresses (got {len(value)}).")
    seen: set[str] = set()
    emails: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise AlertSettingError(f"Each address must be a string (got {item!r}).")
        if len(item) > EMAIL_MAX_LENGTH or not re.fullmatch(EMAIL_PATTERN, item):
            raise AlertSettingError(f"{item!r} is not a valid email address.")
        try:
            validate_email(item)
        except ValidationError:
            raise AlertSettingError(f"{item!r} is not a valid email address.") from None
        if item.lower() in seen:
            raise AlertSettingError(f"Address {item} is repeated.")
        seen.add(item.lower())
        emails.append(item)
    return emails


def clean_alert_thresholds(value: object, field_name: str = "alert_thresholds") -> list[int]:
    """``parse_alert_thresholds`` raising ``ValidationError`` naming ``field_name``."""
    try:
        return parse_alert_thresholds(value)
    except AlertSettingError as error:
        raise ValidationError({field_name: [str(error)]}) from None


def clean_alert_emails(value: object, field_name: str = "alert_emails") -> list[str]:
    """``parse_alert_emails`` raising ``ValidationError`` naming ``field_name``."""
    try:
        return parse_alert_emails(value)
    except AlertSettingError as error:
        raise ValidationError({field_name: [str(error)]}) from None


def validate_alert_thresholds(value: object) -> None:
    """Model field validator: the stored value must be what the parser returns."""
    try:
        parsed = parse_alert_thresholds(value)
    except AlertSettingError as error:
        raise ValidationError(str(error), code="invalid_thresholds") from None
    if parsed != value:
        raise ValidationError("Store the thresholds ascending.", code="invalid_thresholds")


def validate_alert_emails(value: object) -> None:
    try:
        parse_alert_emails(value)
    except AlertSettingError as error:
        raise ValidationError(str(error), code="invalid_emails") from None


_SEPARATORS = re.compile(r"[,;\s]+")


def _parts(text: str) -> list[str]:
    return [part for part in _SEPARATORS.split(text.strip()) if part]


def thresholds_from_text(text: str) -> list[int]:
    """``"50, 80, 100"`` (commas or spaces) as the parser's input, then parsed."""
    values: list[object] = []
    for part in _parts(text):
        if not re.fullmatch(r"[0-9]{1,4}", part):
            raise AlertSettingError(f"Each threshold must be an integer percent (got {part!r}).")
        values.append(int(part))
    return parse_alert_thresholds(values)


def emails_from_text(text: str) -> list[str]:
    """Addresses separated by commas, semicolons, spaces or lines, then parsed."""
    return parse_alert_emails(_parts(text))


def as_text(values: Sequence[object]) -> str:
    """A stored list as a form shows it: ``"50, 80, 100"``."""
    return ", ".join(str(value) for value in values)
