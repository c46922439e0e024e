"""The webhook dispatcher: from the log to the endpoints, at least once, in order.

One run (the Beat-kicked task, a nudge after commit, or ``manage.py dispatch_webhooks``):

1. position the committed events (``events_position``);
2. for each enabled endpoint with work, claim it with a conditional update (a lease: one
   sender per endpoint at a time keeps its order; another worker takes over once a lease
   expires, e.g. after its holder was killed);
3. queue the events it covers that committed since it last looked (one message each);
4. send its due messages in id order, each attempt a delivery row. A failed message holds
   back the later ones for ``WEBHOOK_HOLD_BACK_SECONDS`` after its first attempt; then they
   proceed and it retries on its own. Retries back off exponentially until
   ``WEBHOOK_RETRY_FOR_SECONDS`` (3 days) after the first attempt; an endpoint failing for
   ``WEBHOOK_DISABLE_AFTER_SECONDS`` (5 days) in a row is disabled with a
   ``webhook_endpoint.disabled`` event.

No database transaction is open during an HTTP request.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q

from core.actors import Actor
from core.timeutils import now
from events.append import event_append, events_position
from events.endpoints import queue_for_endpoint
from events.models import MessageState, WebhookDelivery, WebhookEndpoint, WebhookMessage, iso_timestamp
from events.selectors import endpoints_with_work
from events.signing import signed_headers
from events.transport import PostResult, post
from events.types import EventType

logger = logging.getLogger("budget.webhooks")

PAGE = 100
QUEUE_PER_RUN = 20_000
DISPATCHER_ACTOR = Actor.system("webhooks")


@dataclass
class DispatchSummary:
    endpoints: int = 0
    queued: int = 0
    delivered: int = 0
    failed: int = 0
    gave_up: int = 0
    disabled: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class LeaseLostError(Exception):
    """Another dispatcher owns the endpoint now (or it was disabled): stop sending."""


# --- The retry policy (pure) ---------------------------------------------------------------


def retry_delay(attempt: int) -> dt.timedelta:
    """Wait after failed attempt number ``attempt`` (1, 2, ...): ``base * 2^(attempt-1)``,
    at most ``WEBHOOK_RETRY_MAX_DELAY_SECONDS``."""
    base = float(settings.WEBHOOK_RETRY_BASE_SECONDS)
    cap = float(settings.WEBHOOK_RETRY_MAX_DELAY_SECONDS)
    return dt.timedelta(seconds=min(cap, base * 2 ** min(attempt - 1, 40)))


def next_attempt_at(
    *, first_attempt_at: dt.datetime, attempt: int, moment: dt.datetime
) -> dt.datetime | None:
    """When to try again after failed attempt ``attempt`` at ``moment``; ``None`` once the
    retries have run for ``WEBHOOK_RETRY_FOR_SECONDS`` since the first attempt."""
    if moment - first_attempt_at >= dt.timedelta(seconds=settings.WEBHOOK_RETRY_FOR_SECONDS):
        return None
    return moment + retry_delay(attempt)


def holds_back(message: WebhookMessage, moment: dt.datetime) -> bool:
    """Whether a pending message still keeps the later ones of its endpoint waiting."""
    if not message.ordered:
        return False
    if message.first_attempt_at is None:
        return True
    return moment - message.first_attempt_at < dt.timedelta(seconds=settings.WEBHOOK_HOLD_BACK_SECONDS)


# --- Claiming an endpoint ------------------------------------------------------------------


def _lease() -> dt.timedelta:
    return dt.timedelta(
        seconds=float(settings.WEBHOOK_TIMEOUT_SECONDS) + settings.WEBHOOK_LEASE_MARGIN_SECONDS
    )


def endpoint_claim(endpoint_id: int) -> str | None:
    """Take the endpoint's lease if nobody holds it; returns the lease token or ``None``."""
    token = uuid.uuid4().hex
    moment = now()
    claimed = (
        WebhookEndpoint.objects.filter(pk=endpoint_id, enabled=True)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=moment))
        .update(lease_token=token, lease_until=moment + _lease())
    )
    return token if claimed == 1 else None


def _renew(endpoint_id: int, token: str) -> None:
    renewed = WebhookEndpoint.objects.filter(pk=endpoint_id, lease_token=token, enabled=True).update(
        lease_until=now() + _lease()
    )
    if renewed != 1:
        raise LeaseLostError(endpoint_id)


def endpoint_release(endpoint_id: int, token: str) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id, lease_token=token).update(lease_token="", lease_until=None)


# --- Sending ---------------------------------------------------------------------------------


def _secrets(endpoint: WebhookEndpoint, moment: dt.datetime) -> list[str]:
    keys = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > moment:
        keys.append(endpoint.previous_secret)
    return keys


def _send(endpoint: WebhookEndpoint, message: WebhookMessage) -> PostResult:
    body = json.dumps(message.event.payload(), cls=DjangoJSONEncoder, separators=(",", ":"))
    headers = signed_headers(
        secrets_in_use=_secrets(endpoint, now()), msg_id=str(message.position), moment=now(), body=body
    )
    return post(endpoint.url, body.encode(), headers)


