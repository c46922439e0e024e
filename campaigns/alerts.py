"""Alerts for serving changes made by the system, sent after the transaction commits.

Every change is logged as one structured line (``extra`` carries the fields, so a JSON
formatter emits them as keys). Further channels hook in at ``notify_serving_changes``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass

logger = logging.getLogger("budget.alerts")


@dataclass(frozen=True, slots=True)
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
        payload = asdict(self)
        payload["reasons"] = list(self.reasons)
        return payload


def notify_serving_changes(changes: Sequence[ServingChange]) -> None:
    for change in changes:
        verb = "resumed" if change.is_active else ("paused" if change.was_active else "not serving")
        logger.info(
            "campaign %s %s: %s",
            change.campaign_id,
            verb,
            change.pause_reason or "all rules pass",
            extra={"event": f"campaign_{change.kind}", **change.as_payload()},
        )
    if changes:
        # The webhook channel (ALERT_WEBHOOK_URL): a retried task, enqueued here, after commit.
        from tasks.alerts import alert_webhook_enqueue

        alert_webhook_enqueue(changes)
