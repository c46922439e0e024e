"""API keys over HTTP: ``Authorization: Api-Key``, and ``api-keys/`` for team managers."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
import time_machine
from django.test import Client
from pytest_django import DjangoAssertNumQueries
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from access.models import ApiKey
from access.roles import Role
from access.services import api_key_revoke, team_update
from access.tests.helpers import key_client, make_key, make_ops_staff, make_person, make_team, rows_containing
from api.groups import OPS
from core.actors import Actor
from core.tests.factories import make_brand, make_campaign
from events.selectors import event_log
from spending.models import Spend

from .conftest import token_client

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def world() -> dict[str, Any]:
    """Teams A and B with a brand and a campaign each; a manager and a viewer of A (both in the
    API's ``ops`` group, so that only the team role tells them apart), a manager of B."""
    a, b = make_brand(name="a"), make_brand(name="b")
    team_a, team_b = make_team("A", [a]), make_team("B", [b])
    manager_a = make_person("manager-a", group=OPS)
    viewer_a = make_person("viewer-a", group=OPS)
    manager_b = make_person("manager-b", group=OPS)
    team_update(team_id=team_a.pk, members=[(manager_a.pk, Role.MANAGER), (viewer_a.pk, Role.VIEWER)])
    team_update(team_id=team_b.pk, members=[(manager_b.pk, Role.MANAGER)])
    return {
        "a": a,
        "b": b,
        "A": team_a,
        "B": team_b,
        "campaign_a": make_campaign(brand=a, name="ca"),
        "manager_a": token_client(manager_a),
        "viewer_a": token_client(viewer_a),
        "manager_b": token_client(manager_b),
    }


# --- Authentication ------------------------------------------------------------------------


def test_a_key_authenticates_as_its_service_account(world: dict[str, Any]) -> None:
    created = make_key(world["A"], Role.INTEGRATION)

    response = key_client(created.key).get("/api/v1/brands/")

    assert response.status_code == 200
    assert response.wsgi_request.user == created.api_key.user


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key",
        "Api-Key a b",
        "Api-Key not-a-key",
        "Api-Key AAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
        "Api-Key \u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
    ],
)
def test_a_bad_key_gets_401(world: dict[str, Any], header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode().decode("latin-1"))

    response = client.get("/api/v1/brands/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_wrong_secret_for_a_real_prefix_gets_401_without_saying_more(world: dict[str, Any]) -> None:
    created = make_key(world["A"], Role.INTEGRATION)
    api_key_revoke(api_key_id=created.api_key.pk, actor=Actor.system("test"))
    prefix = created.key.split(".")[0]

    response = key_client(f"{prefix}.{'x' * 32}").get("/api/v1/brands/")

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid API key."


def test_a_revoked_key_gets_401(world: dict[str, Any]) -> None:
    created = make_key(world["A"], Role.INTEGRATION)
    client = key_client(created.key)
    assert client.get("/api/v1/brands/").status_code == 200

    api_key_revoke(api_key_id=created.api_key.pk, actor=Actor.system("test"))
    response = client.get("/api/v1/brands/")

    assert response.status_code == 401
    assert response.json() == {"detail": "This API key was revoked.", "code": "authentication_failed"}


def test_an_expired_key_gets_401(world: dict[str, Any]) -> None:
    with time_machine.travel(NOON, tick=False):
        created = make_key(world["A"], Role.INTEGRATION, expires_at=NOON + dt.timedelta(days=1))
        assert key_client(created.key).get("/api/v1/brands/").status_code == 200

    with time_machine.travel(NOON + dt.timedelta(days=1), tick=False):
        response = key_client(created.key).get("/api/v1/brands/")

    assert response.status_code == 401
    assert response.json()["detail"] == "This API key has expired."


def test_last_used_at_is_written_at_most_once_a_minute(
    world: dict[str, Any], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    created = make_key(world["A"], Role.INTEGRATION)
    client = key_client(created.key)

    with time_machine.travel(NOON, tick=False):
        client.get("/api/v1/ping/")
    with time_machine.travel(NOON + dt.timedelta(seconds=30), tick=False), django_assert_num_queries(1):
        client.get("/api/v1/ping/")  # the key's look-up only: no write
    created.api_key.refresh_from_db()
    assert created.api_key.last_used_at == NOON

    with time_machine.travel(NOON + dt.timedelta(minutes=1, seconds=1), tick=False):
        client.get("/api/v1/ping/")
    created.api_key.refresh_from_db()
    assert created.api_key.last_used_at == NOON + dt.timedelta(minutes=1, seconds=1)


def test_the_keys_role_gives_its_model_permissions(world: dict[str, Any]) -> None:
    viewer = key_client(make_key(world["A"], Role.VIEWER, name="v").key)
    integration = key_client(make_key(world["A"], Role.INTEGRATION, name="i").key)
    spend = {"campaign": world["campaign_a"].pk, "amount": "1.00"}

    assert viewer.get("/api/v1/campaigns/").status_code == 200
    assert viewer.post("/api/v1/spends/", spend).status_code == 403
    assert integration.post("/api/v1/spends/", spend).status_code == 201
    assert integration.patch(f"/api/v1/brands/{world['a'].pk}/", {"daily_budget": "5.00"}).status_code == 403


def test_a_keys_writes_record_the_key_as_actor(world: dict[str, Any]) -> None:
    created = make_key(world["A"], Role.MANAGER, name="ops robot")
    campaign = world["campaign_a"]

    response = key_client(created.key).post(f"/api/v1/campaigns/{campaign.pk}/pause/")

    assert response.status_code == 200
    event = event_log(campaign_id=campaign.pk, types=["campaign.updated"]).get()
    assert event.data["changes"] == {"status": ["active", "paused"]}
    assert (event.actor_kind, event.actor_name, event.actor_user_id, event.actor_api_key_id) == (
        "api_key",
        "ops robot",
        created.api_key.user_id,
        created.api_key.pk,
    )


def test_idempotency_keys_are_kept_per_api_key(world: dict[str, Any]) -> None:
    one = key_client(make_key(world["A"], Role.INTEGRATION, name="one").key)
    two = key_client(make_key(world["A"], Role.INTEGRATION, name="two").key)
    spend = {"campaign": world["campaign_a"].pk, "amount": "1.00"}

    first = one.post("/api/v1/spends/", spend, HTTP_IDEMPOTENCY_KEY="k-1")
    replay = one.post("/api/v1/spends/", spend, HTTP_IDEMPOTENCY_KEY="k-1")
    other = two.post("/api/v1/spends/", spend, HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, replay.status_code, other.status_code) == (201, 200, 201)
    assert Spend.objects.count() == 2


def test_user_tokens_keep_working(world: dict[str, Any]) -> None:
    response = world["viewer_a"].get("/api/v1/ping/")

    assert response.status_code == 200
    assert response.json() == {"user": "viewer-a", "authentication": "token"}


# --- api-keys/ -------------------------------------------------------------------------------


def create(client: APIClient, team: Any, **body: Any) -> Any:
    return client.post("/api/v1/api-keys/", {"name": "etl", "team": team.pk, "role": "integration", **body})


def test_a_manager_creates_a_key_shown_once(world: dict[str, Any]) -> None:
    with time_machine.travel(NOON, tick=False):
        response = create(world["manager_a"], world["A"], brands=[world["a"].pk], expires_in="90d")

    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    stored = ApiKey.objects.get(pk=body["id"])
    assert body["key"].startswith(f"{stored.prefix}.")
    assert (body["team"], body["team_name"], body["role"], body["brands"]) == (
        world["A"].pk,
        "A",
        "integration",
        [world["a"].pk],
    )
    assert body["expires_at"] == "2027-02-16T12:00:00Z"
    assert body["created_by"] == "token: manager-a"
    assert key_client(body["key"]).get("/api/v1/ping/").status_code == 200
    listed = world["manager_a"].get("/api/v1/api-keys/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert "key" not in listed[0]
    assert "hashed_key" not in listed[0]


def test_a_manager_lists_only_their_teams_keys(world: dict[str, Any]) -> None:
    key_a = make_key(world["A"], Role.INTEGRATION, name="a").api_key
    key_b = make_key(world["B"], Role.INTEGRATION, name="b").api_key

    mine = world["manager_a"].get("/api/v1/api-keys/").json()
    filtered = world["manager_a"].get(f"/api/v1/api-keys/?team={world['B'].pk}").json()
    ops = token_client(make_ops_staff()).get("/api/v1/api-keys/").json()

    assert (mine["count"], [row["id"] for row in mine["results"]]) == (1, [key_a.pk])
    assert filtered["count"] == 0
    assert {row["id"] for row in ops["results"]} == {key_a.pk, key_b.pk}


def test_a_manager_cannot_see_or_revoke_another_teams_key(world: dict[str, Any]) -> None:
    key_b = make_key(world["B"], Role.INTEGRATION, name="b")

    response = world["manager_a"].delete(f"/api/v1/api-keys/{key_b.api_key.pk}/")

    assert response.status_code == 404
    key_b.api_key.refresh_from_db()
    assert key_b.api_key.revoked is False
    assert key_client(key_b.key).get("/api/v1/ping/").status_code == 200
    assert world["manager_a"].delete("/api/v1/api-keys/987654/").json() == response.json()


def test_a_manager_revokes_their_teams_key(world: dict[str, Any]) -> None:
    created = make_key(world["A"], Role.INTEGRATION)

    first = world["manager_a"].delete(f"/api/v1/api-keys/{created.api_key.pk}/")
    again = world["manager_a"].delete(f"/api/v1/api-keys/{created.api_key.pk}/")

    assert (first.status_code, again.status_code) == (204, 204)
    created.api_key.refresh_from_db()
    assert (created.api_key.revoked, created.api_key.revoked_by) == (True, "token: manager-a")
    assert key_client(created.key).get("/api/v1/ping/").status_code == 401


def test_only_managers_create_keys_and_other_teams_look_like_none(world: dict[str, Any]) -> None:
    other_team = create(world["manager_a"], world["B"])
    no_team = world["manager_a"].post("/api/v1/api-keys/", {"name": "x", "team": 987654, "role": "viewer"})
    as_viewer = create(world["viewer_a"], world["A"])

    assert other_team.status_code == no_team.status_code == 400
    assert other_team.json() == no_team.json() == {"team": ["No team you manage has this id."]}
    assert as_viewer.status_code == 403
    assert as_viewer.json()["detail"] == "Only a team's managers create and revoke its API keys."
    assert not ApiKey.objects.exists()


def test_a_person_who_manages_no_team_lists_nothing_and_revokes_nothing(world: dict[str, Any]) -> None:
    created = make_key(world["A"], Role.INTEGRATION)

    listed = world["viewer_a"].get("/api/v1/api-keys/")
    revoked = world["viewer_a"].delete(f"/api/v1/api-keys/{created.api_key.pk}/")

    assert (listed.status_code, listed.json()["count"]) == (200, 0)
    # A team's keys are shown to its managers only: to anyone else a key is absent (404),
    # as another team's key is, so the answer says nothing of which keys exist.
    assert revoked.status_code == 404
    created.api_key.refresh_from_db()
    assert created.api_key.revoked is False


def test_a_key_limited_to_another_teams_brand_is_refused(world: dict[str, Any]) -> None:
    response = create(world["manager_a"], world["A"], brands=[world["b"].pk])

    assert response.status_code == 400
    assert response.json() == {"brands": ["Every brand must be one of the team's brands."]}


@pytest.mark.parametrize(
    "body",
    [
        {"role": "owner"},
        {"expires_in": "soon"},
        {"expires_in": "1d", "expires_at": "2030-01-01T00:00:00Z"},
        {"expires_at": "2000-01-01T00:00:00Z"},
        {"name": ""},
        {"brands": "all"},
    ],
)
def test_bad_bodies_get_400(world: dict[str, Any], body: dict[str, Any]) -> None:
    response = create(world["manager_a"], world["A"], **body)

    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_api_keys_do_not_manage_api_keys(world: dict[str, Any]) -> None:
    client = key_client(make_key(world["A"], Role.MANAGER).key)

    listed = client.get("/api/v1/api-keys/")
    created = create(client, world["A"])

    assert (listed.status_code, created.status_code) == (403, 403)
    assert ApiKey.objects.count() == 1


def test_anonymous_gets_401_on_api_keys(world: dict[str, Any]) -> None:
    assert APIClient().get("/api/v1/api-keys/").status_code == 401
    assert APIClient().post("/api/v1/api-keys/", {}).status_code == 401


def test_a_session_manager_can_use_api_keys(world: dict[str, Any]) -> None:
    person = make_person("web-manager")
    team_update(team_id=world["A"].pk, members=[(person.pk, Role.MANAGER)])
    client = Client()
    client.force_login(person)

    response = client.get("/api/v1/api-keys/")

    assert response.status_code == 200


# --- No plaintext anywhere -------------------------------------------------------------------


def test_no_plaintext_key_in_the_database_or_the_logs(
    world: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # given: keys made through the API (with an Idempotency-Key, which must not store it) and used
    response = create(world["manager_a"], world["A"], name="via api", expires_in="1d").json()
    replayed = (
        world["manager_a"]
        .post(
            "/api/v1/api-keys/",
            {"name": "again", "team": world["A"].pk, "role": "manager"},
            HTTP_IDEMPOTENCY_KEY="same",
        )
        .json()
    )
    keys = [response["key"], replayed["key"]]
    for key in keys:
        client = key_client(key)
        client.get("/api/v1/brands/")
        client.post("/api/v1/spends/", {"campaign": world["campaign_a"].pk, "amount": "1.00"})
        key_client(key[:-1] + ("A" if key[-1] != "A" else "B")).get("/api/v1/brands/")  # a wrong one
    world["manager_a"].delete(f"/api/v1/api-keys/{response['id']}/")

    # then: no table holds a key or its secret, and no log line mentions either
    for key in keys:
        secret = key.split(".")[1]
        assert rows_containing(secret) == []
        logged = [repr(record.__dict__) for record in caplog.records]
        assert not [line for line in logged if secret in line]
    assert caplog.records  # the requests were logged
    assert Token.objects.count() == 3  # user tokens are untouched
