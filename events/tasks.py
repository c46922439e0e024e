"""Celery tasks of the events app: thin callers of ``events.dispatch`` and ``events.services``."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from events.dispatch import webhooks_dispatch
from events.services import events_purge

logger = logging.getLogger("budget.webhooks")

DISPATCH_TASK = "events.dispatch_webhooks"
NUDGE_EXPIRES_SECONDS = 60


@shared_task(
    name=DISPATCH_TASK, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=3
)
def dispatch_webhooks() -> dict[str, int]:
    """Position new events and deliver what is due (Beat kicks it; commits nudge it)."""
    return webhooks_dispatch().as_dict()


@shared_task(
    name="events.purge_events",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def purge_events() -> dict[str, Any]:
    """Retention: EVENT_RETENTION_DAYS, and AUDIT_RETENTION_DAYS for budget changes."""
    counts = events_purge()
    logger.info("job purge_events finished: %s", counts, extra={"job": "purge_events", **counts})
    return counts


def nudge_dispatcher() -> None:
    """Enqueue a dispatcher run now (after a commit). A broker outage only delays the
    delivery until Beat's next kick finds the events in the log: logged, never raised."""
    try:
        dispatch_webhooks.apply_async(expires=NUDGE_EXPIRES_SECONDS, retry=False)
    except Exception as error:  # the change has committed; the log keeps the event
        logger.warning("could not nudge the webhook dispatcher (%s); Beat's next run will deliver", error)
