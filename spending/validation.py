"""Validation of spend records: one validator for every entry point.

The API (single and bulk) hands the JSON values a client sent, untouched, to
``SpendInput.from_json``; the admin form, the commands and the spend sources build
``SpendInput`` from their own values. ``spend_record_many`` validates every record with
``validate_spends`` before it writes anything, naming each bad field. So there is one rule
per value (``core.money.parse_amount``, ``core.text.check_text``,
``core.timeutils.parse_date``), whoever calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from campaigns.models import Campaign
from core.exceptions import ConflictError, NestedValidationError
from core.models import ID_MAX
from core.money import MoneyError, parse_amount
from core.text import text_error
from core.timeutils import local_date, parse_date
from spending.models import (
    DESCRIPTION_MAX_LENGTH,
    EXTERNAL_ID_MAX_LENGTH,
    MANUAL_SOURCE,
    SOURCE_MAX_LENGTH,
)

EARLIEST_SPEND_DATE = dt.date(2000, 1, 1)
MAX_BULK_RECORDS = 1000

# The fields of a spend record as a client sends it (JSON names).
SPEND_FIELDS: Final = frozenset({"campaign", "amount", "date", "description", "source", "external_id"})
REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
UNKNOWN_FIELD = "Unknown field."
NOT_AN_OBJECT = "Send a spend record as a JSON object."


class _Missing:
    """A required field the client did not send."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


@dataclass(frozen=True, slots=True)
class SpendInput:
    """One spend as a client sends it, before validation (any value of any type)."""

    campaign_id: Any
    amount: Any
    date: Any = None
    description: Any = ""
    source: Any = MANUAL_SOURCE
    external_id: Any = None
    # Set by ``from_json``: names the record carried that are not fields of a spend, or
    # that the record was not a JSON object at all.
    unknown_fields: tuple[str, ...] = ()
    not_an_object: bool = False

    @classmethod
    def from_json(cls, record: Any) -> SpendInput:
        """A record of a request body, as decoded from JSON, unchecked."""
        if not isinstance(record, dict):
            return cls(MISSING, MISSING, not_an_object=True)
        get = record.get
        return cls(
            get("campaign", MISSING),
            get("amount", MISSING),
            get("date"),
            get("description", ""),
            get("source", MANUAL_SOURCE),
            get("external_id"),
            () if record.keys() <= SPEND_FIELDS else tuple(sorted(record.keys() - SPEND_FIELDS)),
        )


@dataclass(frozen=True, slots=True)
class ValidSpend:
    """One spend that passed validation, with its campaign loaded."""

    campaign: Campaign
    amount: Decimal
    date: dt.date | None
    description: str
    source: str
    external_id: str | None


def as_campaign_id(value: Any) -> int | None:
    """A campaign id as sent: an integer (not a boolean, a float or a string) that fits a
    bigint; ``None`` for anything else."""
    if type(value) is int and 1 <= value <= ID_MAX:
        return value
    return None


def _campaign(value: Any, campaigns: Mapping[int, Campaign], errors: dict[str, list[str]]) -> Campaign | None:
    if value is MISSING or value is None:
        errors["campaign"] = [REQUIRED if value is MISSING else NOT_NULL]
        return None
    campaign_id = as_campaign_id(value)
    if campaign_id is None:
        if type(value) is int:
            errors["campaign"] = [f"Campaign {value} does not exist."]
        else:
            errors["campaign"] = ["A valid campaign id (an integer) is required."]
        return None
    campaign = campaigns.get(campaign_id)
    if campaign is None:
        errors["campaign"] = [f"Campaign {campaign_id} does not exist."]
    return campaign


def _amount(value: Any, errors: dict[str, list[str]]) -> Decimal:
    if value is MISSING:
        errors["amount"] = [REQUIRED]
        return Decimal(0)
    try:
        return parse_amount(value)
    except MoneyError as error:
        errors["amount"] = [str(error)]
        return Decimal(0)


def _date(
    value: Any, campaign: Campaign | None, moment: dt.datetime, errors: dict[str, list[str]]
) -> dt.date | None:
    if value is None:
        return None
    try:
        day = parse_date(value)
    except ValueError as error:
        errors["date"] = [str(error)]
        return None
    if day < EARLIEST_SPEND_DATE:
        errors["date"] = [f"The date must not be before {EARLIEST_SPEND_DATE:%Y-%m-%d}."]
    elif campaign is not None:
        latest = local_date(campaign.brand.timezone, moment) + dt.timedelta(
            days=settings.SPEND_MAX_DAYS_AHEAD
        )
        if day > latest:
            errors["date"] = [f"The date is too far in the future: the latest allowed is {latest:%Y-%m-%d}."]
    return day


