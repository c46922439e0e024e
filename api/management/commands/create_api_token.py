"""``manage.py create_api_token <username>``: print the user's API token (created if missing).

``--group ops --staff`` makes an ops staff member, who sees every brand; anyone else sees the
brands of their teams only (``access.selectors``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token

from api.groups import GROUP_PERMISSIONS, sync_groups


class Command(BaseCommand):
    help = "Print the API token of a user, creating the token (and with --create, the user) if needed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--create", action="store_true", help="Create the user (without a password) if it does not exist."
        )
        parser.add_argument(
            "--group",
            choices=sorted(GROUP_PERMISSIONS),
            help="Add the user to this API group (read-only, integration or ops).",
        )
        parser.add_argument(
            "--staff",
            action="store_true",
            help="Mark the user staff: with --group ops, ops staff see every brand of every team.",
        )
        parser.add_argument("--rotate", action="store_true", help="Replace an existing token with a new one.")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        users = get_user_model()
        with transaction.atomic():
            user = users.objects.filter(**{users.USERNAME_FIELD: username}).first()
            if user is None:
                if not options["create"]:
                    raise CommandError(f"No user {username!r} (pass --create to create it).")
                user = users.objects.create_user(**{users.USERNAME_FIELD: username})
                user.set_unusable_password()
                user.save()
            if options["group"]:
                sync_groups()
                user.groups.add(Group.objects.get(name=options["group"]))
            if options["staff"] and not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            if options["rotate"]:
                Token.objects.filter(user=user).delete()
            token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
