"""The ``Idempotency-Key`` header: a retried POST gets the first response, never a second write.

How it is stored: one ``IdempotencyKey`` row per (user, key), holding a SHA-256 of the
request (method, path, canonical JSON body) and the response the first request received.
The row is inserted *in the same transaction* as the write it guards, before the write:

* a new key: the insert succeeds, the view runs, its response is stored in the row, and
  both commit together (an error rolls both back, so a failed request can be retried
  with the same key);
* the key again while the first request is still running: the insert waits on the unique
  index until the first transaction ends, then replays its response (or, if it rolled
  back, runs itself);
* the key seen before with the same request: the stored response, with status 200 and
  the header ``Idempotent-Replayed: true``;
* the key seen before with a different request: 409.

Keys are kept until ``manage.py purge_idempotency_keys`` removes the old ones.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from api.exceptions import Conflict
from api.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# 1 to 255 printable ASCII characters, no space at either end (HTTP strips it anyway).
KEY_PATTERN = r"^[!-~]([ -~]{0,253}[!-~])?$"
_KEY = re.compile(KEY_PATTERN)


def request_fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    raw = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _key(request: Request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not _KEY.fullmatch(key):
        raise exceptions.ValidationError(
            {HEADER: [f"Send 1 to {MAX_KEY_LENGTH} printable ASCII characters."]}, code="invalid_key"
        )
    return key


def idempotent(request: Request, handler: Callable[[], Response]) -> Response:
    """Run ``handler`` at most once per (user, ``Idempotency-Key``); without the header, just run it."""
    key = _key(request)
    if key is None:
        return handler()
    fingerprint = request_fingerprint(request)
    user_id = int(request.user.pk or 0)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user_id=user_id,
                    key=key,
                    method=request.method or "",
                    path=request.path[:255],
                    request_hash=fingerprint,
                )
        except IntegrityError:
            stored = IdempotencyKey.objects.get(user_id=user_id, key=key)
            return _replay(stored, fingerprint)
        response = handler()
        record.status_code = response.status_code
        record.response_body = _jsonable(response.data)
        record.save(update_fields=["status_code", "response_body"])
        return response


def _replay(stored: IdempotencyKey, fingerprint: str) -> Response:
    if stored.request_hash != fingerprint:
        raise Conflict(
            f"The {HEADER} was already used for a different request.",
            code="idempotency_key_reused",
            field=HEADER,
        )
    return Response(stored.response_body, status=200, headers={REPLAYED: "true"})


def _jsonable(data: Any) -> Any:
    return json.loads(JSONRenderer().render(data))
