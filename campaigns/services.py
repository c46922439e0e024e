"""A person's changes to a campaign: create, change, activate, pause, delete.

Each runs in one transaction that holds the campaign's brand lock (``brands.store``),
writes its audit events, and re-evaluates the campaign at once with the engine
(``campaigns.engine``): raising a budget resumes what it had stopped, lowering it pauses.
The reconcile engine itself lives in ``campaigns.engine``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from brands.store import lock_brands
from campaigns.engine import ReconcileResult as ReconcileResult  # the engine's public names
from campaigns.engine import audit_event, evaluate_campaigns
from campaigns.engine import reconcile as reconcile
from campaigns.engine import reevaluate as reevaluate
from campaigns.models import Campaign, CampaignEvent
from campaigns.rules import Status
from campaigns.selectors import campaigns_for_evaluation
from core.actors import Actor
from core.exceptions import ConflictError
from core.money import clean_budget
from core.sentinels import UNSET
from core.timeutils import now
from spending.models import Spend


def _actor(actor: Actor | None) -> Actor:
    return actor or Actor.system("system")


# --- A person's changes ------------------------------------------------------------------


def _status_value(status: str) -> str:
    if status not in Status.values:
        raise ValidationError(
            {"status": [f'"{status}" is not a valid status; use one of {", ".join(Status.values)}.']}
        )
    return status


def campaign_create(
    *,
    brand_id: int,
    name: str,
    status: str = Status.DRAFT,
    daily_budget: object = None,
    monthly_budget: object = None,
    dayparting_schedule_id: int | None = None,
    actor: Actor | None = None,
    moment: dt.datetime | None = None,
) -> Campaign:
    """Create a campaign and decide at once whether it serves."""
    actor = _actor(actor)
    moment = moment or now()
    with transaction.atomic():
        if not lock_brands([brand_id]):
            raise ValidationError({"brand": [f"Brand {brand_id} does not exist."]})
        campaign = Campaign(
            brand_id=brand_id,
            name=name,
            status=_status_value(status),
            daily_budget=clean_budget(daily_budget, "daily_budget"),
            monthly_budget=clean_budget(monthly_budget, "monthly_budget"),
            dayparting_schedule_id=dayparting_schedule_id,
        )
        campaign.full_clean()
        campaign.save()
        audit_event(
            campaign,
            CampaignEvent.Kind.CREATED,
            actor=actor,
            to_value={
                "status": campaign.status,
                "daily_budget": _money(campaign.daily_budget),
                "monthly_budget": _money(campaign.monthly_budget),
                "dayparting_schedule": campaign.dayparting_schedule_id,
            },
        ).save()
        fresh = list(campaigns_for_evaluation(Campaign.objects.filter(pk=campaign.pk)))
        evaluate_campaigns(fresh, actor=actor, moment=moment)
        return fresh[0]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def campaign_update(
    *,
    campaign_id: int,
    actor: Actor | None = None,
    moment: dt.datetime | None = None,
    name: str = UNSET,
    status: str = UNSET,
    daily_budget: object = UNSET,
    monthly_budget: object = UNSET,
    dayparting_schedule_id: int | None = UNSET,
    reason: str = "",
) -> Campaign:
    """Change what a person may change, audit each change, and re-evaluate at once.

    Raising a budget resumes what it had stopped; lowering it pauses; a status other
    than ``active`` stops serving with no system reason.
    """
    actor = _actor(actor)
    moment = moment or now()
    with transaction.atomic():
        brand_id = Campaign.objects.filter(pk=campaign_id).values_list("brand_id", flat=True).first()
        if brand_id is None:
            raise Campaign.DoesNotExist(f"Campaign {campaign_id} does not exist.")
        lock_brands([brand_id])
        campaign = Campaign.objects.get(pk=campaign_id)
        events: list[CampaignEvent] = []
        if name is not UNSET:
            campaign.name = name
        if status is not UNSET and _status_value(status) != campaign.status:
            events.append(
                audit_event(
                    campaign,
                    CampaignEvent.Kind.STATUS_CHANGED,
                    actor=actor,
                    from_value=campaign.status,
                    to_value=status,
                    reason=reason,
                )
            )
            campaign.status = status
        budgets: dict[str, tuple[str | None, str | None]] = {}
        for field_name, value in (("daily_budget", daily_budget), ("monthly_budget", monthly_budget)):
            if value is UNSET:
                continue
            new_value = clean_budget(value, field_name)
            old_value = getattr(campaign, field_name)
            if new_value != old_value:
                budgets[field_name] = (_money(old_value), _money(new_value))
                setattr(campaign, field_name, new_value)
        if budgets:
            events.append(
                audit_event(
                    campaign,
                    CampaignEvent.Kind.BUDGET_CHANGED,
                    actor=actor,
                    from_value={k: v[0] for k, v in budgets.items()},
                    to_value={k: v[1] for k, v in budgets.items()},
                    reason=reason,
                )
            )
        if dayparting_schedule_id is not UNSET and dayparting_schedule_id != campaign.dayparting_schedule_id:
            events.append(
                audit_event(
                    campaign,
                    CampaignEvent.Kind.SCHEDULE_CHANGED,
                    actor=actor,
                    from_value=campaign.dayparting_schedule_id,
                    to_value=dayparting_schedule_id,
                    reason=reason,
                )
            )
            campaign.dayparting_schedule_id = dayparting_schedule_id
        if campaign.status != Status.ACTIVE:
            was_active = campaign.is_active
            campaign.is_active = False
            campaign.pause_reason = ""
            if was_active:
                events.append(
                    audit_event(
                        campaign,
                        CampaignEvent.Kind.SERVING_STOPPED,
                        actor=actor,
                        from_value={"is_active": True, "pause_reason": None},
                        to_value={"is_active": False, "pause_reason": None, "reasons": []},
                        reason=f"status {campaign.status}",
                    )
                )
        campaign.full_clean()
        campaign.save()
        CampaignEvent.objects.bulk_create(events)
        fresh = list(campaigns_for_evaluation(Campaign.objects.filter(pk=campaign.pk)))
        evaluate_campaigns(fresh, actor=actor, moment=moment)
        return fresh[0]


def campaign_activate(
    *, campaign_id: int, actor: Actor | None = None, moment: dt.datetime | None = None
) -> Campaign:
    """A person sets status ``active``; the rule decides whether it serves now."""
    return campaign_update(campaign_id=campaign_id, status=Status.ACTIVE, actor=actor, moment=moment)


def campaign_pause(*, campaign_id: int, actor: Actor | None = None, reason: str = "") -> Campaign:
    """A person's pause: status ``paused``. No job ever resumes it."""
    return campaign_update(campaign_id=campaign_id, status=Status.PAUSED, actor=actor, reason=reason)


def campaign_delete(*, campaign_id: int) -> None:
    """Delete a campaign that has no spend (spend history is never lost)."""
    with transaction.atomic():
        campaign = Campaign.objects.get(pk=campaign_id)
        lock_brands([campaign.brand_id])
        if Spend.objects.filter(campaign_id=campaign_id).exists():
            raise ConflictError(
                "This campaign has recorded spend; archive it instead of deleting it.",
                code="has_spend",
            )
        campaign.delete()
