"""A person's changes to a campaign: create, change, activate, pause, delete.

Each runs in one transaction that holds the campaign's brand lock (``brands.store``),
appends its events to the log (``campaign.created``/``campaign.updated`` with ``changes:
{field: [from, to]}``, and ``campaign.paused`` when a status change stops it serving), and
re-evaluates the campaign at once with the engine (``campaigns.engine``): raising a budget
resumes what it had stopped, lowering it pauses. The reconcile engine itself lives in
``campaigns.engine``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from brands.store import lock_brands
from campaigns.budget_alerts import thresholds_rearm
from campaigns.engine import ReconcileResult as ReconcileResult  # the engine's public names
from campaigns.engine import evaluate_campaigns, serving_event_data
from campaigns.engine import reconcile as reconcile
from campaigns.engine import reevaluate as reevaluate
from campaigns.models import Campaign
from campaigns.rules import Status
from campaigns.selectors import campaigns_for_evaluation
from core.actors import Actor
from core.exceptions import ConflictError
from core.money import clean_budget
from core.sentinels import UNSET
from core.timeutils import now
from events.services import NewEvent, event_append, event_append_many
from events.types import EventType, field_changes
from spending.models import Spend

# The fields a campaign's events carry in ``changes``.
AUDITED_FIELDS = ("name", "status", "daily_budget", "monthly_budget", "dayparting_schedule")


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
        event_append(
            type=EventType.CAMPAIGN_CREATED,
            actor=actor,
            data={"changes": field_changes({}, _audited(campaign))},
            brand_id=brand_id,
            campaign_id=campaign.pk,
        )
        fresh = list(campaigns_for_evaluation(Campaign.objects.filter(pk=campaign.pk)))
        evaluate_campaigns(fresh, actor=actor, moment=moment)
        return fresh[0]


def _audited(campaign: Campaign) -> dict[str, object]:
    """The values of the audited fields (the schedule by id)."""
    return {
        name: campaign.dayparting_schedule_id if name == "dayparting_schedule" else getattr(campaign, name)
        for name in AUDITED_FIELDS
    }


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
        before = _audited(campaign)
        was_active = campaign.is_active
        if name is not UNSET:
            campaign.name = name
        if status is not UNSET:
            campaign.status = _status_value(status)
        for field_name, value in (("daily_budget", daily_budget), ("monthly_budget", monthly_budget)):
            if value is not UNSET:
                setattr(campaign, field_name, clean_budget(value, field_name))
        if dayparting_schedule_id is not UNSET:
            campaign.dayparting_schedule_id = dayparting_schedule_id
        events: list[NewEvent] = []
        changes = field_changes(before, _audited(campaign))
        if changes:
            data: dict[str, object] = {"changes": changes}
            if reason:
                data["reason"] = reason
            events.append(NewEvent(EventType.CAMPAIGN_UPDATED, data, campaign.brand_id, campaign.pk))
        if campaign.status != Status.ACTIVE:
            # Not serving, and no system reason: a person's status. A stop is a pause the ad
            # servers must hear of, like the system's own.
            campaign.is_active = False
            campaign.pause_reason = ""
            if was_active:
                stop = serving_event_data(
                    reason="", reasons=[], previous_reason="", context={"status": campaign.status}
                )
                events.append(NewEvent(EventType.CAMPAIGN_PAUSED, stop, campaign.brand_id, campaign.pk))
        campaign.full_clean()
        campaign.save()
        event_append_many(events=events, actor=actor)
        if {"daily_budget", "monthly_budget"} & changes.keys():
            # A raised cap re-arms its thresholds above the usage; a lowered one alerts now.
            thresholds_rearm(
                brand=campaign.brand, campaigns=[campaign], include_brand=False, actor=actor, moment=moment
            )
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
