"""Authentication, model permissions per group, throttling, and the token command."""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from access.services import api_key_create, team_create
from api.groups import GROUP_PERMISSIONS, INTEGRATION, OPS, READ_ONLY, sync_groups
from brands.models import Brand
from core.actors import Actor
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.services import events_position, webhook_endpoint_create
from events.tests.helpers import paused, write
from spending.models import Spend
from spending.services import spend_record

from .conftest import MakeClient, make_user

pytestmark = pytest.mark.django_db

# Every route and method of API.md (ids filled in by ``routes``).
ROUTES = [
    ("get", "/api/v1/brands/"),
    ("post", "/api/v1/brands/"),
    ("get", "/api/v1/brands/{brand}/"),
    ("put", "/api/v1/brands/{brand}/"),
    ("patch", "/api/v1/brands/{brand}/"),
    ("delete", "/api/v1/brands/{brand}/"),
    ("get", "/api/v1/brands/{brand}/budget/"),
    ("get", "/api/v1/campaigns/"),
    ("post", "/api/v1/campaigns/"),
    ("get", "/api/v1/campaigns/{campaign}/"),
    ("put", "/api/v1/campaigns/{campaign}/"),
    ("patch", "/api/v1/campaigns/{campaign}/"),
    ("delete", "/api/v1/campaigns/{campaign}/"),
    ("post", "/api/v1/campaigns/{campaign}/activate/"),
    ("post", "/api/v1/campaigns/{campaign}/pause/"),
    ("get", "/api/v1/campaigns/{campaign}/events/"),
    ("get", "/api/v1/schedules/"),
    ("post", "/api/v1/schedules/"),
    ("get", "/api/v1/schedules/{schedule}/"),
    ("put", "/api/v1/schedules/{schedule}/"),
    ("patch", "/api/v1/schedules/{schedule}/"),
    ("delete", "/api/v1/schedules/{schedule}/"),
    ("get", "/api/v1/spends/"),
    ("post", "/api/v1/spends/"),
    ("get", "/api/v1/spends/{spend}/"),
    ("post", "/api/v1/spends/bulk/"),
    ("get", "/api/v1/ping/"),
    ("get", "/api/v1/api-keys/"),
    ("post", "/api/v1/api-keys/"),
    ("delete", "/api/v1/api-keys/{api_key}/"),
    ("get", "/api/v1/events/"),
    ("get", "/api/v1/events/{event}/"),
    ("get", "/api/v1/webhook-endpoints/"),
    ("post", "/api/v1/webhook-endpoints/"),
    ("get", "/api/v1/webhook-endpoints/{endpoint}/"),
    ("patch", "/api/v1/webhook-endpoints/{endpoint}/"),
    ("delete", "/api/v1/webhook-endpoints/{endpoint}/"),
    ("get", "/api/v1/webhook-endpoints/{endpoint}/deliveries/"),
    ("post", "/api/v1/webhook-endpoints/{endpoint}/rotate-secret/"),
    ("post", "/api/v1/webhook-endpoints/{endpoint}/test/"),
    ("post", "/api/v1/webhook-endpoints/{endpoint}/replay/"),
    ("get", "/api/v1/"),
]
WRITES = [(method, path) for method, path in ROUTES if method != "get"]


def fill(path: str) -> str:
    """The route with ids of real rows (so a 404 cannot hide a 401 or 403)."""
    campaign = make_campaign(daily_budget=Decimal("100.00"))
    schedule = make_schedule(([0], "09:00", "10:00"))
    spend = spend_record(campaign_id=campaign.pk, amount="1.00").spend
    team = team_create(name=f"Team of {campaign.brand_id}", brand_ids=[campaign.brand_id])
    sync_groups()
    api_key = api_key_create(team_id=team.pk, role="viewer", name="k", actor=Actor.system("test")).api_key
    endpoint = webhook_endpoint_create(url="https://hooks.example.com/budget")
    write([paused(campaign_id=campaign.pk)])
    return path.format(
        brand=campaign.brand_id,
        campaign=campaign.pk,
        schedule=schedule.pk,
        spend=spend.pk,
        api_key=api_key.pk,
        endpoint=endpoint.pk,
        event=events_position(),
    )


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_gets_401_everywhere(anonymous: APIClient, method: str, path: str) -> None:
    response = getattr(anonymous, method)(fill(path), {})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("key", ["not-a-real-token", "0" * 40, "a\u0000b", "x" * 41])
def test_a_bad_token_gets_401(anonymous: APIClient, key: str) -> None:
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    response = anonymous.get("/api/v1/brands/")

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_health_needs_no_authentication(anonymous: APIClient) -> None:
    assert anonymous.get("/api/v1/health/").status_code == 200


