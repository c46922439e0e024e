"""``GET /api/v1/ping/``: integrations check their credentials."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_a_valid_token_is_answered_with_its_user() -> None:
    user = get_user_model().objects.create_user("etl")
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.get("/api/v1/ping/")

    assert response.status_code == 200
    assert response.json() == {"user": "etl", "authentication": "token"}


def test_a_session_is_named_as_such() -> None:
    client = APIClient()
    client.force_login(get_user_model().objects.create_user("ops"))
    assert client.get("/api/v1/ping/").json() == {"user": "ops", "authentication": "session"}


def test_no_or_bad_credentials_are_refused() -> None:
    client = APIClient()
    assert client.get("/api/v1/ping/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get("/api/v1/ping/").status_code == 401
