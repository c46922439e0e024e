"""The API's authorization matrix, generated from the OpenAPI schema (issue 16, acceptance 1).

For every route and method the schema documents, and for each caller of team A (a viewer by
token, a manager by session, an integration person by token, an integration key and a
manager key):

* every request naming team B's objects (in the path, the body or a filter) answers exactly
  as the same request naming an id that does not exist, 404 for an object in the path, and
  changes nothing in the database (every row of every table compared);
* the request on team A's own objects answers the status the caller's role allows (2xx, or
  403 for what the role may read but not change);
* no answer to a caller of team A shows a name, URL or id of team B.

A route in the schema without an entry here fails ``test_every_route_of_the_schema_has_an_entry``
(and its own matrix cases), so a new endpoint cannot ship unscoped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.response import Response

from .world import B_IDS, BETA, BETA_URL, MISSING, Caller, World, changed_tables, snapshot

pytestmark = pytest.mark.django_db

CALLERS = ("viewer", "manager", "integration_token", "integration_key", "manager_key")
METHODS = ("get", "post", "put", "patch", "delete")


def schema_routes() -> list[tuple[str, str]]:
    schema: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
    return sorted(
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith("/api/v1/")
        for method in operations
        if method in METHODS
    )


@dataclass(frozen=True)
class Ids:
    """The ids a request names: team B's, or ids that do not exist (the twin request)."""

    team: int
    brand: int
    campaign: int
    schedule: int
    spend: int
    event: int
    endpoint: int
    key: int


def b_ids(world: World) -> Ids:
    return Ids(
        team=world.team_b.pk,
        brand=world.b.pk,
        campaign=world.cb.pk,
        schedule=world.sb.pk,
        spend=world.spend_b.pk,
        event=world.event_b,
        endpoint=world.endpoint_b.pk,
        key=world.key_b.pk,
    )


NONE = Ids(*(MISSING,) * 8)


@dataclass(frozen=True)
class Call:
    path: str
    body: Any = None
    query: dict[str, str] | None = None


Own = Callable[[World, Caller], Call]
Foreign = Callable[[World, Caller, Ids], list[Call]]
Expect = Callable[[Caller], int]


@dataclass(frozen=True)
class Entry:
    own: Own
    expect: Expect
    foreign: Foreign


# --- Who may do what on their own objects ------------------------------------------------


def everyone(status: int) -> Expect:
    return lambda caller: status


def changers(status: int) -> Expect:
    """Managers (person or key) change brands, campaigns, schedules, budgets and endpoints."""
    return lambda caller: status if caller.name in ("manager", "manager_key") else 403


def recorders(status: int) -> Expect:
    """Managers and integrations record spend; a viewer does not."""
    return lambda caller: 403 if caller.name == "viewer" else status


def people(status: int) -> Expect:
    """``api-keys/`` lists for people only: keys do not see keys."""
    return lambda caller: 403 if caller.is_key else status


def key_managers(status: int) -> Expect:
    """Creating keys: a team's manager, never a key."""
    return lambda caller: status if caller.name == "manager" else 403


def key_revokers(status: int) -> Expect:
    """Revoking a key: its team's manager. The keys of a team are shown to its managers
    only, so to anyone else of the team a key is absent (404); a key is refused (403)."""
    return lambda caller: status if caller.name == "manager" else 403 if caller.is_key else 404


# --- The requests -------------------------------------------------------------------------

WINDOWS = [{"days_of_week": [0], "start_time": "09:00", "end_time": "10:00"}]


def nothing(world: World, caller: Caller, ids: Ids) -> list[Call]:
    return []


def at(path: str, body: Any = None) -> Own:
    """The same request for every caller, ``path`` formatted with the world's team A objects."""
    return lambda world, caller: Call(path.format(w=world, c=caller), body)


def named(path: str, body: Any = None) -> Foreign:
    """The request with team B's object (or a missing one) in the path."""
    return lambda world, caller, ids: [Call(path.format(ids=ids, w=world, c=caller), body)]


