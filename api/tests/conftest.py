"""Fixtures of the API tests: users in each permission group, and clients for them.

Scope applies to every person (``access.selectors``), so the users made here stand where
the tests need them: an ``ops`` user is ops staff (sees every brand); a ``read-only`` or
``integration`` user is a member, as viewer or integration, of one team, *API test clients*,
that holds every brand the test creates (each brand saved while such a user exists joins
it; ``clients_team_holds`` adds brands made with ``bulk_create``, which sends no signal).
A user of no group belongs to no team. The scope itself is tested with teams of their own
(``access/tests``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db.models.signals import post_save
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from access.models import Team, TeamMember
from access.roles import Role
from api.groups import INTEGRATION, OPS, READ_ONLY, sync_groups
from brands.models import Brand

MakeClient = Callable[[str | None], APIClient]


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """Throttle counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


CLIENTS_TEAM = "API test clients"
CLIENT_ROLES = {READ_ONLY: Role.VIEWER, INTEGRATION: Role.INTEGRATION}
_JOIN = "api-tests-clients-team-joins-every-brand"


def clients_team_holds(brands: Iterable[Brand]) -> None:
    """The brands join the *API test clients* team (for brands made with ``bulk_create``)."""
    team, _ = Team.objects.get_or_create(name=CLIENTS_TEAM)
    team.brands.add(*brands)


def _join_clients_team(sender: Any, instance: Brand, created: bool, **kwargs: Any) -> None:
    if created:
        clients_team_holds([instance])


@pytest.fixture(autouse=True)
def _clients_team_stops_joining() -> Iterator[None]:
    yield
    post_save.disconnect(sender=Brand, dispatch_uid=_JOIN)


def make_user(username: str, group: str | None) -> User:
    """A person in ``group``: ops staff for ``ops``; for ``read-only`` and ``integration`` a
    member of the *API test clients* team, which from then on holds every brand saved."""
    user = User.objects.create_user(username=username, is_staff=group == OPS)  # no password: tokens only
    if group is not None:
        sync_groups()
        user.groups.add(Group.objects.get(name=group))
    role = CLIENT_ROLES.get(group or "")
    if role is not None:
        clients_team_holds(Brand.objects.all())
        team = Team.objects.get(name=CLIENTS_TEAM)
        TeamMember.objects.create(team=team, user=user, role=role)
        post_save.connect(_join_clients_team, sender=Brand, dispatch_uid=_JOIN)
    return user


def token_client(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def client_for(db: None) -> MakeClient:
    """An authenticated client for a new user of ``group`` (``None``: no group at all)."""
    counter = iter(range(1, 1000))

    def build(group: str | None) -> APIClient:
        return token_client(make_user(f"{group or 'nobody'}-{next(counter)}", group))

    return build


@pytest.fixture
def ops(client_for: MakeClient) -> APIClient:
    return client_for(OPS)


@pytest.fixture
def integration(client_for: MakeClient) -> APIClient:
    return client_for(INTEGRATION)


@pytest.fixture
def reader(client_for: MakeClient) -> APIClient:
    return client_for(READ_ONLY)


@pytest.fixture
def anonymous(db: None) -> APIClient:
    return APIClient()
