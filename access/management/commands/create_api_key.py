"""``manage.py create_api_key --team T --role integration [--brand B ...] [--expires-in 90d] [--name N]``

Prints the new key (``<prefix>.<secret>``) alone on stdout, once (a script can capture it);
what was created goes to stderr. ``T`` and ``B`` are ids or exact names. A team that does not
exist is an error (exit status 1, nothing created): the command never creates teams, so a
mistyped name cannot give a key to a stray team; create the team in the admin first.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from access.models import Team
from access.roles import Role, parse_expires_in
from access.services import api_key_create
from core.actors import Actor
from core.timeutils import now
from tasks.management.jobcommand import resolve_brand_ids


def _team(value: str) -> Team:
    team = Team.objects.filter(pk=int(value)).first() if value.isdigit() else None
    team = team or Team.objects.filter(name=value).first()
    if team is None:
        raise CommandError(
            f"No team {value!r} (give an id or the exact name). This command does not create "
            "teams: create it in the admin (Teams and access > Teams) first."
        )
    return team


class Command(BaseCommand):
    help = "Create a team's API key and print it once (<prefix>.<secret>); only its hash is stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--team", required=True, metavar="ID_OR_NAME", help="The key's team (must exist)."
        )
        parser.add_argument("--role", required=True, choices=Role.values, help="What the key may do.")
        parser.add_argument(
            "--brand",
            action="append",
            dest="brands",
            metavar="ID_OR_NAME",
            help="Limit the key to this brand of the team (repeatable; default: every brand of the team).",
        )
        parser.add_argument(
            "--expires-in", metavar="DURATION", help="e.g. 90d, 12h, 2w, 30m (default: never)."
        )
        parser.add_argument("--name", help="Who or what uses the key (default: '<role> key').")

    def handle(self, *args: Any, **options: Any) -> None:
        team = _team(options["team"])
        role: str = options["role"]
        expires_at = None
        if options["expires_in"]:
            try:
                expires_at = now() + parse_expires_in(options["expires_in"])
            except ValueError as error:
                raise CommandError(str(error)) from None
        try:
            created = api_key_create(
                team_id=team.pk,
                role=role,
                name=options["name"] or f"{role} key",
                brand_ids=resolve_brand_ids(options["brands"]) or [],
                expires_at=expires_at,
                actor=Actor.system("create_api_key command"),
            )
        except ValidationError as error:
            problems = "; ".join(f"{field}: {' '.join(texts)}" for field, texts in error.message_dict.items())
            raise CommandError(problems) from None
        key = created.api_key
        brands = ", ".join(str(pk) for pk in sorted(key.brands.values_list("pk", flat=True))) or "all"
        expires = key.expiry_date.isoformat() if key.expiry_date else "never"
        self.stderr.write(
            f"Created API key {key.name!r} (prefix {key.prefix}, id {key.pk}) of team {team.name!r}: "
            f"role {role}, brands {brands}, expires {expires}. "
            "It is shown once, below: store it now."
        )
        self.stdout.write(created.key)
