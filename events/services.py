"""Writes of the events app. The log itself (appending, numbering) is in ``events.append``,
the webhook endpoints in ``events.endpoints``, the alert e-mails in ``events.alert_emails``;
their public names are importable from here, as callers have always imported them.
Retention lives here.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from core.timeutils import now
from events.append import (
    POSITION_BATCH,
    NewEvent,
    event_append,
    event_append_many,
    events_position,
    events_prepare,
    on_events_committed,
)
from events.endpoints import (
    ALERT_ENDPOINT_KEY,
    ALERT_EVENT_TYPES,
    QUEUE_BATCH,
    SECRET_OVERLAP,
    ReplayResult,
    alert_endpoint_sync,
    queue_for_endpoint,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_ping,
    webhook_endpoint_replay,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from events.models import Event, WebhookDelivery, WebhookMessage

__all__ = [
    "ALERT_ENDPOINT_KEY",
    "ALERT_EVENT_TYPES",
    "POSITION_BATCH",
    "PURGE_BATCH",
    "QUEUE_BATCH",
    "SECRET_OVERLAP",
    "NewEvent",
    "ReplayResult",
    "alert_endpoint_sync",
    "event_append",
    "event_append_many",
    "events_position",
    "events_prepare",
    "events_purge",
    "on_events_committed",
    "queue_for_endpoint",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_endpoint_ping",
    "webhook_endpoint_replay",
    "webhook_endpoint_rotate_secret",
    "webhook_endpoint_update",
]

PURGE_BATCH = 5000


def events_purge(*, moment: dt.datetime | None = None, batch: int = PURGE_BATCH) -> dict[str, int]:
    """Delete events older than ``EVENT_RETENTION_DAYS`` (budget-change audit events: older
    than ``AUDIT_RETENTION_DAYS``) with their queued messages and delivery log, in batches
    of ``batch`` (a transaction each); returns how many of each went."""
    moment = moment or now()
    expired = Q(audit=False, occurred_at__lt=moment - dt.timedelta(days=settings.EVENT_RETENTION_DAYS)) | Q(
        audit=True, occurred_at__lt=moment - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
    )
    counts = {"events": 0, "messages": 0, "deliveries": 0}
    while True:
        with transaction.atomic():
            seqs = list(Event.objects.filter(expired).order_by("seq").values_list("seq", flat=True)[:batch])
            if not seqs:
                break
            counts["deliveries"] += WebhookDelivery.objects.filter(event_id__in=seqs).delete()[0]
            counts["messages"] += WebhookMessage.objects.filter(event_id__in=seqs).delete()[0]
            counts["events"] += Event.objects.filter(seq__in=seqs).delete()[0]
        if len(seqs) < batch:
            break
    return counts
