from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def _bootstrap(*args: str) -> str:
    out = StringIO()
    call_command("bootstrap_admin", *args, stdout=out)
    return out.getvalue()


def test_the_first_run_creates_admin_with_a_generated_password_shown_once() -> None:
    first = _bootstrap()

    match = re.search(r"created superuser 'admin' with password (\S+)", first)
    assert match, first
    password = match.group(1)
    assert len(password) >= 20
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password(password)

    second = _bootstrap()
    assert "superuser 'admin' exists" in second
    assert password not in second
    assert User.objects.get(username="admin").check_password(password)


def test_two_installs_get_different_passwords() -> None:
    first = re.findall(r"with password (\S+)", _bootstrap())
    User.objects.all().delete()
    second = re.findall(r"with password (\S+)", _bootstrap())
    assert first
    assert second
    assert first != second


def test_an_existing_superuser_is_left_alone() -> None:
    User.objects.create_superuser(username="ops-lead", password=None)
    out = _bootstrap()
    assert "superuser 'ops-lead' exists" in out
    assert not User.objects.filter(username="admin").exists()


def test_a_plain_user_named_admin_is_not_promoted() -> None:
    User.objects.create_user(username="admin")
    out = _bootstrap()
    assert "is not a superuser; nothing changed" in out
    assert not User.objects.get(username="admin").is_superuser
