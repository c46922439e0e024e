"""Brand changes; each appends its event (``brand.created``/``brand.updated`` with ``changes:
{field: [from, to]}``) and re-evaluates the brand's campaigns before it commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from brands.models import Brand
from brands.store import lock_brands
from campaigns.engine import ReconcileResult, reevaluate
from campaigns.models import Campaign
from campaigns.rules import Status
from core.actors import Actor
from core.exceptions import ConflictError
from core.money import clean_budget
from core.sentinels import UNSET
from events.services import event_append
from events.types import EventType, field_changes
from spending.models import Spend

# The fields a brand's events carry in ``changes`` (a service adding a field to the brand
# adds it here, or passes more to ``brand_audited``).
AUDITED_FIELDS = ("name", "timezone", "currency", "daily_budget", "monthly_budget", "is_active")


def brand_audited(brand: Brand, fields: tuple[str, ...] = AUDITED_FIELDS) -> dict[str, Any]:
    """The values of ``fields`` of ``brand``, as its events compare them."""
    return {name: getattr(brand, name) for name in fields}


def brand_create(
    *,
    name: str,
    timezone: str = "UTC",
    currency: str = "USD",
    daily_budget: object = None,
    monthly_budget: object = None,
    is_active: bool = True,
    actor: Actor | None = None,
) -> Brand:
    brand = Brand(
        name=name,
        timezone=timezone,
        currency=currency,
        daily_budget=clean_budget(daily_budget, "daily_budget"),
        monthly_budget=clean_budget(monthly_budget, "monthly_budget"),
        is_active=is_active,
    )
    brand.full_clean()
    with transaction.atomic():
        brand.save()
        event_append(
            type=EventType.BRAND_CREATED,
            actor=actor,
            data={"changes": field_changes({}, brand_audited(brand))},
            brand_id=brand.pk,
        )
    return brand


def brand_update(
    *,
    brand_id: int,
    actor: Actor | None = None,
    moment: dt.datetime | None = None,
    name: str = UNSET,
    timezone: str = UNSET,
    currency: str = UNSET,
    daily_budget: object = UNSET,
    monthly_budget: object = UNSET,
    is_active: bool = UNSET,
) -> Brand:
    """Change a brand and re-evaluate its campaigns at once.

    Raising a budget (or reactivating the brand) resumes what it had stopped; lowering
    it (or deactivating) pauses every campaign it now stops.
    """
    changes: dict[str, Any] = {
        key: value
        for key, value in (
            ("name", name),
            ("timezone", timezone),
            ("currency", currency),
            ("is_active", is_active),
        )
        if value is not UNSET
    }
    for key, value in (("daily_budget", daily_budget), ("monthly_budget", monthly_budget)):
        if value is not UNSET:
            changes[key] = clean_budget(value, key)
    with transaction.atomic():
        if not lock_brands([brand_id]):
            raise Brand.DoesNotExist(f"Brand {brand_id} does not exist.")
        brand = Brand.objects.get(pk=brand_id)
        before = brand_audited(brand)
        for key, value in changes.items():
            setattr(brand, key, value)
        brand.full_clean()
        brand.save()
        audited = field_changes(before, brand_audited(brand))
        if audited:
            event_append(
                type=EventType.BRAND_UPDATED, actor=actor, data={"changes": audited}, brand_id=brand.pk
            )
        brand_reevaluate(brand_id=brand.pk, actor=actor, moment=moment)
    return brand


def brand_reevaluate(
    *, brand_id: int, actor: Actor | None = None, moment: dt.datetime | None = None
) -> ReconcileResult:
    return reevaluate(
        Campaign.objects.filter(brand_id=brand_id, status=Status.ACTIVE), actor=actor, moment=moment
    )


def brand_set_active(*, brand_id: int, is_active: bool, actor: Actor | None = None) -> Brand:
    return brand_update(brand_id=brand_id, is_active=is_active, actor=actor)


def brand_delete(*, brand_id: int) -> None:
    """Delete a brand that has no spend; with spend history, deactivate it instead."""
    with transaction.atomic():
        if not lock_brands([brand_id]):
            raise Brand.DoesNotExist(f"Brand {brand_id} does not exist.")
        if Spend.objects.filter(brand_id=brand_id).exists():
            raise ConflictError(
                "This brand has recorded spend; deactivate it instead of deleting it.",
                code="has_spend",
            )
        Campaign.objects.filter(brand_id=brand_id).delete()
        Brand.objects.filter(pk=brand_id).delete()
