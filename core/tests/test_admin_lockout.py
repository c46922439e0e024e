"""The admin login locks out after repeated wrong passwords (django-axes), and the README's
unlock command lifts it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "a-long-test-password"


def attempt(client: Client, password: str) -> int:
    response = client.post(LOGIN, {"username": "ops", "password": password})
    return response.status_code


def test_wrong_passwords_lock_the_admin_login_until_reset() -> None:
    User.objects.create_superuser("ops", "ops@example.com", PASSWORD)
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    elsewhere = Client(REMOTE_ADDR="198.51.100.2")

    wrong = [attempt(attacker, "guess") for _ in range(settings.AXES_FAILURE_LIMIT)]
    locked = attempt(attacker, PASSWORD)
    from_elsewhere = attempt(elsewhere, PASSWORD)

    assert wrong[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)  # the form again, with an error
    assert wrong[-1] == 429
    assert locked == 429  # even the right password, while locked out
    assert from_elsewhere == 302  # the lockout is per username and address

    call_command("axes_reset_username", "ops", stdout=StringIO())  # README: how to unlock
    assert attempt(attacker, PASSWORD) == 302