def filters(path: str, **names: str) -> Foreign:
    """A list filtered by each of team B's ids in turn (``brand="brand"``: ``?brand=<ids.brand>``)."""
    return lambda world, caller, ids: [
        Call(path, query={param: str(getattr(ids, attr))}) for param, attr in names.items()
    ]


def bodies(path: str, *make: Callable[[World, Ids], Any]) -> Foreign:
    return lambda world, caller, ids: [
        Call(path.format(w=world, c=caller), body(world, ids)) for body in make
    ]


CAMPAIGN_PUT = {"name": "Alpha renamed", "status": "active"}

MATRIX: dict[tuple[str, str], Entry] = {
    ("GET", "/api/v1/"): Entry(at("/api/v1/"), everyone(200), nothing),
    ("GET", "/api/v1/health/"): Entry(at("/api/v1/health/"), everyone(200), nothing),
    ("GET", "/api/v1/ping/"): Entry(at("/api/v1/ping/"), everyone(200), nothing),
    # brands
    ("GET", "/api/v1/brands/"): Entry(at("/api/v1/brands/"), everyone(200), nothing),
    ("POST", "/api/v1/brands/"): Entry(
        at("/api/v1/brands/", {"name": "Alpha new"}),
        changers(201),
        bodies("/api/v1/brands/", lambda w, ids: {"name": "Alpha new", "team": ids.team}),
    ),
    ("GET", "/api/v1/brands/{id}/"): Entry(
        at("/api/v1/brands/{w.a.pk}/"), everyone(200), named("/api/v1/brands/{ids.brand}/")
    ),
    ("PUT", "/api/v1/brands/{id}/"): Entry(
        at("/api/v1/brands/{w.a.pk}/", {"name": "Alpha renamed"}),
        changers(200),
        named("/api/v1/brands/{ids.brand}/", {"name": "Alpha renamed"}),
    ),
    ("PATCH", "/api/v1/brands/{id}/"): Entry(
        at("/api/v1/brands/{w.a.pk}/", {"daily_budget": "900.00"}),
        changers(200),
        named("/api/v1/brands/{ids.brand}/", {"daily_budget": "900.00"}),
    ),
    ("DELETE", "/api/v1/brands/{id}/"): Entry(
        at("/api/v1/brands/{w.a_spare.pk}/"), changers(204), named("/api/v1/brands/{ids.brand}/")
    ),
    ("GET", "/api/v1/brands/{id}/budget/"): Entry(
        at("/api/v1/brands/{w.a.pk}/budget/"), everyone(200), named("/api/v1/brands/{ids.brand}/budget/")
    ),
    # campaigns
    ("GET", "/api/v1/campaigns/"): Entry(
        at("/api/v1/campaigns/"), everyone(200), filters("/api/v1/campaigns/", brand="brand")
    ),
    ("POST", "/api/v1/campaigns/"): Entry(
        at(
            "/api/v1/campaigns/",
            {"brand": "{w.a.pk}", "name": "Alpha new", "dayparting_schedule": "{w.sa.pk}"},
        ),
        changers(201),
        bodies(
            "/api/v1/campaigns/",
            lambda w, ids: {"brand": ids.brand, "name": "Alpha new"},
            lambda w, ids: {"brand": w.a.pk, "name": "Alpha new", "dayparting_schedule": ids.schedule},
        ),
    ),
    ("GET", "/api/v1/campaigns/{id}/"): Entry(
        at("/api/v1/campaigns/{w.ca.pk}/"), everyone(200), named("/api/v1/campaigns/{ids.campaign}/")
    ),
    ("PUT", "/api/v1/campaigns/{id}/"): Entry(
        at("/api/v1/campaigns/{w.ca.pk}/", CAMPAIGN_PUT),
        changers(200),
        lambda w, c, ids: [
            Call(f"/api/v1/campaigns/{ids.campaign}/", CAMPAIGN_PUT),
            Call(f"/api/v1/campaigns/{w.ca.pk}/", {**CAMPAIGN_PUT, "dayparting_schedule": ids.schedule}),
        ],
    ),
    ("PATCH", "/api/v1/campaigns/{id}/"): Entry(
        at("/api/v1/campaigns/{w.ca.pk}/", {"daily_budget": "40.00"}),
        changers(200),
        lambda w, c, ids: [
            Call(f"/api/v1/campaigns/{ids.campaign}/", {"daily_budget": "40.00"}),
            Call(f"/api/v1/campaigns/{w.ca.pk}/", {"dayparting_schedule": ids.schedule}),
        ],
    ),
    ("DELETE", "/api/v1/campaigns/{id}/"): Entry(
        at("/api/v1/campaigns/{w.ca_spare.pk}/"), changers(204), named("/api/v1/campaigns/{ids.campaign}/")
    ),
    ("POST", "/api/v1/campaigns/{id}/activate/"): Entry(
        at("/api/v1/campaigns/{w.ca_spare.pk}/activate/"),
        changers(200),
        named("/api/v1/campaigns/{ids.campaign}/activate/"),
    ),
    ("POST", "/api/v1/campaigns/{id}/pause/"): Entry(
        at("/api/v1/campaigns/{w.ca.pk}/pause/"),
        changers(200),
        named("/api/v1/campaigns/{ids.campaign}/pause/"),
    ),
    ("GET", "/api/v1/campaigns/{id}/events/"): Entry(
        at("/api/v1/campaigns/{w.ca.pk}/events/"),
        everyone(200),
        named("/api/v1/campaigns/{ids.campaign}/events/"),
    ),
    # schedules
    ("GET", "/api/v1/schedules/"): Entry(at("/api/v1/schedules/"), everyone(200), nothing),
    ("POST", "/api/v1/schedules/"): Entry(
        at("/api/v1/schedules/", {"name": "Alpha new hours", "windows": WINDOWS}),
        changers(201),
        bodies("/api/v1/schedules/", lambda w, ids: {"name": "x", "windows": WINDOWS, "team": ids.team}),
    ),
    ("GET", "/api/v1/schedules/{id}/"): Entry(
        at("/api/v1/schedules/{w.sa.pk}/"), everyone(200), named("/api/v1/schedules/{ids.schedule}/")
    ),
    ("PUT", "/api/v1/schedules/{id}/"): Entry(
        at("/api/v1/schedules/{w.sa.pk}/", {"name": "Alpha hours", "windows": WINDOWS}),
        changers(200),
        named("/api/v1/schedules/{ids.schedule}/", {"name": "x", "windows": WINDOWS}),
    ),
    ("PATCH", "/api/v1/schedules/{id}/"): Entry(
        at("/api/v1/schedules/{w.sa.pk}/", {"name": "Alpha renamed hours"}),
        changers(200),
        named("/api/v1/schedules/{ids.schedule}/", {"name": "x"}),
    ),
    ("DELETE", "/api/v1/schedules/{id}/"): Entry(
        at("/api/v1/schedules/{w.sa_spare.pk}/"), changers(204), named("/api/v1/schedules/{ids.schedule}/")
    ),
    # spends
    ("GET", "/api/v1/spends/"): Entry(
        at("/api/v1/spends/"), everyone(200), filters("/api/v1/spends/", brand="brand", campaign="campaign")
    ),
    ("POST", "/api/v1/spends/"): Entry(
        at("/api/v1/spends/", {"campaign": "{w.ca.pk}", "amount": "1.00"}),
        recorders(201),
        bodies("/api/v1/spends/", lambda w, ids: {"campaign": ids.campaign, "amount": "1.00"}),
    ),
    ("GET", "/api/v1/spends/{id}/"): Entry(
        at("/api/v1/spends/{w.spend_a.pk}/"), everyone(200), named("/api/v1/spends/{ids.spend}/")
    ),
    ("POST", "/api/v1/spends/bulk/"): Entry(
        at("/api/v1/spends/bulk/", {"spends": [{"campaign": "{w.ca.pk}", "amount": "1.00"}]}),
        recorders(201),
        bodies(
            "/api/v1/spends/bulk/",
            lambda w, ids: {
                "spends": [
                    {"campaign": w.ca.pk, "amount": "1.00"},
                    {"campaign": ids.campaign, "amount": "1.00"},
                ]
            },
        ),
    ),
    # events
    ("GET", "/api/v1/events/"): Entry(
        at("/api/v1/events/"), everyone(200), filters("/api/v1/events/", brand="brand", campaign="campaign")
    ),
    ("GET", "/api/v1/events/{id}/"): Entry(
        at("/api/v1/events/{w.event_a}/"), everyone(200), named("/api/v1/events/{ids.event}/")
    ),
    # webhook endpoints: each caller's own endpoint
    ("GET", "/api/v1/webhook-endpoints/"): Entry(at("/api/v1/webhook-endpoints/"), everyone(200), nothing),
    ("POST", "/api/v1/webhook-endpoints/"): Entry(
        at("/api/v1/webhook-endpoints/", {"url": "https://alpha.example.com/new"}),
        changers(201),
        bodies(
            "/api/v1/webhook-endpoints/",
            lambda w, ids: {"url": "https://alpha.example.com/new", "brands": [ids.brand]},
        ),
    ),
    ("GET", "/api/v1/webhook-endpoints/{id}/"): Entry(
        at("/api/v1/webhook-endpoints/{c.endpoint.pk}/"),
        everyone(200),
        named("/api/v1/webhook-endpoints/{ids.endpoint}/"),
    ),
    ("PATCH", "/api/v1/webhook-endpoints/{id}/"): Entry(
        at("/api/v1/webhook-endpoints/{c.endpoint.pk}/", {"description": "changed"}),
        changers(200),
        lambda w, c, ids: [
            Call(f"/api/v1/webhook-endpoints/{ids.endpoint}/", {"description": "changed"}),
            Call(f"/api/v1/webhook-endpoints/{c.endpoint.pk}/", {"brands": [ids.brand]}),  # type: ignore[union-attr]
        ],
    ),
    ("DELETE", "/api/v1/webhook-endpoints/{id}/"): Entry(
        at("/api/v1/webhook-endpoints/{c.endpoint.pk}/"),
        changers(204),
        named("/api/v1/webhook-endpoints/{ids.endpoint}/"),
    ),
    ("GET", "/api/v1/webhook-endpoints/{id}/deliveries/"): Entry(
        at("/api/v1/webhook-endpoints/{c.endpoint.pk}/deliveries/"),
        everyone(200),
        named("/api/v1/webhook-endpoints/{ids.endpoint}/deliveries/"),
    ),
    ("POST", "/api/v1/webhook-endpoints/{id}/replay/"): Entry(
        at("/api/v1/webhook-endpoints/{c.endpoint.pk}/replay/", {"after": 0}),
        changers(202),
        named("/api/v1/webhook-endpoints/{ids.endpoint}/replay/", {"after": 0}),
    ),
    ("POST", "/api/v1/webhook-endpoints/{id}/rotate-secret/"): Entry(
        at("/api/v1/webhook-endpoints/{c.endpoint.pk}/rotate-secret/"),
        changers(200),
        named("/api/v1/webhook-endpoints/{ids.endpoint}/rotate-secret/"),
    ),
    ("POST", "/api/v1/webhook-endpoints/{id}/test/"): Entry(
        at("/api/v1/webhook-endpoints/{c.endpoint.pk}/test/"),
        changers(202),
        named("/api/v1/webhook-endpoints/{ids.endpoint}/test/"),
    ),
    # API keys
    ("GET", "/api/v1/api-keys/"): Entry(
        at("/api/v1/api-keys/"), people(200), filters("/api/v1/api-keys/", team="team")
    ),
    ("POST", "/api/v1/api-keys/"): Entry(
        at("/api/v1/api-keys/", {"name": "new", "team": "{w.team_a.pk}", "role": "viewer"}),
        key_managers(201),
        bodies(
            "/api/v1/api-keys/",
            lambda w, ids: {"name": "new", "team": ids.team, "role": "viewer"},
            lambda w, ids: {"name": "new", "team": w.team_a.pk, "role": "viewer", "brands": [ids.brand]},
        ),
    ),
    ("DELETE", "/api/v1/api-keys/{id}/"): Entry(
        at("/api/v1/api-keys/{w.key_a_spare.pk}/"), key_revokers(204), named("/api/v1/api-keys/{ids.key}/")
    ),
}


