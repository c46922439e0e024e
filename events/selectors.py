"""Reads of the event log and of the webhook endpoints.

``endpoint_scope`` is the one place that decides what an endpoint covers: the brands (its
own list, or every brand its owner may see) and the event types. The owner's scope
(``access.selectors``) narrows the brands, at every dispatch: an endpoint never receives an
event of a brand its owner may not see now. The dispatcher and replays only ask it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from access.selectors import brands_in_scope, principal_for_user, sees_everything
from events.models import Event, FeedState, MessageState, WebhookDelivery, WebhookEndpoint, WebhookMessage
from events.types import ALL_TYPES


@dataclass(frozen=True, slots=True)
class EndpointScope:
    """What an endpoint receives: ``None`` means every brand / every type."""

    brand_ids: frozenset[int] | None
    event_types: frozenset[str] | None

    def covers_brand(self, brand_id: int | None) -> bool:
        """An event of no brand goes to endpoints that cover every brand only."""
        if self.brand_ids is None:
            return True
        return brand_id is not None and brand_id in self.brand_ids

    def event_filter(self, endpoint_id: int) -> Q:
        """The events an endpoint receives: those in scope, and the pings sent to it."""
        scoped = Q(endpoint__isnull=True)
        if self.brand_ids is not None:
            scoped &= Q(brand_id__in=sorted(self.brand_ids))
        if self.event_types is not None:
            scoped &= Q(type__in=sorted(self.event_types))
        return scoped | Q(endpoint_id=endpoint_id)


def owner_brand_ids(endpoint: WebhookEndpoint) -> frozenset[int] | None:
    """The brands ``endpoint``'s owner may see now (``None``: every brand, and the events of
    no brand). An endpoint of no owner was made by the system (``ALERT_WEBHOOK_URL``, code)
    and covers every brand; an owner is never deleted from under an endpoint (PROTECT)."""
    if endpoint.owner_id is None:
        return None
    principal = principal_for_user(endpoint.owner)
    if sees_everything(principal):
        return None
    return frozenset(brands_in_scope(principal).values_list("pk", flat=True))


def endpoint_scope(endpoint: WebhookEndpoint) -> EndpointScope:
    """The brands and types ``endpoint`` covers. ``brands: []`` is every brand its owner may
    see; a list of brands is narrowed to those its owner may still see."""
    chosen = frozenset(brand.pk for brand in endpoint.brands.all())
    visible = owner_brand_ids(endpoint)
    brand_ids: frozenset[int] | None = visible
    if chosen:
        brand_ids = chosen if visible is None else chosen & visible
    types = frozenset(endpoint.event_types or [ALL_TYPES])
    return EndpointScope(
        brand_ids=brand_ids,
        event_types=None if ALL_TYPES in types else types,
    )


def feed_high_water() -> int:
    """The last public id assigned: every event up to it is committed and visible."""
    state = FeedState.objects.filter(pk=1).values_list("last_position", flat=True).first()
    return int(state or 0)


@dataclass(frozen=True, slots=True)
class FeedPage:
    events: list[Event]
    next_after: int


def events_with_actors() -> QuerySet[Event]:
    return Event.objects.select_related("actor_user")


def event_feed(
    *,
    after: int = 0,
    limit: int = 100,
    types: Sequence[str] = (),
    brand_id: int | None = None,
    campaign_id: int | None = None,
    occurred_after: dt.datetime | None = None,
    occurred_before: dt.datetime | None = None,
    in_brands: QuerySet[Any] | None = None,
) -> FeedPage:
    """The events after ``after`` in id order (positioned events only; pings excluded).
    ``in_brands`` (a subquery of brand ids: the reader's scope) keeps the events of those
    brands only, so events of no brand too are left out; ``None`` keeps every event.

    The high-water mark is read first: every event at or below it is committed, so when
    fewer than ``limit`` rows come back the reader has seen every match up to it and may
    resume from there (``next_after``), even past events the filters hide.
    """
    high_water = feed_high_water()
    rows = event_log(types=types, brand_id=brand_id, campaign_id=campaign_id).filter(
        position__gt=after, position__lte=high_water
    )
    if in_brands is not None:
        rows = rows.filter(brand_id__in=in_brands)
    if occurred_after is not None:
        rows = rows.filter(occurred_at__gte=occurred_after)
    if occurred_before is not None:
        rows = rows.filter(occurred_at__lt=occurred_before)
    events = list(rows.order_by("position")[:limit])
    full = len(events) == limit
    return FeedPage(
        events=events, next_after=int(events[-1].position or after) if full else max(after, high_water)
    )


def event_log(
    *,
    types: Sequence[str] = (),
    brand_id: int | None = None,
    campaign_id: int | None = None,
) -> QuerySet[Event]:
    """The log as written, in insertion order (oldest first), whether or not the events have
    their public id yet (pings excluded): what a transaction (or a test) has just written is
    there. Filters as the feed's."""
    rows = Event.objects.filter(endpoint__isnull=True)
    if types:
        rows = rows.filter(type__in=list(types))
    if brand_id is not None:
        rows = rows.filter(brand_id=brand_id)
    if campaign_id is not None:
        rows = rows.filter(campaign_id=campaign_id)
    return rows.order_by("seq")


def campaign_events(*, campaign_id: int) -> QuerySet[Event]:
    """A campaign's events, newest first: its audit trail, read from the log. Every write of
    a campaign holds its brand's lock, so insertion order is commit order here; events not
    yet numbered are included (their ``id`` is ``None`` until the positioning step runs)."""
    return event_log(campaign_id=campaign_id).select_related("actor_user").order_by("-seq")


def webhook_endpoints() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.select_related("owner").prefetch_related("brands").order_by("pk")


def endpoint_deliveries(*, endpoint_id: int) -> QuerySet[WebhookDelivery]:
    """The delivery log of an endpoint, newest first."""
    return (
        WebhookDelivery.objects.filter(endpoint_id=endpoint_id).select_related("event").order_by("-at", "-pk")
    )


def endpoints_with_work(*, high_water: int, moment: dt.datetime) -> list[int]:
    """Enabled endpoints with events to queue or messages due, by id."""
    due = WebhookMessage.objects.filter(state=MessageState.PENDING, next_attempt_at__lte=moment).values(
        "endpoint_id"
    )
    return list(
        WebhookEndpoint.objects.filter(enabled=True)
        .filter(Q(queued_through__lt=high_water) | Q(pk__in=due))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def pending_messages(*, endpoint_id: int, limit: int) -> list[WebhookMessage]:
    """An endpoint's pending messages in sending order, with their events."""
    return list(
        WebhookMessage.objects.filter(endpoint_id=endpoint_id, state=MessageState.PENDING)
        .select_related("event")
        .order_by("position", "pk")[:limit]
    )
