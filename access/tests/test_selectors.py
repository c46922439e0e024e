"""The scope: which brands each person and API key may see and act on, in one subquery."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from pytest_django import DjangoAssertNumQueries

from access.models import ApiKey
from access.roles import KEY_ROLE_GROUPS, OPS_GROUP, Action, Role
from access.selectors import (
    api_key_matching,
    api_keys_managed_by,
    brand_ids_out_of_scope,
    brands_in_scope,
    may,
    principal_of,
    scoped,
    sees_everything,
    teams_in_scope,
)
from access.services import api_key_revoke, team_update
from api.groups import INTEGRATION, OPS, READ_ONLY
from campaigns.models import Campaign
from core.actors import Actor
from core.tests.factories import make_brand, make_campaign

from .helpers import make_key, make_ops_staff, make_person, make_team

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def world() -> dict[str, Any]:
    """Team A (brands a1, a2), team B (brand b1), and a brand of no team."""
    a1, a2, b1, lone = (make_brand(name=name) for name in ("a1", "a2", "b1", "lone"))
    team_a = make_team("A", [a1, a2])
    team_b = make_team("B", [b1])
    return {"a1": a1, "a2": a2, "b1": b1, "lone": lone, "A": team_a, "B": team_b}


def names(brands: Any) -> set[str]:
    return {brand.name for brand in brands}


@pytest.mark.parametrize(
    ("role", "reads", "changes", "records"),
    [
        (Role.VIEWER, True, False, False),
        (Role.INTEGRATION, True, False, True),
        (Role.MANAGER, True, True, True),
    ],
)
def test_a_member_acts_on_their_teams_brands_as_their_role_allows(
    world: dict[str, Any], role: str, reads: bool, changes: bool, records: bool
) -> None:
    person = make_person("pat")
    team_update(team_id=world["A"].pk, members=[(person.pk, role)])

    in_scope = {action: names(brands_in_scope(person, action)) for action in Action}

    assert in_scope[Action.READ] == ({"a1", "a2"} if reads else set())
    assert in_scope[Action.CHANGE] == ({"a1", "a2"} if changes else set())
    assert in_scope[Action.RECORD_SPEND] == ({"a1", "a2"} if records else set())
    assert may(person, Action.CHANGE, brand_id=world["a1"].pk) is changes
    assert may(person, Action.READ, brand_id=world["b1"].pk) is False


def test_a_brand_in_two_of_your_teams_takes_the_wider_role(world: dict[str, Any]) -> None:
    person = make_person("pat")
    shared = make_team("Shared", [world["a1"], world["b1"]], members=[(person, Role.MANAGER)])
    team_update(team_id=world["A"].pk, members=[(person.pk, Role.VIEWER)])

    assert names(brands_in_scope(person, Action.READ)) == {"a1", "a2", "b1"}
    assert names(brands_in_scope(person, Action.CHANGE)) == {"a1", "b1"}
    assert set(teams_in_scope(person, Action.CHANGE)) == {shared}


def test_a_person_in_no_team_sees_nothing_whatever_their_groups(world: dict[str, Any]) -> None:
    for group in (None, READ_ONLY, INTEGRATION, OPS):
        person = make_person(f"nobody-{group}", group=group)

        assert list(brands_in_scope(person)) == []
        assert sees_everything(person) is False


def test_anonymous_and_inactive_people_see_nothing(world: dict[str, Any]) -> None:
    person = make_person("gone")
    team_update(team_id=world["A"].pk, members=[(person.pk, Role.MANAGER)])
    person.is_active = False
    person.save()

    assert list(brands_in_scope(person)) == []
    assert list(brands_in_scope(AnonymousUser())) == []
    assert list(teams_in_scope(AnonymousUser())) == []


def test_superusers_and_ops_staff_see_every_brand(world: dict[str, Any]) -> None:
    everyone = {"a1", "a2", "b1", "lone"}

    for person in (make_person("root", superuser=True), make_ops_staff()):
        assert sees_everything(person) is True
        assert names(brands_in_scope(person, Action.CHANGE)) == everyone
        assert may(person, Action.CHANGE, brand_id=world["lone"].pk) is True
        assert set(teams_in_scope(person)) == {world["A"], world["B"]}


def test_ops_without_staff_and_staff_without_ops_are_scoped_to_their_teams(world: dict[str, Any]) -> None:
    api_ops = make_person("api-ops", group=OPS)  # the API's ops group, not staff
    plain_staff = make_person("staff", staff=True)
    team_update(team_id=world["B"].pk, members=[(api_ops.pk, Role.MANAGER), (plain_staff.pk, Role.VIEWER)])

    assert names(brands_in_scope(api_ops, Action.CHANGE)) == {"b1"}
    assert names(brands_in_scope(plain_staff)) == {"b1"}


def test_the_ops_check_is_one_query_per_user_object(
    world: dict[str, Any], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    person = make_ops_staff()

    with django_assert_num_queries(1):
        assert sees_everything(person) is True
        assert sees_everything(person) is True
        brands_in_scope(person)


def test_scoping_any_queryset_costs_no_query_of_its_own(
    world: dict[str, Any], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    person = make_person("pat")
    team_update(team_id=world["A"].pk, members=[(person.pk, Role.VIEWER)])
    for brand in ("a1", "a2", "b1", "lone"):
        make_campaign(brand=world[brand], name=f"c-{brand}")

    with django_assert_num_queries(1) as captured:
        campaigns = list(scoped(Campaign.objects.order_by("name"), person))

    assert [campaign.name for campaign in campaigns] == ["c-a1", "c-a2"]
    assert "IN (SELECT" in captured.captured_queries[0]["sql"].upper()


def test_a_key_sees_its_teams_brands_for_what_its_role_allows(world: dict[str, Any]) -> None:
    key = make_key(world["A"], Role.INTEGRATION).api_key

    assert names(brands_in_scope(key)) == {"a1", "a2"}
    assert names(brands_in_scope(key, Action.RECORD_SPEND)) == {"a1", "a2"}
    assert list(brands_in_scope(key, Action.CHANGE)) == []
    assert set(teams_in_scope(key)) == {world["A"]}
    assert sees_everything(key) is False


def test_a_key_limited_to_a_brand_subset_resolves_to_only_those_brands(world: dict[str, Any]) -> None:
    key = make_key(world["A"], Role.INTEGRATION, brands=[world["a2"]]).api_key

    assert names(brands_in_scope(key, Action.RECORD_SPEND)) == {"a2"}
    assert may(key, Action.RECORD_SPEND, brand_id=world["a2"].pk) is True
    assert may(key, Action.RECORD_SPEND, brand_id=world["a1"].pk) is False
    assert brand_ids_out_of_scope(key, Action.RECORD_SPEND, [world["a1"].pk, world["a2"].pk]) == {
        world["a1"].pk
    }


def test_a_subset_brand_removed_from_the_team_drops_out_without_widening(world: dict[str, Any]) -> None:
    key = make_key(world["A"], Role.INTEGRATION, brands=[world["a2"]]).api_key

    team_update(team_id=world["A"].pk, brand_ids=[world["a1"].pk])

    assert list(brands_in_scope(key)) == []


def test_revoked_and_expired_keys_see_nothing(world: dict[str, Any]) -> None:
    with time_machine.travel(NOON, tick=False):
        revoked = make_key(world["A"], Role.MANAGER, name="old").api_key
        expiring = make_key(world["A"], Role.MANAGER, expires_at=NOON + dt.timedelta(hours=1)).api_key
        api_key_revoke(api_key_id=revoked.pk, actor=Actor.system("test"))
        revoked.refresh_from_db()

        assert list(brands_in_scope(revoked)) == []
        assert names(brands_in_scope(expiring)) == {"a1", "a2"}
    with time_machine.travel(NOON + dt.timedelta(hours=1), tick=False):
        assert list(brands_in_scope(expiring)) == []
        assert list(teams_in_scope(expiring)) == []


def test_a_keys_service_account_alone_has_no_scope(world: dict[str, Any]) -> None:
    key = make_key(world["A"], Role.MANAGER).api_key

    assert list(brands_in_scope(key.user)) == []
    assert principal_of(key.user, key) is key
    assert principal_of(key.user, None) is key.user


def test_brands_out_of_scope_of_a_person(world: dict[str, Any]) -> None:
    person = make_person("pat")
    team_update(team_id=world["A"].pk, members=[(person.pk, Role.INTEGRATION)])
    wanted = [world["a1"].pk, world["b1"].pk, world["lone"].pk]

    assert brand_ids_out_of_scope(person, Action.RECORD_SPEND, wanted) == {world["b1"].pk, world["lone"].pk}
    assert brand_ids_out_of_scope(make_ops_staff(), Action.CHANGE, wanted) == set()


def test_managers_see_their_teams_keys_and_keys_see_none(world: dict[str, Any]) -> None:
    manager = make_person("manager")
    viewer = make_person("viewer")
    team_update(team_id=world["A"].pk, members=[(manager.pk, Role.MANAGER), (viewer.pk, Role.VIEWER)])
    key_a = make_key(world["A"], Role.INTEGRATION, name="a").api_key
    key_b = make_key(world["B"], Role.INTEGRATION, name="b").api_key

    assert list(api_keys_managed_by(manager)) == [key_a]
    assert list(api_keys_managed_by(viewer)) == []
    assert list(api_keys_managed_by(key_a)) == []
    assert set(api_keys_managed_by(make_ops_staff())) == {key_a, key_b}


def test_a_key_is_found_only_by_its_whole_secret(world: dict[str, Any]) -> None:
    created = make_key(world["A"], Role.INTEGRATION)
    prefix, secret = created.key.split(".")

    assert api_key_matching(created.key) == created.api_key
    assert (
        api_key_matching(f"{prefix}.{secret[:-1]}x" if secret[-1] != "x" else f"{prefix}.{secret[:-1]}y")
        is None
    )
    assert api_key_matching(prefix) is None
    assert api_key_matching(f"{prefix}.{secret}\x00") is None


def test_malformed_keys_cost_no_query(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    with django_assert_num_queries(0):
        for raw in ("", "abc", "a" * 8 + "." + "b" * 31, "é" * 8 + "." + "b" * 32, "a" * 8 + "-" + "b" * 32):
            assert api_key_matching(raw) is None


def test_the_group_names_are_the_apis() -> None:
    assert OPS_GROUP == OPS
    assert KEY_ROLE_GROUPS == {Role.VIEWER: READ_ONLY, Role.INTEGRATION: INTEGRATION, Role.MANAGER: OPS}


def test_keys_are_stored_with_integer_ids(world: dict[str, Any]) -> None:
    created = make_key(world["A"], Role.VIEWER)

    assert isinstance(created.api_key.pk, int)
    assert ApiKey.objects.get(pk=created.api_key.pk).prefix == created.key.split(".")[0]