def test_session_authentication_works(anonymous: APIClient) -> None:
    user = make_user("ops-session", OPS)
    anonymous.force_login(user)

    assert anonymous.get("/api/v1/brands/").status_code == 200


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[0] == "get"])
def test_read_only_can_read_everything(client_for: MakeClient, method: str, path: str) -> None:
    assert client_for(READ_ONLY).get(fill(path)).status_code == 200


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_read_only_cannot_write(client_for: MakeClient, method: str, path: str) -> None:
    reader = client_for(READ_ONLY)
    url = fill(path)
    counts = (Brand.objects.count(), Spend.objects.count())

    response = getattr(reader, method)(url, {"name": "x"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert (Brand.objects.count(), Spend.objects.count()) == counts


def test_a_user_without_a_group_cannot_even_read(client_for: MakeClient) -> None:
    assert client_for(None).get("/api/v1/brands/").status_code == 403


def test_integration_can_post_spend_single_and_bulk(client_for: MakeClient) -> None:
    integration = client_for(INTEGRATION)
    campaign = make_campaign()

    single = integration.post("/api/v1/spends/", {"campaign": campaign.pk, "amount": "1.00"})
    bulk = integration.post("/api/v1/spends/bulk/", {"spends": [{"campaign": campaign.pk, "amount": "2.00"}]})

    assert (single.status_code, bulk.status_code) == (201, 201)
    assert Spend.objects.count() == 2


@pytest.mark.parametrize(("method", "path"), [w for w in WRITES if "/spends/" not in w[1]])
def test_integration_cannot_change_budgets_or_anything_else(
    client_for: MakeClient, method: str, path: str
) -> None:
    integration = client_for(INTEGRATION)

    response = getattr(integration, method)(fill(path), {"daily_budget": "999.00"})

    assert response.status_code == 403


def test_integration_cannot_raise_a_budget(client_for: MakeClient) -> None:
    integration = client_for(INTEGRATION)
    brand = make_brand(daily_budget=Decimal("10.00"))
    campaign = make_campaign(brand=brand, daily_budget=Decimal("5.00"))

    on_brand = integration.patch(f"/api/v1/brands/{brand.pk}/", {"daily_budget": "999.00"})
    on_campaign = integration.patch(f"/api/v1/campaigns/{campaign.pk}/", {"daily_budget": "999.00"})

    assert (on_brand.status_code, on_campaign.status_code) == (403, 403)
    brand.refresh_from_db()
    campaign.refresh_from_db()
    assert (brand.daily_budget, campaign.daily_budget) == (Decimal("10.00"), Decimal("5.00"))


def test_ops_can_change_everything(ops: APIClient) -> None:
    brand = make_brand()

    assert ops.patch(f"/api/v1/brands/{brand.pk}/", {"daily_budget": "1.00"}).status_code == 200
    assert ops.post("/api/v1/campaigns/", {"brand": brand.pk, "name": "x"}).status_code == 201


def test_groups_exist_after_migrate_with_their_permissions() -> None:
    for name, perms in GROUP_PERMISSIONS.items():
        group = Group.objects.get(name=name)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert set(perms) <= granted
    assert "spending.add_spend" not in GROUP_PERMISSIONS[READ_ONLY]
    assert "brands.change_brand" not in GROUP_PERMISSIONS[INTEGRATION]


def test_create_api_groups_command_is_idempotent() -> None:
    out = StringIO()
    call_command("create_api_groups", stdout=out)
    call_command("create_api_groups", stdout=StringIO())

    assert Group.objects.filter(name__in=[READ_ONLY, INTEGRATION, OPS]).count() == 3
    assert "integration:" in out.getvalue()


def test_create_api_token_prints_a_working_token(anonymous: APIClient) -> None:
    make_user("etl", INTEGRATION)
    out = StringIO()

    call_command("create_api_token", "etl", stdout=out)

    key = out.getvalue().strip()
    assert Token.objects.get(user__username="etl").key == key
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert anonymous.get("/api/v1/spends/").status_code == 200
    again = StringIO()
    call_command("create_api_token", "etl", stdout=again)
    assert again.getvalue().strip() == key


def test_create_api_token_can_create_the_user_and_rotate() -> None:
    first, rotated = StringIO(), StringIO()

    call_command("create_api_token", "bi", "--create", "--group", READ_ONLY, stdout=first)
    call_command("create_api_token", "bi", "--rotate", stdout=rotated)

    user = User.objects.get(username="bi")
    assert not user.has_usable_password()
    assert user.groups.filter(name=READ_ONLY).exists()
    assert first.getvalue().strip() != rotated.getvalue().strip()
    assert Token.objects.get(user=user).key == rotated.getvalue().strip()


def test_create_api_token_refuses_an_unknown_user() -> None:
    with pytest.raises(CommandError, match="No user"):
        call_command("create_api_token", "ghost", stdout=StringIO())


def test_throttling_per_user_with_rates_from_settings(client_for: MakeClient) -> None:
    first, second = client_for(READ_ONLY), client_for(READ_ONLY)
    rates = {"read": "3/minute", "write": "1/minute"}

    with override_settings(REST_FRAMEWORK={**_rest_framework(), "DEFAULT_THROTTLE_RATES": rates}):
        statuses = [first.get("/api/v1/brands/").status_code for _ in range(4)]
        other_user = second.get("/api/v1/brands/").status_code
        throttled = first.get("/api/v1/brands/")

    assert statuses == [200, 200, 200, 429]
    assert other_user == 200
    assert throttled.json()["code"] == "throttled"
    assert int(throttled.headers["Retry-After"]) > 0


def _rest_framework() -> dict[str, object]:
    from django.conf import settings

    return dict(settings.REST_FRAMEWORK)


def test_the_routes_above_are_every_operation_of_the_schema(anonymous: APIClient) -> None:
    schema = anonymous.get("/api/schema/?format=json").json()
    documented = {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if path != "/api/v1/health/"
    }

    listed = {(method, re.sub(r"\{\w+\}", "{id}", path)) for method, path in ROUTES}

    assert listed == documented
