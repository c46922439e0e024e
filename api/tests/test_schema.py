"""The OpenAPI schema is valid, and the API keeps to it (schemathesis, in-process WSGI).

schemathesis generates requests for every operation of ``/api/schema/`` (valid and invalid
data) and sends them, authenticated as an ops user, to the WSGI application inside the
test transaction (PostgreSQL in CI). Each response must not be a 5xx, must have a status
code the schema documents for the operation, and must match the documented body schema.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from access.roles import Role
from access.services import api_key_create, team_create
from api.groups import OPS
from budget_system.wsgi import application
from core.actors import Actor
from core.tests.factories import make_campaign, make_schedule
from events.services import events_position, webhook_endpoint_create
from events.tests.helpers import paused, write
from spending.services import spend_record

from .conftest import make_user, token_client

MAX_EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


def test_spectacular_validates_without_warnings() -> None:
    out = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null", stdout=out, stderr=out)

    assert "warning" not in out.getvalue().lower()


def test_schema_and_viewers_are_served(client: Any) -> None:
    schema = client.get("/api/schema/?format=json")
    swagger = client.get("/api/docs/")
    redoc = client.get("/api/redoc/")

    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/spends/bulk/" in paths
    assert "put" not in paths["/api/v1/spends/{id}/"]
    assert (swagger.status_code, redoc.status_code) == (200, 200)


@pytest.fixture
def in_process(db: None) -> Iterator[None]:
    """Call the WSGI application inside the test transaction, as Django's test client does:
    without closing the database connection at the start and end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def load_schema() -> Any:
    """The schema as the application serves it (no database needed to generate it)."""
    loaded = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    loaded.config.generation.update(
        max_examples=MAX_EXAMPLES, with_security_parameters=False, deterministic=True
    )
    return loaded


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """An ops token and some rows, so that generated ids sometimes hit real objects."""
    user = make_user("schemathesis", OPS)
    client = token_client(user)
    campaign = make_campaign()
    schedule = make_schedule(([0, 1, 2, 3, 4], "09:00", "17:00"))
    spend = spend_record(campaign_id=campaign.pk, amount="1.00").spend
    # The user manages a team, so that api-keys/ answers with real keys too.
    team = team_create(name="Schema team", brand_ids=[campaign.brand_id], members=[(user.pk, Role.MANAGER)])
    key = api_key_create(team_id=team.pk, role=Role.INTEGRATION, name="schema", actor=Actor.system("test"))
    endpoint = webhook_endpoint_create(url="https://hooks.example.com/budget", owner_id=user.pk)
    write([paused(campaign_id=campaign.pk, brand_id=campaign.brand_id)])
    ids = {
        "brands": campaign.brand_id,
        "campaigns": campaign.pk,
        "schedules": schedule.pk,
        "spends": spend.pk,
        "api-keys": key.api_key.pk,
        "webhook-endpoints": endpoint.pk,
        "events": events_position(),
    }
    header = client._credentials["HTTP_AUTHORIZATION"]  # type: ignore[attr-defined]
    return {"headers": {"Authorization": header}, "ids": ids}


# Loaded at collection (schemathesis' lazy ``from_fixture`` does not support pytest 9 yet).
schema = load_schema()


@schema.parametrize()  # type: ignore[untyped-decorator]
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_every_operation_keeps_to_the_schema(case: Any, world: dict[str, Any], in_process: None) -> None:
    path_parameters = case.path_parameters or {}
    if "id" in path_parameters and random.Random(str(path_parameters["id"])).random() < 0.5:
        resource = case.path.split("/")[3]
        path_parameters["id"] = world["ids"][resource]
    case.call_and_validate(headers=world["headers"], checks=CHECKS)