def _text(
    name: str,
    value: Any,
    errors: dict[str, list[str]],
    *,
    max_length: int,
    multiline: bool = False,
    blank: bool = True,
) -> str:
    """A text field: a string of at most ``max_length`` characters that passes
    ``core.text.check_text``; leading and trailing spaces are kept (``strip`` is the
    caller's choice)."""
    if value is None:
        errors[name] = [NOT_NULL]
        return ""
    if not isinstance(value, str):
        errors[name] = ["Enter text (a JSON string)."]
        return ""
    problem = text_error(value, multiline=multiline)
    if problem is not None:
        errors[name] = [problem]
    elif not blank and not value.strip():
        errors[name] = ["This field may not be blank."]
    elif len(value) > max_length:
        errors[name] = [f"Ensure this field has no more than {max_length} characters."]
    return value


def validate_spend(item: SpendInput, campaigns: Mapping[int, Campaign], moment: dt.datetime) -> ValidSpend:
    """Check one record without writing; raises ``ValidationError`` naming each bad field."""
    if item.not_an_object:
        raise ValidationError({NON_FIELD_ERRORS: [NOT_AN_OBJECT]})
    errors: dict[str, list[str]] = {name: [UNKNOWN_FIELD] for name in item.unknown_fields}
    campaign = _campaign(item.campaign_id, campaigns, errors)
    amount = _amount(item.amount, errors)
    day = _date(item.date, campaign, moment, errors)
    description = _text(
        "description", item.description, errors, max_length=DESCRIPTION_MAX_LENGTH, multiline=True
    )
    source = _text("source", item.source, errors, max_length=SOURCE_MAX_LENGTH, blank=False).strip()
    external_id = None
    if item.external_id is not None:
        external_id = _text(
            "external_id", item.external_id, errors, max_length=EXTERNAL_ID_MAX_LENGTH, blank=False
        ).strip()
    if errors:
        raise ValidationError(errors)
    assert campaign is not None
    return ValidSpend(campaign, amount, day, description, source, external_id)


def campaign_ids_of(raw_ids: Iterable[Any]) -> set[int]:
    """The campaign ids worth looking up: those that are valid ids (the rest fail validation)."""
    return {campaign_id for raw in raw_ids if (campaign_id := as_campaign_id(raw)) is not None}


def spend_inputs_from_json(body: Any) -> list[SpendInput]:
    """The records of a bulk request body ``{"spends": [...]}``, unchecked; the envelope
    itself is checked here (an object with exactly the key ``spends``, a list)."""
    if not isinstance(body, dict):
        raise ValidationError({NON_FIELD_ERRORS: ['Send a JSON object: {"spends": [...]}.']})
    errors: dict[str, list[str]] = {key: [UNKNOWN_FIELD] for key in body if key != "spends"}
    records = body.get("spends", MISSING)
    if records is MISSING or records is None:
        errors["spends"] = [REQUIRED if records is MISSING else NOT_NULL]
    elif not isinstance(records, list):
        errors["spends"] = ["Send a list of spend records."]
    if errors:
        raise ValidationError(errors)
    return [SpendInput.from_json(record) for record in records]


def validate_spends(
    items: Sequence[SpendInput], campaigns: Mapping[int, Campaign], moment: dt.datetime
) -> list[ValidSpend]:
    valid: list[ValidSpend] = []
    errors: list[dict[str, list[str]]] = []
    for item in items:
        try:
            valid.append(validate_spend(item, campaigns, moment))
            errors.append({})
        except ValidationError as error:
            errors.append(error.message_dict)
    if any(errors):
        if len(items) == 1:
            raise ValidationError(errors[0])
        raise NestedValidationError("spends", errors)
    seen_keys: dict[tuple[str, str], int] = {}
    for index, record in enumerate(valid):
        if record.external_id is None:
            continue
        key = (record.source, record.external_id)
        if key in seen_keys and not same_input(valid[seen_keys[key]], record):
            raise ConflictError(
                f"external_id {record.external_id!r} appears twice in this request with different bodies.",
                field="external_id",
            )
        seen_keys.setdefault(key, index)
    return valid


def same_input(a: ValidSpend, b: ValidSpend) -> bool:
    return (a.campaign.pk, a.amount, a.date, a.description) == (
        b.campaign.pk,
        b.amount,
        b.date,
        b.description,
    )
