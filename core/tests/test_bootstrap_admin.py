from __future__ import annotations

import json
import re
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

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


def test_save_keeps_the_password_for_make_run_until_it_stops_working(tmp_path: Path) -> None:
    saved = tmp_path / ".run" / "admin.json"

    first = _bootstrap("--save", str(saved))
    password = re.findall(r"with password (\S+)", first)[0]
    assert json.loads(saved.read_text()) == {"username": "admin", "password": password}
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600

    again = _bootstrap("--save", str(saved))
    assert "exists (password kept in" in again
    assert saved.exists()

    admin = User.objects.get(username="admin")
    admin.set_password("changed-by-a-person-42")
    admin.save()
    after_change = _bootstrap("--save", str(saved))
    assert "not shown again" in after_change
    assert not saved.exists()  # a stale password is never shown


def test_reset_sets_and_shows_a_new_password(tmp_path: Path) -> None:
    saved = tmp_path / "admin.json"
    old = re.findall(r"with password (\S+)", _bootstrap())[0]

    out = _bootstrap("--reset", "--save", str(saved))

    new = re.findall(r"new password for superuser 'admin': (\S+)", out)[0]
    assert new != old
    admin = User.objects.get(username="admin")
    assert admin.check_password(new)
    assert json.loads(saved.read_text())["password"] == new


def test_reset_creates_the_admin_when_missing_and_refuses_a_plain_user() -> None:
    out = _bootstrap("--reset")
    assert User.objects.get(username="admin").is_superuser
    assert "new password" in out
    User.objects.create_user(username="clerk")
    with pytest.raises(CommandError, match="not a superuser"):
        _bootstrap("--reset", "--username", "clerk")
