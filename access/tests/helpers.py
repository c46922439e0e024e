"""Teams, people and keys for the access tests (through the services, as production makes them)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, User
from django.db import connection
from rest_framework.test import APIClient

from access.models import Team
from access.roles import OPS_GROUP
from access.services import CreatedApiKey, api_key_create, team_create
from api.groups import sync_groups
from brands.models import Brand
from core.actors import Actor


def make_team(name: str, brands: Iterable[Brand] = (), members: Iterable[tuple[User, str]] = ()) -> Team:
    return team_create(
        name=name,
        brand_ids=[brand.pk for brand in brands],
        members=[(user.pk, role) for user, role in members],
    )


def make_person(
    username: str, *, group: str | None = None, staff: bool = False, superuser: bool = False
) -> User:
    user = User.objects.create_user(username=username, is_staff=staff or superuser, is_superuser=superuser)
    if group is not None:
        sync_groups()
        user.groups.add(Group.objects.get(name=group))
    return user


def make_ops_staff(username: str = "ops-staff") -> User:
    return make_person(username, group=OPS_GROUP, staff=True)


def make_key(
    team: Team, role: str, *, brands: Iterable[Brand] = (), name: str = "etl", **kwargs: object
) -> CreatedApiKey:
    sync_groups()
    return api_key_create(
        team_id=team.pk,
        role=role,
        name=name,
        brand_ids=[brand.pk for brand in brands],
        actor=Actor.system("test"),
        **kwargs,  # type: ignore[arg-type]
    )


def key_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def rows_containing(text: str) -> list[tuple[str, str]]:
    """Every (table, row) of the database whose any column, read as text, contains ``text``."""
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                shown = " ".join(str(bytes(v)) if isinstance(v, memoryview) else str(v) for v in row)
                if text in shown:
                    found.append((table, shown))
    return found
