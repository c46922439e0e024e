"""The OpenAPI schema is valid, and the live API keeps to it (schemathesis over HTTP).

schemathesis generates requests for every operation of ``/api/schema/`` (valid and invalid
data) and sends them, authenticated as an ops user, to gunicorn started with the production
settings against the test database. Every check schemathesis has runs but
``positive_data_acceptance`` (it cannot know that an id in a body must name an existing
row): no 5xx, only documented statuses, content types and headers, bodies matching their
schemas, invalid requests refused, methods the schema does not list refused, and the rest.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
import requests
import schemathesis
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, positive_data_acceptance

from access.roles import Role
from access.services import api_key_create, team_create
from api.groups import OPS
from core.actors import Actor
from core.tests.factories import make_campaign, make_schedule
from core.tests.servers import database_url, free_port, gunicorn_command, production_env, serving
from events.services import events_position, webhook_endpoint_create
from events.tests.helpers import paused, write
from spending.services import spend_record

from .conftest import make_user, token_client

MAX_EXAMPLES = 12
CHECKS_RUN = [check for check in CHECKS.get_all() if check is not positive_data_acceptance]


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
    # Self-hosted viewers (drf-spectacular-sidecar): no CDN, nothing unpinned.
    for page in (swagger, redoc):
        html = page.content.decode()
        assert "cdn.jsdelivr.net" not in html
        assert "@latest" not in html
        assert "/static/drf_spectacular_sidecar/" in html


def test_every_checked_check_but_positive_data_acceptance_runs() -> None:
    names = {check.__name__ for check in CHECKS_RUN}

    assert "positive_data_acceptance" not in names
    assert {"negative_data_rejection", "content_type_conformance", "unsupported_method"} <= names


def _schema() -> Any:
    """The schema as the application serves it (no database needed to generate it)."""
    raw = SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-untyped-call]
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.config.generation.update(
        max_examples=MAX_EXAMPLES, with_security_parameters=False, deterministic=True
    )
    return loaded


@pytest.fixture(scope="module")
def live(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """gunicorn (2 workers, production settings) on the test database, some committed rows
    so that generated ids sometimes hit real objects, and an ops token. The rows (and what
    the requests wrote) are flushed afterwards, as a transactional test does."""
    with django_db_blocker.unblock():
        user = make_user("schemathesis", OPS)
        client = token_client(user)
        campaign = make_campaign()
        schedule = make_schedule(([0, 1, 2, 3, 4], "09:00", "17:00"))
        spend = spend_record(campaign_id=campaign.pk, amount="1.00").spend
        # The user manages a team, so that api-keys/ answers with real keys too.
        team = team_create(
            name="Schema team", brand_ids=[campaign.brand_id], members=[(user.pk, Role.MANAGER)]
        )
        key = api_key_create(
            team_id=team.pk, role=Role.INTEGRATION, name="schema", actor=Actor.system("test")
        )
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
        tmp = tmp_path_factory.mktemp("schemathesis")
        port = free_port()
        command, extra = gunicorn_command(port, workers=2)
        env = production_env(
            DATABASE_URL=database_url(),
            COUNTER_FILE=str(tmp / "counters.sqlite3"),
            API_THROTTLE_READ_RATE="1000000/minute",
            API_THROTTLE_WRITE_RATE="1000000/minute",
            **extra,
        )
        try:
            with serving(command, env, port, tmp / "gunicorn.log") as url:
                session = requests.Session()
                yield {"url": url, "headers": {"Authorization": header}, "ids": ids, "session": session}
        finally:
            call_command("flush", "--no-input", verbosity=0)


schema = _schema()  # loaded at collection: schemathesis' lazy loader does not support pytest 9 yet


@pytest.mark.postgres
@pytest.mark.slow
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
def test_every_operation_keeps_to_the_schema(case: Any, live: dict[str, Any]) -> None:
    path_parameters = case.path_parameters or {}
    if "id" in path_parameters and random.Random(str(path_parameters["id"])).random() < 0.5:
        resource = case.path.split("/")[3]
        path_parameters["id"] = live["ids"][resource]
    case.call_and_validate(
        base_url=live["url"], session=live["session"], headers=live["headers"], checks=CHECKS_RUN
    )
