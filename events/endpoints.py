"""Writes of the webhook endpoints: create, change, delete, rotate, ping, replay, and
``ALERT_WEBHOOK_URL`` kept as an endpoint; ``queue_for_endpoint`` queues the events an
endpoint covers (the dispatcher and replays). ``events.services`` re-exports these names."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from brands.models import Brand
from core.actors import Actor
from core.exceptions import ConflictError
from core.timeutils import now
from events.append import actor_row, notify_on_commit
from events.models import Event, WebhookDelivery, WebhookEndpoint, WebhookMessage
from events.selectors import endpoint_scope, feed_high_water
from events.signing import new_secret
from events.transport import UrlRefusedError, validate_url
from events.types import ALL_TYPES, SUBSCRIBABLE_TYPES, EventType

logger = logging.getLogger("budget.events")

QUEUE_BATCH = 1000
SECRET_OVERLAP = dt.timedelta(hours=24)
ALERT_ENDPOINT_KEY = "ALERT_WEBHOOK_URL"
# What the old ALERT_WEBHOOK_URL hook carried: the system's serving changes.
ALERT_EVENT_TYPES = [
    EventType.CAMPAIGN_PAUSED.value,
    EventType.CAMPAIGN_RESUMED.value,
    EventType.CAMPAIGN_REASON_CHANGED.value,
]


def _clean_url(url: str) -> str:
    url = url.strip()
    try:
        validate_url(url)
    except UrlRefusedError as error:
        raise ValidationError({"url": [str(error)]}) from None
    return url


def _clean_types(event_types: Sequence[str]) -> list[str]:
    types = list(dict.fromkeys(event_types))
    if not types:
        raise ValidationError({"event_types": ['Name at least one event type, or "*" for all.']})
    unknown = [name for name in types if name != ALL_TYPES and name not in SUBSCRIBABLE_TYPES]
    if unknown:
        raise ValidationError({"event_types": [f"Unknown event type: {', '.join(unknown)}."]})
    return [ALL_TYPES] if ALL_TYPES in types else types


def _clean_brands(brand_ids: Iterable[int]) -> list[int]:
    wanted = sorted(set(brand_ids))
    found = set(Brand.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError({"brands": [f"Unknown brand: {', '.join(map(str, missing))}."]})
    return wanted


def webhook_endpoint_create(
    *,
    url: str,
    description: str = "",
    event_types: Sequence[str] = (ALL_TYPES,),
    brand_ids: Iterable[int] = (),
    enabled: bool = True,
    owner_id: int | None = None,
    key: str | None = None,
) -> WebhookEndpoint:
    """A new endpoint; it receives the events that commit from now on."""
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            url=_clean_url(url),
            description=description,
            event_types=_clean_types(event_types),
            enabled=enabled,
            owner_id=owner_id,
            key=key,
            secret=new_secret(),
            queued_through=feed_high_water(),
        )
        endpoint.brands.set(_clean_brands(brand_ids))
    return endpoint


def _locked_endpoint(endpoint_id: int) -> WebhookEndpoint:
    return WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)


def webhook_endpoint_update(
    *,
    endpoint_id: int,
    url: str | None = None,
    description: str | None = None,
    event_types: Sequence[str] | None = None,
    brand_ids: Iterable[int] | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint. Enabling a disabled one starts from the events committing now
    (what happened while it was disabled is not sent; ``webhook_endpoint_replay`` sends it)."""
    with transaction.atomic():
        endpoint = _locked_endpoint(endpoint_id)
        if url is not None:
            endpoint.url = _clean_url(url)
        if description is not None:
            endpoint.description = description
        if event_types is not None:
            endpoint.event_types = _clean_types(event_types)
        if enabled is not None and enabled != endpoint.enabled:
            endpoint.enabled = enabled
            if enabled:
                endpoint.queued_through = max(endpoint.queued_through, feed_high_water())
                endpoint.failing_since = None
                endpoint.disabled_at = None
                endpoint.disabled_reason = ""
            else:
                endpoint.disabled_at = now()
                endpoint.disabled_reason = "disabled by a person"
        endpoint.save()
        if brand_ids is not None:
            endpoint.brands.set(_clean_brands(brand_ids))
    return endpoint


def webhook_endpoint_delete(*, endpoint_id: int) -> None:
    """Delete an endpoint with its queue and delivery log."""
    with transaction.atomic():
        endpoint = _locked_endpoint(endpoint_id)
        WebhookDelivery.objects.filter(endpoint_id=endpoint.pk).delete()
        WebhookMessage.objects.filter(endpoint_id=endpoint.pk).delete()
        endpoint.delete()


