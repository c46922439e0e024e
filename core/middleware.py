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
        token = REQUEST_ID.set(request_id)
        started = time.monotonic()
        try:
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
        finally:
            REQUEST_ID.reset(token)
