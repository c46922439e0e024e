"""Brand changes; each appends its event (``brand.created``/``brand.updated`` with ``changes:
{field: [from, to]}``) and re-evaluates the brand's campaigns before it commits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Q

from brands.models import Brand
from brands.store import lock_brands
from campaigns.budget_alerts import thresholds_rearm
from campaigns.engine import ReconcileResult, reevaluate
from campaigns.models import Campaign
from campaigns.rules import Status
from core.actors import Actor
from core.alerts import clean_alert_emails, clean_alert_thresholds
from core.exceptions import ConflictError
from core.money import clean_budget
from core.sentinels import UNSET
from core.timeutils import now
from events.services import event_append
from events.types import EventType, field_changes
from spending.models import Spend

# The fields a brand's events carry in ``changes`` (a service adding a field to the brand
# adds it here, or passes more to ``brand_audited``).
AUDITED_FIELDS = (
    "name",
    "timezone",
    "currency",
    "daily_budget",
    "monthly_budget",
    "is_active",
    "alert_thresholds",
    "alert_emails",
)
# A change of these re-arms the brand's threshold alerts (and fires what is now reached).
ALERT_FIELDS = ("timezone", "daily_budget", "monthly_budget", "alert_thresholds")


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
    alert_thresholds: object = UNSET,
    alert_emails: object = UNSET,
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
    if alert_thresholds is not UNSET:
        brand.alert_thresholds = clean_alert_thresholds(alert_thresholds)
    if alert_emails is not UNSET:
        brand.alert_emails = clean_alert_emails(alert_emails)
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
    alert_thresholds: object = UNSET,
    alert_emails: object = UNSET,
) -> Brand:
    """Change a brand and re-evaluate its campaigns at once.

    Raising a budget (or reactivating the brand) resumes what it had stopped; lowering
    it (or deactivating) pauses every campaign it now stops. A change of budgets or
    thresholds re-arms the threshold alerts above the new usage and writes, at once, those
    now reached (``campaigns.budget_alerts.thresholds_rearm``; new thresholds: for the
    brand's capped campaigns too).
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
    if alert_thresholds is not UNSET:
        changes["alert_thresholds"] = clean_alert_thresholds(alert_thresholds)
    if alert_emails is not UNSET:
        changes["alert_emails"] = clean_alert_emails(alert_emails)
    moment = moment or now()
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
        if set(audited) & set(ALERT_FIELDS):
            _rearm(
                brand,
                thresholds_changed="alert_thresholds" in audited or "timezone" in audited,
                actor=actor,
                moment=moment,
            )
        brand_reevaluate(brand_id=brand.pk, actor=actor, moment=moment)
    return brand


def _rearm(brand: Brand, *, thresholds_changed: bool, actor: Actor | None, moment: dt.datetime) -> None:
    """Re-arm the brand's caps; with new thresholds (or a new time zone), its capped
    campaigns' too (one more query)."""
    campaigns: list[Campaign] = []
    if thresholds_changed:
        campaigns = list(
            Campaign.objects.filter(brand_id=brand.pk)
            .filter(Q(daily_budget__isnull=False) | Q(monthly_budget__isnull=False))
            .order_by("pk")
        )
    thresholds_rearm(brand=brand, campaigns=campaigns, actor=actor, moment=moment)


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
