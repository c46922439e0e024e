"""Validation of spend records: one validator for every entry point.

The API (single and bulk), the admin form, the commands and the spend sources all hand
raw values to ``validate_spends``; it names every bad field and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from campaigns.models import Campaign
from core.exceptions import ConflictError, NestedValidationError
from core.money import MoneyError, parse_amount
from core.timeutils import local_date
from spending.models import (
    DESCRIPTION_MAX_LENGTH,
    EXTERNAL_ID_MAX_LENGTH,
    MANUAL_SOURCE,
    SOURCE_MAX_LENGTH,
)

EARLIEST_SPEND_DATE = dt.date(2000, 1, 1)
MAX_BULK_RECORDS = 1000


@dataclass(frozen=True, slots=True)
class SpendInput:
    """One spend as a client sends it, before validation."""

    campaign_id: Any
    amount: Any
    date: Any = None
    description: Any = ""
    source: Any = MANUAL_SOURCE
    external_id: Any = None


@dataclass(frozen=True, slots=True)
class ValidSpend:
    """One spend that passed validation, with its campaign loaded."""

    campaign: Campaign
    amount: Decimal
    date: dt.date | None
    description: str
    source: str
    external_id: str | None


def validate_spend(item: SpendInput, campaigns: dict[int, Campaign], moment: dt.datetime) -> ValidSpend:
    """Check one record without writing; raises ``ValidationError`` naming each bad field."""
    errors: dict[str, list[str]] = {}
    campaign: Campaign | None = None
    try:
        campaign_id = int(item.campaign_id)
        if isinstance(item.campaign_id, bool | float):
            raise TypeError
    except (TypeError, ValueError):
        errors["campaign"] = ["A valid campaign id (an integer) is required."]
    else:
        campaign = campaigns.get(campaign_id)
        if campaign is None:
            errors["campaign"] = [f"Campaign {campaign_id} does not exist."]
    amount = Decimal(0)
    try:
        amount = parse_amount(item.amount)
    except MoneyError as error:
        errors["amount"] = [str(error)]
    if item.date is not None:
        if not isinstance(item.date, dt.date) or isinstance(item.date, dt.datetime):
            errors["date"] = ["Enter a date as YYYY-MM-DD."]
        elif item.date < EARLIEST_SPEND_DATE:
            errors["date"] = [f"The date must not be before {EARLIEST_SPEND_DATE:%Y-%m-%d}."]
        elif campaign is not None:
            latest = local_date(campaign.brand.timezone, moment) + dt.timedelta(
                days=settings.SPEND_MAX_DAYS_AHEAD
            )
            if item.date > latest:
                errors["date"] = [
                    f"The date is too far in the future: the latest allowed is {latest:%Y-%m-%d}."
                ]
    description = item.description if item.description is not None else ""
    if not isinstance(description, str):
        errors["description"] = ["Enter text."]
    elif len(description) > DESCRIPTION_MAX_LENGTH:
        errors["description"] = [f"Ensure this field has no more than {DESCRIPTION_MAX_LENGTH} characters."]
    source = (item.source or MANUAL_SOURCE) if isinstance(item.source, str | type(None)) else None
    if source is None or not source.strip():
        errors["source"] = ["Enter a source name."]
    elif len(source) > SOURCE_MAX_LENGTH:
        errors["source"] = [f"Ensure this field has no more than {SOURCE_MAX_LENGTH} characters."]
    external_id = item.external_id
    if external_id is not None:
        if not isinstance(external_id, str):
            errors["external_id"] = ["Enter text."]
        else:
            external_id = external_id.strip() or None
            if external_id is not None and len(external_id) > EXTERNAL_ID_MAX_LENGTH:
                errors["external_id"] = [
                    f"Ensure this field has no more than {EXTERNAL_ID_MAX_LENGTH} characters."
                ]
    if errors:
        raise ValidationError(errors)
    assert campaign is not None
    assert source is not None
    return ValidSpend(campaign, amount, item.date, description, source.strip(), external_id)


def campaign_ids_of(raw_ids: Iterable[Any]) -> set[int]:
    wanted: set[int] = set()
    for raw in raw_ids:
        if isinstance(raw, bool | float):
            continue
        try:
            wanted.add(int(raw))
        except (TypeError, ValueError):
            continue
    return wanted


def validate_spends(
    items: Sequence[SpendInput], campaigns: dict[int, Campaign], moment: dt.datetime
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