def webhook_endpoint_rotate_secret(*, endpoint_id: int) -> WebhookEndpoint:
    """A new secret; the old one keeps signing (beside the new) for 24 hours."""
    with transaction.atomic():
        endpoint = _locked_endpoint(endpoint_id)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now() + SECRET_OVERLAP
        endpoint.secret = new_secret()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return endpoint


def webhook_endpoint_ping(*, endpoint_id: int, actor: Actor | None) -> Event:
    """Append a ``ping`` event for this endpoint alone (absent from the feed, never held
    back); returns it (its public id comes after commit, see ``events_position``)."""
    with transaction.atomic():
        endpoint = _locked_endpoint(endpoint_id)
        if not endpoint.enabled:
            raise ConflictError(
                "The endpoint is disabled: enable it first.", field="enabled", code="disabled"
            )
        row = actor_row(actor)
        event = Event.objects.create(
            type=EventType.PING,
            occurred_at=now(),
            actor_kind=row.kind,
            actor_name=row.name,
            actor_user_id=row.user_id,
            actor_api_key_id=row.api_key_id,
            data={"endpoint": endpoint.pk},
            endpoint_id=endpoint.pk,
        )
        notify_on_commit({EventType.PING.value})
    return event


@dataclass(frozen=True, slots=True)
class ReplayResult:
    after: int
    until: int
    queued: int
    complete: bool


def queue_for_endpoint(
    endpoint: WebhookEndpoint, *, after: int, through: int, limit: int | None = None, pings: bool = True
) -> tuple[int, int]:
    """Queue for ``endpoint`` the events it covers with ``after < id <= through`` in id
    order, ``QUEUE_BATCH`` at a time (two statements each); returns (messages queued, the
    id queued through). Its pings (unless ``pings`` is false) are queued unordered. The
    caller holds a transaction."""
    event_filter = endpoint_scope(endpoint).event_filter(endpoint.pk)
    if not pings:
        event_filter &= Q(endpoint__isnull=True)
    queued, cursor, moment = 0, after, now()
    while cursor < through:
        take = QUEUE_BATCH if limit is None else min(QUEUE_BATCH, limit - queued)
        if take <= 0:
            break
        matched = list(
            Event.objects.filter(event_filter, position__gt=cursor, position__lte=through)
            .order_by("position")
            .values_list("seq", "position", "endpoint_id")[:take]
        )
        WebhookMessage.objects.bulk_create(
            WebhookMessage(
                endpoint_id=endpoint.pk,
                event_id=seq,
                position=position or 0,  # never NULL: filtered on position
                ordered=target is None,
                next_attempt_at=moment,
            )
            for seq, position, target in matched
        )
        queued += len(matched)
        cursor = through if len(matched) < take else int(matched[-1][1] or through)
    return queued, cursor


def webhook_endpoint_replay(*, endpoint_id: int, after: int) -> ReplayResult:
    """Send again, in id order, every event after ``after`` that the endpoint covers and
    has queued already (the later ones it is about to queue anyway), at most
    ``WEBHOOK_REPLAY_MAX_EVENTS`` (``complete`` false: replay again from ``until``)."""
    if after < 0:
        raise ValidationError({"after": ["Must be 0 or more."]})
    with transaction.atomic():
        endpoint = _locked_endpoint(endpoint_id)
        if not endpoint.enabled:
            raise ConflictError(
                "The endpoint is disabled: enable it first.", field="enabled", code="disabled"
            )
        through = endpoint.queued_through
        limit = int(settings.WEBHOOK_REPLAY_MAX_EVENTS)
        queued, cursor = queue_for_endpoint(endpoint, after=after, through=through, limit=limit, pings=False)
        if queued:
            notify_on_commit(())  # no new event: only the listeners of every type (webhooks)
    return ReplayResult(after=after, until=max(cursor, after), queued=queued, complete=cursor >= through)


# --- ALERT_WEBHOOK_URL ---------------------------------------------------------------------


def alert_endpoint_sync(*, url: str) -> WebhookEndpoint | None:
    """Keep ``ALERT_WEBHOOK_URL`` as a configured endpoint (run after every migrate;
    idempotent): created once, its URL followed when the setting changes; an empty setting
    leaves an existing endpoint alone (delete it in the admin)."""
    url = url.strip()
    if not url:
        return None
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().filter(key=ALERT_ENDPOINT_KEY).first()
        if endpoint is None:
            created = webhook_endpoint_create(
                url=url,
                description="ALERT_WEBHOOK_URL (serving changes)",
                event_types=ALERT_EVENT_TYPES,
                key=ALERT_ENDPOINT_KEY,
            )
            logger.info("webhook endpoint %s created from ALERT_WEBHOOK_URL", created.pk)
            return created
        if endpoint.url != url:
            endpoint.url = _clean_url(url)
            endpoint.save(update_fields=["url", "updated_at"])
        return endpoint
