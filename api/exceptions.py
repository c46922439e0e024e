"""One error shape for the whole API (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``).

* 400 (validation, malformed JSON): ``{"field": ["message", ...], ...}``; errors that belong
  to no single field sit under ``non_field_errors``; a bulk of spend answers
  ``{"spends": [{...errors of record 0...}, {}, ...]}``.
* every other error: ``{"detail": "message", "code": "machine_code"}`` (409 adds ``field``:
  the field in conflict, or ``null``).

Service errors are mapped here, so views never catch: Django ``ValidationError`` -> 400
with its field names, ``NestedValidationError`` -> its ``detail``, ``ConflictError`` -> 409,
``Model.DoesNotExist`` -> 404. Database errors a client could provoke with a racing request
(a unique name taken meanwhile) or an out-of-range number answer 409 and 400, never 500; a
lost or refused database connection answers 503 with ``Retry-After`` (``api.middleware``
does the same for errors outside DRF's views).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.exceptions import ConflictError, DomainError, NestedValidationError

from .middleware import RETRY_AFTER_SECONDS, is_database_unavailable

logger = logging.getLogger("budget.api")

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY


class DatabaseUnavailable(exceptions.APIException):
    """The database connection was lost or refused: 503, retry after ``wait`` seconds."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The database is unavailable; retry later."
    default_code = "service_unavailable"
    wait = RETRY_AFTER_SECONDS


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the stored state."
    default_code = "conflict"

    def __init__(self, detail: str | None = None, code: str | None = None, field: str | None = None) -> None:
        super().__init__(detail, code)
        self.field = field


def _field_name(name: str) -> str:
    return NON_FIELD if name == NON_FIELD_ERRORS else name


def django_errors(error: DjangoValidationError) -> dict[str, Any]:
    """A Django ``ValidationError`` as ``{field: [messages]}``."""
    if isinstance(error, NestedValidationError):
        return {
            field: [{_field_name(name): messages for name, messages in item.items()} for item in items]
            for field, items in error.detail.items()
        }
    if hasattr(error, "error_dict"):
        return {_field_name(field): messages for field, messages in error.message_dict.items()}
    return {NON_FIELD: error.messages}


def _translate(exc: Exception) -> Exception:
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return exceptions.ValidationError({NON_FIELD: [f"The request body is larger than {limit} bytes."]})
    if isinstance(exc, exceptions.ParseError):
        return exceptions.ValidationError({NON_FIELD: [str(exc.detail)]}, code="parse_error")
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(django_errors(exc))
    if isinstance(exc, ConflictError):
        return Conflict(exc.message, code=exc.code, field=exc.field)
    if isinstance(exc, DomainError):
        return exceptions.ValidationError({exc.field or NON_FIELD: [exc.message]}, code=exc.code)
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, ObjectDoesNotExist):
        return exceptions.NotFound(str(exc) or None)
    if is_database_unavailable(exc):
        logger.error("database unavailable, answered 503: %s", exc)
        return DatabaseUnavailable()
    if isinstance(exc, IntegrityError):
        logger.info("integrity error answered with 409: %s", exc)
        return Conflict("The request conflicts with a concurrent change; retry it.", code="integrity")
    if isinstance(exc, DataError):
        logger.info("data error answered with 400: %s", exc)
        return exceptions.ValidationError({NON_FIELD: ["A value is out of range or malformed."]})
    return exc


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not ours: a genuine bug, reported as a 500 by Django
    if isinstance(exc, exceptions.ValidationError):
        if not isinstance(response.data, dict):
            response.data = {NON_FIELD: response.data}
        return response
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        body: dict[str, Any] = {
            "detail": str(exc.detail) if not isinstance(exc.detail, dict | list) else exc.detail,
            "code": codes if isinstance(codes, str) else exc.default_code,
        }
        if isinstance(exc, Conflict):
            body["field"] = exc.field
        response.data = body
    return response
