"""Scope in the API beyond the matrix: whole bulks, filters, hidden state (counts, pages, 409s,
messages), roles, which team a new brand or schedule joins, shared schedules, the event feed,
webhook endpoints and the ping (issue 16, acceptance 3 to 5)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from access.models import TeamMember
from access.roles import Role
from access.tests.helpers import key_client, make_key, make_ops_staff, make_person, make_team
from api.groups import INTEGRATION, OPS, READ_ONLY
from api.tests.conftest import token_client
from brands.models import Brand
from campaigns.models import Campaign
from core.tests.factories import make_brand, make_campaign
from events.models import WebhookMessage
from events.selectors import endpoint_scope
from events.services import events_position, queue_for_endpoint, webhook_endpoint_create
from events.tests.helpers import paused, write
from scheduling.models import DaypartingSchedule
from spending.models import Spend
from spending.services import spend_record

from .world import MISSING, World, changed_tables, counts_of_team_a, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shared_world: World) -> World:
    """The module's shared world (``access/tests/conftest.py``)."""
    return shared_world


def body(response: Any) -> Any:
    return response.json()


# --- Acceptance 4: a bulk naming one out-of-scope campaign fails whole ------------------------


@pytest.mark.parametrize("caller", ["integration_key", "integration_token", "manager"])
def test_a_bulk_naming_one_campaign_of_another_team_fails_whole_as_for_a_missing_one(
    world: Any, caller: str
) -> None:
    client = world.callers[caller].client
    own = {"campaign": world.ca.pk, "amount": "1.00", "external_id": "bulk-1", "source": "s"}

    def bulk(campaign_id: int) -> Any:
        return client.post(
            "/api/v1/spends/bulk/",
            {"spends": [own, {"campaign": campaign_id, "amount": "2.00"}, own | {"external_id": "bulk-2"}]},
            format="json",
        )

    before = snapshot()
    foreign, missing = bulk(world.cb.pk), bulk(MISSING)

    assert changed_tables(before, snapshot()) == []
    assert foreign.status_code == missing.status_code == 400
    assert body(foreign) == {"spends": [{}, {"campaign": [f"Campaign {world.cb.pk} does not exist."]}, {}]}
    assert body(missing) == {"spends": [{}, {"campaign": [f"Campaign {MISSING} does not exist."]}, {}]}


def test_a_key_limited_to_a_brand_subset_records_spend_only_there(world: Any) -> None:
    other = make_campaign(brand=world.a_spare, name="Alpha other")
    created = make_key(world.team_a, Role.INTEGRATION, brands=[world.a], name="subset")
    client = key_client(created.key)

    inside = client.post("/api/v1/spends/", {"campaign": world.ca.pk, "amount": "1.00"}, format="json")
    outside = client.post("/api/v1/spends/", {"campaign": other.pk, "amount": "1.00"}, format="json")

    assert inside.status_code == 201
    assert (outside.status_code, body(outside)) == (
        400,
        {"campaign": [f"Campaign {other.pk} does not exist."]},
    )
    assert list(Spend.objects.filter(campaign=other)) == []


@pytest.mark.parametrize(
    ("path", "param", "attr"),
    [
        ("/api/v1/campaigns/", "brand", "b"),
        ("/api/v1/spends/", "brand", "b"),
        ("/api/v1/spends/", "campaign", "cb"),
        ("/api/v1/events/", "brand", "b"),
        ("/api/v1/events/", "campaign", "cb"),
        ("/api/v1/api-keys/", "team", "team_b"),
    ],
)
def test_filters_naming_another_teams_objects_return_nothing(
    world: Any, path: str, param: str, attr: str
) -> None:
    client = world.callers["manager"].client

    foreign = client.get(path, {param: str(getattr(world, attr).pk)})
    missing = client.get(path, {param: str(MISSING)})

    assert foreign.status_code == missing.status_code == 200
    assert body(foreign)["results"] == body(missing)["results"] == []
    if "count" in body(foreign):
        assert body(foreign)["count"] == body(missing)["count"] == 0


# --- Acceptance 5: hidden state -----------------------------------------------------------


