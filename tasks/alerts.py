"""The webhook channel of serving-change alerts (``ALERT_WEBHOOK_URL``).

``tasks.tasks.alert_webhook_enqueue`` is registered (``tasks.apps``) as a channel of
``core.notifications``, so it runs after the pause or resume has committed; the POST itself
(``alert_webhook_post``, here) happens in the ``send_alert_webhook`` task, retried with
backoff. Nothing can fail or delay the pause: enqueue errors are logged and swallowed.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from campaigns.alerts import ServingChange


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
