"""Fixtures of the API tests: users in each permission group, and clients for them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api.groups import INTEGRATION, OPS, READ_ONLY, sync_groups

MakeClient = Callable[[str | None], APIClient]


@pytest.fixture(autouse=True)
def _fresh_throttles() -> Iterator[None]:
    """Throttle counters live in the cache: every test starts with none."""
    cache.clear()
    yield
    cache.clear()


def make_user(username: str, group: str | None) -> User:
    user = User.objects.create_user(username=username)  # no password: tokens only, no hashing
    if group is not None:
        sync_groups()
        user.groups.add(Group.objects.get(name=group))
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
