"""Create the demo admin without ``createsuperuser``: a generated password, never a default one.

    python manage.py bootstrap_admin [--username admin] [--save FILE] [--reset]

When no superuser exists, creates one with a random password and prints it. When a superuser
exists it says so and changes nothing. There is no default password anywhere.

- ``--save FILE`` (what ``make run`` uses, with ``.run/admin.json``): the generated password
  is also kept in FILE (readable by its owner only, git-ignored), so that ``make run`` can show
  it again after the server is up. While that password still logs in, later runs print it
  again; once it no longer does (changed with ``changepassword``), the file is removed.
- ``--reset`` (``make admin-password``): sets a new generated password for the superuser
  (``--username``, else the first one) and prints it, creating the superuser when none exists.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction


def _save(path: Path, username: str, password: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump({"username": username, "password": password}, file)


def _saved_password(path: Path | None, user: AbstractBaseUser) -> str | None:
    """The password kept in ``path`` if it is still this user's (else forget the file)."""
    if path is None or not path.exists():
        return None
    try:
        saved = json.loads(path.read_text())
        if saved["username"] == user.get_username() and user.check_password(saved["password"]):
            return str(saved["password"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    path.unlink(missing_ok=True)
    return None


class Command(BaseCommand):
    help = "Create a superuser with a generated password if none exists (--reset: a new password)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--save", type=Path, metavar="FILE", help="keep the password in FILE (mode 600)")
        parser.add_argument("--reset", action="store_true", help="set and print a new generated password")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        username: str = options["username"]
        path: Path | None = options["save"]
        lookup = {user_model.USERNAME_FIELD: username}
        with transaction.atomic():
            if options["reset"]:
                user = user_model.objects.filter(**lookup).first()
                if user is None:
                    user = user_model.objects.filter(is_superuser=True).order_by("pk").first()
                if user is not None and not user.is_superuser:
                    raise CommandError(f"User {username!r} is not a superuser; its password is left alone.")
                password = secrets.token_urlsafe(18)
                if user is None:
                    user = user_model.objects.create_superuser(username=username, email="", password=password)
                else:
                    user.set_password(password)
                    user.save(update_fields=["password"])
                if path is not None:
                    _save(path, user.get_username(), password)
                self.stdout.write(f"admin: new password for superuser {user.get_username()!r}: {password}")
                return
            existing = user_model.objects.filter(is_superuser=True).order_by("pk").first()
            if existing is not None:
                name = existing.get_username()
                saved = _saved_password(path, existing)
                if saved is not None:
                    self.stdout.write(f"admin: superuser {name!r} exists (password kept in {path}).")
                else:
                    self.stdout.write(
                        f"admin: superuser {name!r} exists; its password is not shown again "
                        "(make admin-password, or manage.py bootstrap_admin --reset, sets a new one)."
                    )
                return
            if user_model.objects.filter(**lookup).exists():
                self.stdout.write(
                    f"admin: user {username!r} exists but is not a superuser; nothing changed "
                    "(manage.py createsuperuser makes one)."
                )
                return
            password = secrets.token_urlsafe(18)
            user_model.objects.create_superuser(username=username, email="", password=password)
        if path is not None:
            _save(path, username, password)
        self.stdout.write(
            "admin: created superuser "
            f"{username!r} with password {password}\n"
            "admin: log in at /admin/ and keep it; make admin-password sets a new one."
        )
