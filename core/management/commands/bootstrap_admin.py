"""Create the demo admin without ``createsuperuser``: a generated password, printed once.

    python manage.py bootstrap_admin [--username admin]

When no superuser exists, creates one with a random password and prints it (this is the only
time it is shown; ``manage.py changepassword`` sets a new one). When a superuser exists it
says so and changes nothing. There is no default password anywhere.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = "Create a superuser with a generated password (printed once) if none exists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        username: str = options["username"]
        with transaction.atomic():
            existing = user_model.objects.filter(is_superuser=True).order_by("pk").first()
            if existing is not None:
                self.stdout.write(
                    f"admin: superuser {existing.get_username()!r} exists; its password is not shown "
                    f"again (manage.py changepassword {existing.get_username()} sets a new one)."
                )
                return
            if user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).exists():
                self.stdout.write(
                    f"admin: user {username!r} exists but is not a superuser; nothing changed "
                    "(manage.py createsuperuser makes one)."
                )
                return
            password = secrets.token_urlsafe(18)
            user_model.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(
            "admin: created superuser "
            f"{username!r} with password {password}\n"
            "admin: this password is shown only once; log in at /admin/ and keep it."
        )
