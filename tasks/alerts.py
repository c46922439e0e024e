"""The webhook channel of serving-change alerts (``ALERT_WEBHOOK_URL``).

``alert_webhook_enqueue`` is registered (``tasks.apps``) as a channel of
``core.notifications``, so it runs after the pause or resume has committed; the POST itself
happens in the ``send_alert_webhook`` task, retried with backoff. Nothing here can fail or
delay the pause: enqueue errors are logged and swallowed.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from campaigns.alerts import ServingChange

logger = logging.getLogger("budget.alerts")

CHANGES_PER_POST = 200


class WebhookError(Exception):
    """The webhook answered with an error status (retried)."""


def alert_payloads(changes: Sequence[ServingChange]) -> list[dict[str, Any]]:
    """JSON bodies for the changes, at most ``CHANGES_PER_POST`` changes each."""
    items = [change.as_payload() for change in changes]
    return [
        {"event": "campaign_serving_changed", "changes": items[start : start + CHANGES_PER_POST]}
        for start in range(0, len(items), CHANGES_PER_POST)
    ]


def alert_webhook_enqueue(changes: Sequence[ServingChange]) -> int:
    """Enqueue one webhook task per payload when ``ALERT_WEBHOOK_URL`` is set; returns how many."""
    if not settings.ALERT_WEBHOOK_URL or not changes:
        return 0
    from tasks.tasks import send_alert_webhook

    sent = 0
    for payload in alert_payloads(changes):
        try:
            send_alert_webhook.apply_async(
                args=(payload,), retry=True, retry_policy={"max_retries": 1, "interval_start": 0.2}
            )
            sent += 1
        except Exception:  # a broker outage must never undo or delay the pause itself
            logger.exception("could not enqueue the alert webhook for %s changes", len(payload["changes"]))
    return sent


def alert_webhook_post(
    payload: dict[str, Any], *, url: str | None = None, timeout: float | None = None
) -> int:
    """POST ``payload`` as JSON; returns the status, raises ``WebhookError`` on >= 400."""
    target = url or settings.ALERT_WEBHOOK_URL
    if not target.startswith(("http://", "https://")):
        raise ValueError("ALERT_WEBHOOK_URL must be an http(s) URL")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        target,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "User-Agent": "budget-system-alerts"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout or settings.ALERT_WEBHOOK_TIMEOUT) as response:  # noqa: S310
            status = int(response.status)
    except urllib.error.HTTPError as error:
        raise WebhookError(f"webhook answered {error.code}") from error
    return status
