"""Teams and API keys are written by the services: hashed keys, service accounts, revocation,
``last_used_at`` at most once a minute."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from rest_framework_api_key.crypto import KeyGenerator

from access.models import ApiKey, TeamMember
from access.roles import KEY_ROLE_GROUPS, Role, parse_expires_in
from access.services import api_key_create, api_key_record_use, api_key_revoke, team_update
from core.actors import Actor
from core.tests.factories import make_brand

from .helpers import make_key, make_person, make_team

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
KEY_FORMAT = re.compile(r"^[A-Za-z0-9]{8}\.[A-Za-z0-9]{32}$")


@pytest.fixture
def team() -> Any:
    return make_team("A", [make_brand(name="a1"), make_brand(name="a2")])


@pytest.mark.parametrize("role", list(Role))
def test_a_key_is_shown_once_and_stored_as_a_hash(team: Any, role: str) -> None:
    created = make_key(team, role, name="google-ads sync")
    stored = ApiKey.objects.select_related("user").get(pk=created.api_key.pk)

    assert KEY_FORMAT.match(created.key)
    prefix, secret = created.key.split(".")
    assert stored.prefix == prefix
    assert secret not in stored.hashed_key
    assert created.key not in stored.hashed_key
    assert stored.hashed_key.startswith("sha512$$")
    assert KeyGenerator().verify(created.key, stored.hashed_key)
    assert (stored.name, stored.role, stored.team_id, stored.created_by) == (
        "google-ads sync",
        role,
        team.pk,
        "system: test",
    )


def test_a_keys_service_account_has_no_password_no_staff_and_its_roles_group(team: Any) -> None:
    user = make_key(team, Role.INTEGRATION).api_key.user

    assert user.username.startswith("api-key-")
    assert not user.has_usable_password()
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert [group.name for group in user.groups.all()] == [KEY_ROLE_GROUPS[Role.INTEGRATION]]
    assert user.has_perm("spending.add_spend")
    assert not user.has_perm("brands.change_brand")


def test_a_keys_brands_must_be_the_teams(team: Any) -> None:
    other = make_brand(name="elsewhere")
    make_team("B", [other])

    for brand_id in (other.pk, 987654):
        with pytest.raises(ValidationError) as error:
            api_key_create(
                team_id=team.pk,
                role=Role.INTEGRATION,
                name="x",
                brand_ids=[brand_id],
                actor=Actor.system("t"),
            )
        # Another team's brand and a brand that does not exist get the same answer.
        assert error.value.message_dict == {"brands": ["Every brand must be one of the team's brands."]}
    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "n" * 51}, "name"),
        ({"role": "owner"}, "role"),
        ({"team_id": 987654}, "team"),
        ({"expires_at": NOON - dt.timedelta(seconds=1)}, "expires_at"),
        ({"expires_at": NOON + dt.timedelta(days=3661)}, "expires_at"),
    ],
)
def test_a_bad_key_request_creates_nothing(team: Any, changes: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {
        "team_id": team.pk,
        "role": Role.VIEWER,
        "name": "etl",
        "actor": Actor.system("t"),
    }
    with time_machine.travel(NOON, tick=False), pytest.raises(ValidationError) as error:
        api_key_create(**{**arguments, **changes})

    assert list(error.value.message_dict) == [field]
    assert not ApiKey.objects.exists()


def test_revoking_is_for_good_and_twice_is_harmless(team: Any) -> None:
    key = make_key(team, Role.MANAGER).api_key

    with time_machine.travel(NOON, tick=False):
        api_key_revoke(api_key_id=key.pk, actor=Actor(kind=Actor.USER, label="alice", user_id=None))
    with time_machine.travel(NOON + dt.timedelta(hours=1), tick=False):
        api_key_revoke(api_key_id=key.pk, actor=Actor.system("again"))

    key.refresh_from_db()
    key.user.refresh_from_db()
    assert (key.revoked, key.revoked_at, key.revoked_by) == (True, NOON, "user: alice")
    assert key.user.is_active is False
    loaded = ApiKey.objects.get(pk=key.pk)
    loaded.revoked = False
    with pytest.raises(ValidationError):
        loaded.save()


def test_last_used_at_moves_at_most_once_a_minute(team: Any) -> None:
    key = make_key(team, Role.INTEGRATION).api_key

    with time_machine.travel(NOON, tick=False):
        first = api_key_record_use(api_key_id=key.pk)
    with time_machine.travel(NOON + dt.timedelta(seconds=59), tick=False):
        again = api_key_record_use(api_key_id=key.pk)
    key.refresh_from_db()
    assert (first, again, key.last_used_at) == (True, False, NOON)

    with time_machine.travel(NOON + dt.timedelta(seconds=60), tick=False):
        later = api_key_record_use(api_key_id=key.pk)
    key.refresh_from_db()
    assert (later, key.last_used_at) == (True, NOON + dt.timedelta(seconds=60))


def test_a_team_gets_its_brands_and_members_replaced_as_given(team: Any) -> None:
    ann, bob, cy = (make_person(name) for name in ("ann", "bob", "cy"))
    team_update(team_id=team.pk, members=[(ann.pk, Role.MANAGER), (bob.pk, Role.VIEWER)])
    new_brand = make_brand(name="a3")

    team_update(
        team_id=team.pk,
        name="A renamed",
        brand_ids=[new_brand.pk],
        members=[(bob.pk, Role.MANAGER), (cy.pk, "viewer")],
    )

    team.refresh_from_db()
    assert team.name == "A renamed"
    assert [brand.name for brand in team.brands.all()] == ["a3"]
    assert set(TeamMember.objects.filter(team=team).values_list("user__username", "role")) == {
        ("bob", "manager"),
        ("cy", "viewer"),
    }


def test_a_person_appears_once_per_team_with_a_known_role(team: Any) -> None:
    ann = make_person("ann")

    with pytest.raises(ValidationError):
        team_update(team_id=team.pk, members=[(ann.pk, Role.MANAGER), (ann.pk, Role.VIEWER)])
    with pytest.raises(ValidationError):
        team_update(team_id=team.pk, members=[(ann.pk, "owner")])
    with pytest.raises(ValidationError):
        make_team("A")  # the name is taken


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", dt.timedelta(days=90)),
        ("12h", dt.timedelta(hours=12)),
        ("2w", dt.timedelta(weeks=2)),
        ("30m", dt.timedelta(minutes=30)),
        (" 1d ", dt.timedelta(days=1)),
    ],
)
def test_durations(text: str, expected: dt.timedelta) -> None:
    assert parse_expires_in(text) == expected


@pytest.mark.parametrize("text", ["", "90", "d", "1y", "0m", "-1d", "3661d", "1.5d", "90 days"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        parse_expires_in(text)
