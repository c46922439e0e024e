"""Request ids: every web log line says which request it belongs to.

``RequestIdMiddleware`` takes ``X-Request-ID`` from the request (a load balancer or the
client sets it) when it is a sane token, or generates one; it sets it in
``core.logging.REQUEST_ID`` for the duration of the request (``RequestIdFilter`` stamps it on
every record), returns it in the response's ``X-Request-ID`` header, and logs one line per
request (logger ``budget.requests``: method, path, status, duration).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponseBase

from core.logging import REQUEST_ID

HEADER = "X-Request-ID"
# What we accept from outside: short, and nothing that could forge a log line.
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

logger = logging.getLogger("budget.requests")


def request_id_for(request: HttpRequest) -> str:
    given = request.headers.get(HEADER, "")
    return given if _VALID.match(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = request_id_for(request)
        request.META["REQUEST_ID"] = request_id
        # Not reset on the way out: Django logs 4xx/5xx responses (logger django.request) after
        # the middleware chain returns. ``request_finished`` (the response is closed) clears it.
        REQUEST_ID.set(request_id)
        started = time.monotonic()
        response = self.get_response(request)
        response[HEADER] = request_id
        logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


def _forget_request_id(**kwargs: Any) -> None:
    REQUEST_ID.set(None)


request_finished.connect(_forget_request_id, dispatch_uid="core.middleware.forget_request_id")