def _numbers(body: Any, world: World, caller: Caller) -> Any:
    """Fill ``"{w.x.pk}"`` placeholders of a body with ids (the JSON wants numbers)."""
    if isinstance(body, dict):
        return {key: _numbers(value, world, caller) for key, value in body.items()}
    if isinstance(body, list):
        return [_numbers(item, world, caller) for item in body]
    if isinstance(body, str) and body.startswith("{") and body.endswith("}"):
        return int(body.format(w=world, c=caller))
    return body


def send(caller: Caller, method: str, call: Call) -> Response:
    client = caller.client
    if method == "GET":
        return client.get(call.path, call.query or {})
    response: Response = getattr(client, method.lower())(call.path, call.body, format="json")
    return response


def answer(response: Response, swap: dict[str, str] | None = None) -> tuple[int, Any]:
    """Status and JSON body; with ``swap``, team B's ids written as the missing id."""
    text = response.content.decode()
    for real, missing in (swap or {}).items():
        text = re.sub(rf"(?<!\d){real}(?!\d)", missing, text)
    return response.status_code, json.loads(text) if text else None


def assert_shows_nothing_of_team_b(response: Response, *, ids_too: bool) -> None:
    text = response.content.decode()
    for marker in (BETA, BETA_URL, "beta-"):
        assert marker not in text, text
    if ids_too:
        assert not any(re.search(rf"(?<!\d){pk}(?!\d)", text) for pk in B_IDS.values()), text