@pytest.mark.parametrize("resource", ["brands", "campaigns", "spends", "schedules"])
def test_counts_and_pages_count_only_what_the_caller_may_see(world: Any, resource: str) -> None:
    client = world.callers["viewer"].client
    expected = counts_of_team_a(world)[resource]

    first = client.get(f"/api/v1/{resource}/", {"page_size": "1"})
    beyond = client.get(f"/api/v1/{resource}/", {"page_size": "1", "page": str(expected + 1)})

    assert body(first)["count"] == expected
    assert (body(first)["next"] is None) == (expected == 1)
    assert beyond.status_code == 404  # the page after the last one the caller may see


def test_the_event_feed_shows_only_the_callers_events_and_next_after_reveals_no_count(world: Any) -> None:
    feed = body(world.callers["viewer"].client.get("/api/v1/events/"))

    assert [event["id"] for event in feed["results"]] == [world.event_a]
    assert len(feed["results"]) == counts_of_team_a(world)["events"]


def test_an_external_id_another_team_used_is_neither_a_conflict_nor_a_replay(world: Any) -> None:
    client = world.callers["integration_key"].client
    taken = {"source": "beta-sync", "external_id": "beta-row-1"}  # team B's record (world)

    first = client.post(
        "/api/v1/spends/", {"campaign": world.ca.pk, "amount": "7.00", **taken}, format="json"
    )
    again = client.post(
        "/api/v1/spends/", {"campaign": world.ca.pk, "amount": "7.00", **taken}, format="json"
    )
    different = client.post(
        "/api/v1/spends/", {"campaign": world.ca.pk, "amount": "8.00", **taken}, format="json"
    )

    assert first.status_code == 201  # a new record of brand a, not team B's
    assert body(first)["brand"] == world.a.pk
    assert (again.status_code, body(again)["id"]) == (200, body(first)["id"])
    assert different.status_code == 409
    assert str(body(first)["id"]) in body(different)["detail"]  # names brand a's record only
    assert str(world.spend_b.pk) not in body(different)["detail"]
    assert Spend.objects.filter(brand=world.b).count() == 1


