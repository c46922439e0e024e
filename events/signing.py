"""Standard Webhooks signatures, made by the ``standardwebhooks`` library.

``webhook-signature`` is ``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``; while a rotated
secret is still valid (24 h), the header carries one signature per secret, space-separated,
as the specification allows, so a receiver holding either secret verifies the delivery.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Sequence

from standardwebhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh endpoint secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signed_headers(
    *, secrets_in_use: Sequence[str], msg_id: str, moment: dt.datetime, body: str
) -> dict[str, str]:
    """The three Standard Webhooks headers (and the content type) of one delivery."""
    stamp = moment.astimezone(dt.UTC).replace(microsecond=0)
    signatures = [Webhook(secret).sign(msg_id, stamp, body) for secret in secrets_in_use if secret]
    return {
        "content-type": "application/json",
        "user-agent": "budget-system-webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
