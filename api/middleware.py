"""Everything under ``/api/`` answers JSON in the API's one error shape, even when no DRF
view ran: an unmatched path (Django's 404), a method or error answered by Django itself,
an exception outside DRF's handler (500), and a lost database connection (503 with
``Retry-After``: the client may retry; nothing was written, the transaction rolled back).

Errors of DRF views are shaped by ``api.exceptions`` already; their responses pass as they
are (including the browsable API's HTML, which a browser asks for).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from rest_framework.response import Response

PREFIX = "/api/"
RETRY_AFTER_SECONDS = 5

logger = logging.getLogger("django.request")

_DETAILS = {
    400: ("Bad request.", "bad_request"),
    403: ("You do not have permission to perform this action.", "permission_denied"),
    404: ("Not found.", "not_found"),
    405: ("Method not allowed.", "method_not_allowed"),
    500: ("A server error occurred.", "server_error"),
    503: ("The database is unavailable; retry later.", "service_unavailable"),
}


def error_response(status: int) -> JsonResponse:
    detail, code = _DETAILS.get(status, ("Request failed.", "error"))
    response = JsonResponse({"detail": detail, "code": code}, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def is_database_unavailable(error: BaseException) -> bool:
    """A lost or refused database connection (not a constraint or a bad value)."""
    return isinstance(error, OperationalError | InterfaceError)


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            request.path.startswith(PREFIX)
            and response.status_code >= 400
            and not isinstance(response, Response)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return error_response(response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if not request.path.startswith(PREFIX):
            return None
        status = 503 if is_database_unavailable(exception) else 500
        logger.error("%s answered %s: %s", request.path, status, exception, exc_info=exception)
        return error_response(status)