def _record(
    endpoint_id: int, message: WebhookMessage, result: PostResult, at: dt.datetime, summary: DispatchSummary
) -> None:
    """The attempt's delivery row, the message's new state and the endpoint's health, in
    one transaction (with the ``webhook_endpoint.disabled`` event when it comes to that)."""
    attempt = message.attempts + 1
    first = message.first_attempt_at or at
    retry_at = None if result.ok else next_attempt_at(first_attempt_at=first, attempt=attempt, moment=at)
    state = (
        MessageState.DELIVERED if result.ok else (MessageState.PENDING if retry_at else MessageState.FAILED)
    )
    with transaction.atomic():
        WebhookDelivery.objects.create(
            endpoint_id=endpoint_id,
            message_id=message.pk,
            event_id=message.event_id,
            attempt=attempt,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            error=result.error or ("" if result.ok else f"answered {result.status_code}"),
            at=at,
            next_attempt_at=retry_at,
        )
        WebhookMessage.objects.filter(pk=message.pk).update(
            attempts=attempt,
            state=state,
            first_attempt_at=first,
            last_attempt_at=at,
            next_attempt_at=retry_at,
        )
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint_id)
        if result.ok:
            summary.delivered += 1
            if endpoint.failing_since is not None:
                endpoint.failing_since = None
                endpoint.save(update_fields=["failing_since"])
        else:
            summary.failed += 1
            summary.gave_up += state == MessageState.FAILED
            _note_failure(endpoint, at, summary)
    message.attempts, message.first_attempt_at, message.next_attempt_at, message.state = (
        attempt,
        first,
        retry_at,
        state,
    )


def _note_failure(endpoint: WebhookEndpoint, at: dt.datetime, summary: DispatchSummary) -> None:
    if endpoint.failing_since is None:
        endpoint.failing_since = at
        endpoint.save(update_fields=["failing_since"])
        return
    failing_for = at - endpoint.failing_since
    if failing_for < dt.timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS) or not endpoint.enabled:
        return
    endpoint.enabled = False
    endpoint.disabled_at = at
    endpoint.disabled_reason = f"every delivery failed for {failing_for.days} days"
    endpoint.save(update_fields=["enabled", "disabled_at", "disabled_reason", "updated_at"])
    event_append(
        type=EventType.WEBHOOK_ENDPOINT_DISABLED,
        actor=DISPATCHER_ACTOR,
        data={"endpoint": endpoint.pk, "failing_since": iso_timestamp(endpoint.failing_since)},
        occurred_at=at,
    )
    summary.disabled += 1
    logger.warning("webhook endpoint %s disabled: failing since %s", endpoint.pk, endpoint.failing_since)


def _attempt(
    endpoint: WebhookEndpoint, token: str, message: WebhookMessage, summary: DispatchSummary
) -> bool:
    _renew(endpoint.pk, token)
    result = _send(endpoint, message)
    _record(endpoint.pk, message, result, now(), summary)
    return result.ok


def _queue_new(
    endpoint_id: int, token: str, high_water: int, summary: DispatchSummary
) -> WebhookEndpoint | None:
    with transaction.atomic():
        endpoint = (
            WebhookEndpoint.objects.select_for_update()
            .filter(pk=endpoint_id, lease_token=token, enabled=True)
            .first()
        )
        if endpoint is None:
            return None
        if endpoint.queued_through < high_water:
            queued, through = queue_for_endpoint(
                endpoint, after=endpoint.queued_through, through=high_water, limit=QUEUE_PER_RUN
            )
            endpoint.queued_through = through
            endpoint.save(update_fields=["queued_through"])
            summary.queued += queued
    return endpoint


def _pending(endpoint_id: int, *, ordered: bool, after: tuple[int, int]) -> list[WebhookMessage]:
    rows = WebhookMessage.objects.filter(endpoint_id=endpoint_id, state=MessageState.PENDING, ordered=ordered)
    if ordered:
        rows = rows.filter(Q(position__gt=after[0]) | Q(position=after[0], pk__gt=after[1]))
    else:
        rows = rows.filter(next_attempt_at__lte=now())
    return list(rows.select_related("event").order_by("position", "pk")[:PAGE])


def endpoint_serve(
    endpoint_id: int, token: str, *, high_water: int, deadline: float, summary: DispatchSummary
) -> None:
    """Queue and send for one claimed endpoint until nothing is due or time is up."""
    endpoint = _queue_new(endpoint_id, token, high_water, summary)
    if endpoint is None:
        return
    for message in _pending(endpoint_id, ordered=False, after=(0, 0)):  # pings: never held back
        _attempt(endpoint, token, message, summary)
    cursor = (0, 0)
    while time.monotonic() < deadline:
        page = _pending(endpoint_id, ordered=True, after=cursor)
        if not page:
            return
        for message in page:
            cursor = (message.position, message.pk)
            moment = now()
            if message.next_attempt_at is not None and message.next_attempt_at <= moment:
                if not _attempt(endpoint, token, message, summary) and holds_back(message, now()):
                    return
            elif holds_back(message, moment):
                return
            if time.monotonic() >= deadline:
                return


def webhooks_dispatch(*, time_budget: float | None = None) -> DispatchSummary:
    """One dispatcher run over every endpoint with work (see the module's docstring)."""
    budget = float(settings.WEBHOOK_DISPATCH_SECONDS if time_budget is None else time_budget)
    deadline = time.monotonic() + budget
    summary = DispatchSummary()
    high_water = events_position()
    for endpoint_id in endpoints_with_work(high_water=high_water, moment=now()):
        if time.monotonic() >= deadline:
            break
        token = endpoint_claim(endpoint_id)
        if token is None:
            continue
        summary.endpoints += 1
        try:
            endpoint_serve(endpoint_id, token, high_water=high_water, deadline=deadline, summary=summary)
        except LeaseLostError:
            logger.info("webhook endpoint %s: lease lost, another dispatcher goes on", endpoint_id)
            continue
        finally:
            endpoint_release(endpoint_id, token)
    if summary.queued or summary.delivered or summary.failed:
        logger.info(
            "webhooks dispatched: %s", json.dumps(summary.as_dict()), extra={"job": "dispatch_webhooks"}
        )
    return summary
