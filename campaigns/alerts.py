"""Alerts for serving changes made by the system, sent after the transaction commits.

``notify_serving_changes`` publishes them (``core.notifications``) to every registered
channel. This app registers the log channel (one structured line per change: ``extra``
carries the fields, so a JSON formatter emits them as keys); other apps register theirs.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models

from core import notifications

logger = logging.getLogger("budget.alerts")


class ServingKind(models.TextChoices):
    """The kinds of serving change (the log line's ``event`` is ``campaign_<kind>``)."""

    SERVING_STARTED = "serving_started", "Started serving"
    SERVING_STOPPED = "serving_stopped", "Stopped serving"
    PAUSE_REASON_CHANGED = "pause_reason_changed", "Pause reason changed"


# A value, but not frozen: one is built per campaign in a sweep, and a frozen dataclass's
# ``__init__`` (``object.__setattr__`` per field) costs about four times a plain one.
@dataclass(slots=True)
class ServingChange:
    campaign_id: int
    brand_id: int
    campaign_name: str
    kind: str
    was_active: bool
    is_active: bool
    pause_reason: str
    reasons: tuple[str, ...]
    actor: str

    def as_payload(self) -> dict[str, object]:
        """The fields as JSON-ready values (built by hand: ``asdict`` deep-copies, and a busy
        day logs tens of thousands of these)."""
        return {
            "campaign_id": self.campaign_id,
            "brand_id": self.brand_id,
            "campaign_name": self.campaign_name,
            "kind": self.kind,
            "was_active": self.was_active,
            "is_active": self.is_active,
            "pause_reason": self.pause_reason,
            "reasons": list(self.reasons),
            "actor": self.actor,
        }


def log_serving_changes(changes: Sequence[ServingChange]) -> None:
    """The log channel: one structured line per change (logger ``budget.alerts``)."""
    if not logger.isEnabledFor(logging.INFO):
        return
    for change in changes:
        verb = "resumed" if change.is_active else ("paused" if change.was_active else "not serving")
        logger.info(
            "campaign %s %s: %s",
            change.campaign_id,
            verb,
            change.pause_reason or "all rules pass",
            extra={"event": f"campaign_{change.kind}", **change.as_payload()},
        )


def notify_serving_changes(changes: Sequence[ServingChange]) -> None:
    """Hand committed serving changes to every channel registered for them (the log, here).
    Webhooks are not a channel: they are delivered from the event log (``events``), written
    in the change's own transaction."""
    notifications.publish(notifications.SERVING_CHANGES, changes)
