"""The exception handler maps every error a service or the database raises to one shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from rest_framework import exceptions

from api.exceptions import exception_handler
from brands.models import Brand
from core.exceptions import ConflictError, DomainError, NestedValidationError


def handle(error: Exception) -> tuple[int, Any]:
    response = exception_handler(error, {})
    assert response is not None
    return response.status_code, response.data


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (ValidationError({"amount": ["Too many decimals."]}), 400, {"amount": ["Too many decimals."]}),
        (ValidationError({"__all__": ["Name taken."]}), 400, {"non_field_errors": ["Name taken."]}),
        (ValidationError("Just wrong."), 400, {"non_field_errors": ["Just wrong."]}),
        (
            NestedValidationError("spends", [{}, {"amount": ["Bad."]}]),
            400,
            {"spends": [{}, {"amount": ["Bad."]}]},
        ),
        (DomainError("Not allowed now.", field="status"), 400, {"status": ["Not allowed now."]}),
        (
            ConflictError("Used before.", field="external_id"),
            409,
            {"detail": "Used before.", "code": "conflict", "field": "external_id"},
        ),
        (
            ConflictError("Has spend.", code="has_spend"),
            409,
            {"detail": "Has spend.", "code": "has_spend", "field": None},
        ),
        (
            Brand.DoesNotExist("Brand 9 does not exist."),
            404,
            {"detail": "Brand 9 does not exist.", "code": "not_found"},
        ),
        (Http404(), 404, {"detail": "Not found.", "code": "not_found"}),
        (exceptions.ParseError("JSON parse error"), 400, {"non_field_errors": ["JSON parse error"]}),
        (
            exceptions.MethodNotAllowed("PUT"),
            405,
            {"detail": 'Method "PUT" not allowed.', "code": "method_not_allowed"},
        ),
        (
            DataError("value out of range"),
            400,
            {"non_field_errors": ["A value is out of range or malformed."]},
        ),
    ],
)
def test_errors_map_to_one_shape(error: Exception, status: int, body: Any) -> None:
    assert handle(error) == (status, body)


def test_a_racing_unique_violation_is_409_not_500() -> None:
    status, body = handle(IntegrityError('duplicate key value violates unique constraint "brand_name"'))

    assert status == 409
    assert body["code"] == "integrity"


def test_a_genuine_bug_is_left_to_django() -> None:
    assert exception_handler(ZeroDivisionError(), {}) is None
