from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """``ALERT_WEBHOOK_URL`` becomes (and stays) a configured webhook endpoint."""
    if using != "default":
        return
    from django.conf import settings

    from events.endpoints import alert_endpoint_sync

    alert_endpoint_sync(url=settings.ALERT_WEBHOOK_URL)


class EventsConfig(AppConfig):
    """The event log (a transactional outbox), its feed, and the webhooks fed from it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "events"
    verbose_name = "Events and webhooks"

    def ready(self) -> None:
        from events.append import on_events_committed
        from events.digest import ALERT_EMAIL_TYPES
        from events.tasks import nudge_alert_emails, nudge_dispatcher

        # Every transaction that appends events nudges the dispatcher once it commits; one
        # that appends alert events (threshold, forecast, pause) nudges the alert e-mails too.
        on_events_committed(nudge_dispatcher)
        on_events_committed(nudge_alert_emails, types=ALERT_EMAIL_TYPES)
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="events.after_migrate")
