"""Teams and API keys in the admin: ops staff and superusers only; a key is shown once."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from access.models import ApiKey, Team, TeamMember
from access.roles import Role
from access.selectors import api_key_matching
from api.groups import sync_groups
from core.tests.factories import make_brand
from ops.tests.helpers import assert_list_in_fixed_queries

from .helpers import make_key, make_ops_staff, make_person, make_team, rows_containing

pytestmark = pytest.mark.django_db
TEAMS = reverse("admin:access_team_changelist")
KEYS = reverse("admin:access_apikey_changelist")
ADD_TEAM = reverse("admin:access_team_add")
ADD_KEY = reverse("admin:access_apikey_add")


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def inline_management(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_ops_staff_and_superusers_manage_teams_other_staff_do_not(admin_client: Client) -> None:
    ops = logged_in(make_ops_staff())
    staff = logged_in(make_person("staff", staff=True))

    for client in (admin_client, ops):
        assert client.get(TEAMS).status_code == 200
        assert client.get(KEYS).status_code == 200
        assert 'href="/admin/access/team/"' in client.get("/admin/").content.decode()
    assert staff.get(TEAMS).status_code == 403
    assert staff.get(KEYS).status_code == 403
    assert staff.get(ADD_KEY).status_code == 403
    assert "/admin/access/" not in staff.get("/admin/").content.decode()


def test_the_librarys_own_key_model_is_not_in_the_admin(admin_client: Client) -> None:
    assert "rest_framework_api_key" not in admin_client.get("/admin/").content.decode()


def test_a_team_is_created_with_its_brands_and_members(admin_client: Client) -> None:
    acme, outlet = make_brand(name="Acme"), make_brand(name="Outlet")
    alice, bob = make_person("alice"), make_person("bob")
    data = {
        "name": "Acme team",
        "brands": [acme.pk, outlet.pk],
        **inline_management("members", 2),
        "members-0-user": str(alice.pk),
        "members-0-role": Role.MANAGER,
        "members-1-user": str(bob.pk),
        "members-1-role": Role.VIEWER,
        **inline_management("api_keys", 0),
    }

    response = admin_client.post(ADD_TEAM, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    team = Team.objects.get(name="Acme team")
    assert set(team.brands.values_list("name", flat=True)) == {"Acme", "Outlet"}
    assert set(TeamMember.objects.filter(team=team).values_list("user__username", "role")) == {
        ("alice", "manager"),
        ("bob", "viewer"),
    }


def test_a_teams_members_are_changed_on_its_page(admin_client: Client) -> None:
    alice, bob = make_person("alice"), make_person("bob")
    team = make_team("Acme team", [make_brand(name="Acme")], members=[(alice, Role.MANAGER)])
    member = TeamMember.objects.get(team=team)
    data = {
        "name": "Acme team",
        "brands": [],
        **inline_management("members", 2, initial=1),
        "members-0-id": str(member.pk),
        "members-0-team": str(team.pk),
        "members-0-user": str(alice.pk),
        "members-0-role": Role.VIEWER,
        "members-1-user": str(bob.pk),
        "members-1-role": Role.INTEGRATION,
        **inline_management("api_keys", 0),
    }

    response = admin_client.post(reverse("admin:access_team_change", args=[team.pk]), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(team.brands.all()) == []
    assert set(TeamMember.objects.filter(team=team).values_list("user__username", "role")) == {
        ("alice", "viewer"),
        ("bob", "integration"),
    }


def test_the_team_list_is_a_fixed_number_of_queries(
    admin_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for index in range(12):
        team = make_team(f"Team {index:02d}", [make_brand(name=f"Brand {index}")])
        make_key(team, Role.INTEGRATION)

    assert_list_in_fixed_queries(
        admin_client, django_assert_max_num_queries, TEAMS, queries=8, rows=12, per_page=100
    )
    assert_list_in_fixed_queries(
        admin_client, django_assert_max_num_queries, KEYS, queries=8, rows=12, per_page=100
    )


def test_a_key_is_created_in_the_admin_and_shown_once(admin_client: Client) -> None:
    sync_groups()
    acme = make_brand(name="Acme")
    team = make_team("Acme team", [acme, make_brand(name="Outlet")])
    data = {
        "name": "google-ads sync",
        "team": str(team.pk),
        "role": Role.INTEGRATION,
        "brands": [acme.pk],
        "expiry_date_0": "",
        "expiry_date_1": "",
    }

    response = admin_client.post(ADD_KEY, data)

    assert response.status_code == 200, response.content.decode()[:3000]
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    shown = re.search(r'<pre id="api-key"[^>]*>([^<]+)</pre>', html)
    assert shown is not None
    key = shown.group(1)
    stored = api_key_matching(key)
    assert stored is not None
    assert (stored.name, stored.team, stored.role, stored.created_by) == (
        "google-ads sync",
        team,
        "integration",
        "user: admin",
    )
    assert list(stored.brands.all()) == [acme]
    # shown once: nowhere else, not in the key's page, not in a table, not in the session
    secret = key.split(".")[1]
    assert (
        secret
        not in admin_client.get(reverse("admin:access_apikey_change", args=[stored.pk])).content.decode()
    )
    assert secret not in admin_client.get(KEYS).content.decode()
    assert rows_containing(secret) == []
    assert all(secret not in repr(session.get_decoded()) for session in Session.objects.all())
    assert LogEntry.objects.filter(object_id=str(stored.pk)).exists()


def test_a_key_for_another_teams_brand_is_refused_on_the_form(admin_client: Client) -> None:
    sync_groups()
    team = make_team("Acme team", [make_brand(name="Acme")])
    elsewhere = make_brand(name="Elsewhere")
    make_team("Other", [elsewhere])
    data = {"name": "x", "team": str(team.pk), "role": Role.VIEWER, "brands": [elsewhere.pk]}

    response = admin_client.post(ADD_KEY, data)

    assert response.status_code == 200
    assert "Every brand must be one of the team&#x27;s brands." in response.content.decode()
    assert not ApiKey.objects.exists()


def test_a_keys_page_is_read_only_and_keys_are_revoked_by_the_action(admin_client: Client) -> None:
    team = make_team("Acme team")
    keep, drop = (
        make_key(team, Role.VIEWER, name="keep").api_key,
        make_key(team, Role.VIEWER, name="drop").api_key,
    )
    change = reverse("admin:access_apikey_change", args=[drop.pk])

    page = admin_client.get(change).content.decode()
    edit = admin_client.post(change, {"name": "renamed"})
    revoked = admin_client.post(KEYS, {"action": "revoke_keys", "_selected_action": [drop.pk]}, follow=True)

    assert 'name="name"' not in page
    assert drop.prefix in page
    assert edit.status_code == 403
    assert "Revoked 1 API key(s)." in revoked.content.decode()
    drop.refresh_from_db()
    keep.refresh_from_db()
    assert (drop.revoked, drop.revoked_by, keep.revoked) == (True, "user: admin", False)
    assert ApiKey.objects.count() == 2  # nothing is deleted


def test_ops_staff_revoke_but_other_staff_cannot(admin_client: Client) -> None:
    key = make_key(make_team("Acme team"), Role.VIEWER).api_key
    staff = logged_in(make_person("staff", staff=True))

    refused = staff.post(KEYS, {"action": "revoke_keys", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert (refused.status_code, key.revoked) == (403, False)

    logged_in(make_ops_staff()).post(KEYS, {"action": "revoke_keys", "_selected_action": [key.pk]})
    key.refresh_from_db()
    assert key.revoked is True
