"""Shared helpers of the events tests."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from core.actors import Actor
from events.services import NewEvent, event_append_many

SPEND = Actor.system("spend")


def paused(
    campaign_id: int | None = None, brand_id: int | None = None, reason: str = "campaign_daily_budget"
) -> NewEvent:
    return NewEvent(
        type="campaign.paused",
        data={"reason": reason, "reasons": [reason]},
        brand_id=brand_id,
        campaign_id=campaign_id,
    )


def write(events: Iterable[NewEvent], actor: Actor = SPEND) -> None:
    """Append ``events`` in a transaction of their own."""
    with transaction.atomic():
        event_append_many(events=list(events), actor=actor)