ROUTES = schema_routes()


def test_every_route_of_the_schema_has_an_entry() -> None:
    assert sorted(set(ROUTES) - set(MATRIX)) == []
    assert sorted(set(MATRIX) - set(ROUTES)) == []  # no stale entry either


def test_the_matrix_is_the_size_it_says() -> None:
    assert (len(ROUTES), len(CALLERS)) == (43, 5)


@pytest.mark.parametrize("caller_name", CALLERS)
@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_the_matrix(method: str, route: str, caller_name: str, shared_world: World) -> None:
    entry = MATRIX.get((method, route))
    assert entry is not None, f"{method} {route} has no entry in the authorization matrix"
    world = shared_world
    caller = world.callers[caller_name]
    swap = {str(real): str(MISSING) for real in B_IDS.values()}

    # Team B's objects: as absent as an id that does not exist, and nothing changes.
    for real, twin in zip(
        entry.foreign(world, caller, b_ids(world)), entry.foreign(world, caller, NONE), strict=True
    ):
        before = snapshot()
        response = send(caller, method, real)
        assert changed_tables(before, snapshot()) == [], f"{method} {real} changed the database"
        missing = send(caller, method, twin)
        assert changed_tables(before, snapshot()) == []
        assert answer(response, swap) == answer(missing), f"{method} {real} differs from a missing id"
        if real.path != twin.path:  # an object of team B in the path
            assert response.status_code == (403 if caller.is_key and "api-keys" in route else 404)
        assert_shows_nothing_of_team_b(response, ids_too=False)

    # Team A's own objects: what the role allows.
    own = entry.own(world, caller)
    response = send(caller, method, Call(own.path, _numbers(own.body, world, caller), own.query))
    assert response.status_code == entry.expect(caller), response.content
    assert_shows_nothing_of_team_b(response, ids_too=True)