def test_the_idempotency_key_header_is_kept_per_caller(world: Any) -> None:
    beta = token_client(world.manager_b)
    theirs = beta.post(
        "/api/v1/spends/",
        {"campaign": world.cb.pk, "amount": "3.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="same",
    )

    mine = world.callers["integration_key"].client.post(
        "/api/v1/spends/",
        {"campaign": world.ca.pk, "amount": "3.00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="same",
    )

    assert (theirs.status_code, mine.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in mine.headers
    assert body(mine)["brand"] == world.a.pk


@pytest.mark.parametrize(
    ("path", "make", "message"),
    [
        ("/api/v1/spends/", lambda w, pk: {"campaign": pk, "amount": "1.00"}, "campaign"),
        ("/api/v1/campaigns/", lambda w, pk: {"brand": pk, "name": "x"}, "brand"),
        (
            "/api/v1/campaigns/",
            lambda w, pk: {"brand": w.a.pk, "name": "x", "dayparting_schedule": pk},
            "dayparting_schedule",
        ),
        (
            "/api/v1/webhook-endpoints/",
            lambda w, pk: {"url": "https://alpha.example.com/x", "brands": [pk]},
            "brands",
        ),
        ("/api/v1/brands/", lambda w, pk: {"name": "x", "team": pk}, "team"),
        (
            "/api/v1/schedules/",
            lambda w, pk: {
                "name": "x",
                "windows": [{"days_of_week": [0], "start_time": "09:00", "end_time": "10:00"}],
                "team": pk,
            },
            None,
        ),
    ],
)
def test_error_messages_say_of_another_teams_object_what_they_say_of_a_missing_one(
    world: Any, path: str, make: Any, message: str | None
) -> None:
    client = world.callers["manager"].client
    foreign_pk = {
        "campaign": world.cb.pk,
        "brand": world.b.pk,
        "dayparting_schedule": world.sb.pk,
        "brands": world.b.pk,
        "team": world.team_b.pk,
        None: world.team_b.pk,
    }[message]

    foreign = client.post(path, make(world, foreign_pk), format="json")
    missing = client.post(path, make(world, MISSING), format="json")

    assert foreign.status_code == missing.status_code == 400
    assert foreign.content.decode().replace(str(foreign_pk), str(MISSING)) == missing.content.decode()


# --- Roles within the scope ------------------------------------------------------------------


def test_a_viewer_with_change_permissions_still_only_reads_their_brands(world: Any) -> None:
    person = make_person("viewer-with-ops-permissions", group=OPS)
    TeamMember.objects.create(team=world.team_a, user=person, role=Role.VIEWER)
    client = token_client(person)

    assert client.get(f"/api/v1/brands/{world.a.pk}/").status_code == 200
    refused = client.patch(f"/api/v1/brands/{world.a.pk}/", {"daily_budget": "1.00"}, format="json")
    assert (refused.status_code, body(refused)["code"]) == (403, "permission_denied")
    assert client.post(f"/api/v1/campaigns/{world.ca.pk}/pause/").status_code == 403
    spend = client.post("/api/v1/spends/", {"campaign": world.ca.pk, "amount": "1.00"}, format="json")
    assert spend.status_code == 403
    assert (
        client.patch(f"/api/v1/brands/{world.b.pk}/", {"daily_budget": "1.00"}, format="json").status_code
        == 404
    )


def test_a_person_in_no_team_sees_nothing_and_ops_staff_see_everything(world: Any) -> None:
    loner = token_client(make_person("loner", group=OPS))
    ops = token_client(make_ops_staff())

    assert body(loner.get("/api/v1/brands/"))["count"] == 0
    assert loner.get(f"/api/v1/brands/{world.a.pk}/").status_code == 404
    assert body(ops.get("/api/v1/brands/"))["count"] == Brand.objects.count()
    assert (
        ops.patch(f"/api/v1/brands/{world.b.pk}/", {"daily_budget": "1.00"}, format="json").status_code == 200
    )


# --- A new brand or schedule joins a team ------------------------------------------------------


def test_a_managers_new_brand_joins_their_team_and_is_theirs_alone(world: Any) -> None:
    created = world.callers["manager"].client.post("/api/v1/brands/", {"name": "Alpha two"}, format="json")

    assert created.status_code == 201
    brand = Brand.objects.get(pk=body(created)["id"])
    assert list(brand.teams.all()) == [world.team_a]
    assert token_client(world.manager_b).get(f"/api/v1/brands/{brand.pk}/").status_code == 404


def test_a_manager_of_two_teams_says_which_one(world: Any) -> None:
    manager = world.callers["manager"].user
    other = make_team("Gamma team", members=[(manager, Role.MANAGER)])
    client = world.callers["manager"].client

    unsaid = client.post("/api/v1/brands/", {"name": "Which"}, format="json")
    said = client.post("/api/v1/brands/", {"name": "Gamma brand", "team": other.pk}, format="json")

    assert (unsaid.status_code, list(body(unsaid))) == (400, ["team"])
    assert said.status_code == 201
    assert list(Brand.objects.get(pk=body(said)["id"]).teams.all()) == [other]


def test_a_viewer_may_not_create_brands_and_a_key_limited_to_brands_neither(world: Any) -> None:
    person = make_person("viewer-only", group=OPS)
    TeamMember.objects.create(team=world.team_a, user=person, role=Role.VIEWER)
    limited = make_key(world.team_a, Role.MANAGER, brands=[world.a], name="limited manager")

    by_viewer = token_client(person).post("/api/v1/brands/", {"name": "No"}, format="json")
    by_key = key_client(limited.key).post("/api/v1/brands/", {"name": "No"}, format="json")

    assert (by_viewer.status_code, by_key.status_code) == (403, 403)
    assert not Brand.objects.filter(name="No").exists()


def test_ops_staff_create_a_brand_of_no_team_that_only_ops_see(world: Any) -> None:
    ops = token_client(make_ops_staff())

    created = body(ops.post("/api/v1/brands/", {"name": "Unassigned"}, format="json"))

    assert Brand.objects.get(pk=created["id"]).teams.count() == 0
    assert world.callers["manager"].client.get(f"/api/v1/brands/{created['id']}/").status_code == 404


def test_shared_schedules_are_read_by_every_team_and_changed_by_ops_only(world: Any) -> None:
    manager = world.callers["manager"].client
    path = f"/api/v1/schedules/{world.shared.pk}/"

    assert manager.get(path).status_code == 200
    refused = manager.patch(path, {"name": "Mine now"}, format="json")
    assert (refused.status_code, body(refused)["detail"]) == (
        403,
        "Only ops change a shared schedule; your team's own schedules are yours to change.",
    )
    assert token_client(make_ops_staff()).patch(path, {"name": "Renamed"}, format="json").status_code == 200


def test_a_managers_schedule_is_their_teams_and_campaigns_of_their_brands_use_it(world: Any) -> None:
    manager = world.callers["manager"].client
    created = manager.post(
        "/api/v1/schedules/",
        {
            "name": "Alpha nights",
            "windows": [{"days_of_week": [0], "start_time": "22:00", "end_time": "02:00"}],
        },
        format="json",
    )

    assert (created.status_code, body(created)["team"]) == (201, world.team_a.pk)
    assert token_client(world.manager_b).get(f"/api/v1/schedules/{body(created)['id']}/").status_code == 404
    used = manager.patch(
        f"/api/v1/campaigns/{world.ca.pk}/", {"dayparting_schedule": body(created)["id"]}, format="json"
    )
    assert used.status_code == 200
    shared = manager.patch(
        f"/api/v1/campaigns/{world.ca.pk}/", {"dayparting_schedule": world.shared.pk}, format="json"
    )
    assert shared.status_code == 200


def test_a_campaign_may_not_use_a_schedule_of_a_team_that_does_not_hold_its_brand(world: Any) -> None:
    manager = world.callers["manager"].user
    gamma_brand = make_brand(name="Gamma brand")
    make_team("Gamma team", [gamma_brand], members=[(manager, Role.MANAGER)])
    gamma_campaign = make_campaign(brand=gamma_brand, name="Gamma launch")

    response = world.callers["manager"].client.patch(
        f"/api/v1/campaigns/{gamma_campaign.pk}/", {"dayparting_schedule": world.sa.pk}, format="json"
    )

    assert response.status_code == 400
    assert body(response) == {
        "dayparting_schedule": [
            "Schedule 'Alpha hours' belongs to team 'Alpha team', which does not hold this campaign's "
            "brand: use a shared schedule or one of a team that holds the brand."
        ]
    }
    assert Campaign.objects.get(pk=gamma_campaign.pk).dayparting_schedule_id is None


def test_a_schedules_team_is_fixed_at_creation(world: Any) -> None:
    response = world.callers["manager"].client.patch(
        f"/api/v1/schedules/{world.sa.pk}/", {"team": world.team_b.pk}, format="json"
    )

    assert (response.status_code, list(body(response))) == (400, ["team"])
    assert DaypartingSchedule.objects.get(pk=world.sa.pk).team_id == world.team_a.pk


# --- Events and webhook endpoints -------------------------------------------------------------


def test_events_of_no_brand_are_for_ops_only(world: Any) -> None:
    write([paused(campaign_id=None, brand_id=None)])
    position = events_position()

    assert world.callers["manager"].client.get(f"/api/v1/events/{position}/").status_code == 404
    assert token_client(make_ops_staff()).get(f"/api/v1/events/{position}/").status_code == 200


def test_an_endpoint_for_every_brand_covers_every_brand_its_owner_may_see(world: Any) -> None:
    endpoint = world.callers["manager"].endpoint
    scope = endpoint_scope(endpoint)
    narrowed = webhook_endpoint_create(
        url="https://alpha.example.com/narrow", brand_ids=[world.a.pk, world.b.pk], owner_id=endpoint.owner_id
    )

    assert scope.brand_ids == frozenset({world.a.pk, world.a_spare.pk})
    assert not scope.covers_brand(None)
    assert endpoint_scope(narrowed).brand_ids == frozenset({world.a.pk})  # B's brand dropped


def test_an_endpoint_receives_only_its_owners_brands_events(world: Any) -> None:
    endpoint = world.callers["integration_key"].endpoint
    queued, _ = queue_for_endpoint(endpoint, after=0, through=events_position())

    events = set(WebhookMessage.objects.filter(endpoint=endpoint).values_list("event__brand_id", flat=True))
    assert (queued, events) == (1, {world.a.pk})


def test_a_revoked_keys_endpoint_covers_nothing(world: Any) -> None:
    from access.services import api_key_revoke
    from core.actors import Actor

    caller = world.callers["integration_key"]
    api_key_revoke(api_key_id=caller.key.pk, actor=Actor.system("test"))

    assert endpoint_scope(caller.endpoint).brand_ids == frozenset()


def test_another_owners_endpoint_is_absent(world: Any) -> None:
    client = world.callers["manager"].client
    path = f"/api/v1/webhook-endpoints/{world.endpoint_b.pk}/"

    assert client.get(path).status_code == 404
    assert client.post(f"{path}rotate-secret/").status_code == 404
    assert [item["id"] for item in body(client.get("/api/v1/webhook-endpoints/"))["results"]] == [
        world.callers["manager"].endpoint.pk
    ]


# --- The ping and strict parameters ----------------------------------------------------------


def test_the_ping_says_an_api_key_authenticated(world: Any) -> None:
    caller = world.callers["integration_key"]

    assert body(caller.client.get("/api/v1/ping/")) == {
        "user": caller.user.username,
        "authentication": "api_key",
        "api_key": "alpha integration_key",
    }


@pytest.mark.parametrize("value", ["maybe", "1", "", "TRUE"])
def test_api_keys_revoked_filter_is_strict(world: Any, value: str) -> None:
    response = world.callers["manager"].client.get("/api/v1/api-keys/", {"revoked": value})

    assert (response.status_code, list(body(response))) == (400, ["revoked"])


def test_users_of_each_api_group_are_scoped_alike() -> None:
    """The groups decide what kind of object; the team decides which brands."""
    brand = make_brand(name="Delta")
    team = make_team("Delta team", [brand])
    clients: dict[str, APIClient] = {}
    for group, role in ((READ_ONLY, Role.VIEWER), (INTEGRATION, Role.INTEGRATION), (OPS, Role.MANAGER)):
        person = make_person(f"delta-{group}", group=group)
        TeamMember.objects.create(team=team, user=person, role=role)
        clients[group] = token_client(person)
    make_brand(name="Elsewhere")
    spend_record(campaign_id=make_campaign(brand=brand).pk, amount="1.00")

    for client in clients.values():
        assert [item["name"] for item in body(client.get("/api/v1/brands/"))["results"]] == ["Delta"]


# --- Item 4: every write names its actor ----------------------------------------------------


def test_writes_through_the_api_record_their_actor(world: Any) -> None:
    from events.selectors import event_log

    by_key = world.callers["manager_key"].client.post(
        "/api/v1/brands/", {"name": "Alpha by key"}, format="json"
    )
    by_session = world.callers["manager"].client.post(
        "/api/v1/schedules/",
        {
            "name": "Alpha by session",
            "windows": [{"days_of_week": [1], "start_time": "09:00", "end_time": "10:00"}],
        },
        format="json",
    )
    by_token = world.callers["integration_token"].client.post(
        "/api/v1/spends/", {"campaign": world.ca.pk, "amount": "45.00"}, format="json"
    )

    assert (by_key.status_code, by_session.status_code, by_token.status_code) == (201, 201, 201)
    created = event_log(types=["brand.created"], brand_id=by_key.json()["id"]).get()
    assert (created.actor_kind, created.actor_name, created.actor_api_key_id) == (
        "api_key",
        "alpha manager_key",
        world.callers["manager_key"].key.pk,
    )
    joined = event_log(types=["team.updated"]).order_by("-seq").first()
    assert joined is not None
    assert (joined.actor_kind, joined.actor_name) == ("api_key", "alpha manager_key")
    schedule = event_log(types=["schedule.created"]).order_by("-seq").first()
    assert schedule is not None
    assert (schedule.actor_kind, schedule.actor_name) == ("user", "alpha-manager")
    paused = event_log(types=["campaign.paused"], campaign_id=world.ca.pk).order_by("-seq").first()
    assert paused is not None
    assert paused.data["recorded_by"] == {"kind": "token", "name": "alpha-integration_token"}
