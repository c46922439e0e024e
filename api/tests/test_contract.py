"""The contract around the resources: the v1 index, JSON errors for everything under
``/api/`` (unmatched paths, 405, 500, a lost database as 503 with ``Retry-After``),
``ordering`` applied on the listed fields, and failed token authentication limited per
client address."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import requests
from django.db import OperationalError
from django.test import Client, override_settings
from rest_framework.test import APIClient

from api.views.service import PingView
from core.tests.factories import make_brand, make_campaign
from core.tests.servers import free_port, gunicorn_command, production_env, serving

from .conftest import MakeClient

pytestmark = pytest.mark.django_db


def test_the_v1_index_lists_every_resource_with_its_url(ops: APIClient, anonymous: APIClient) -> None:
    body = ops.get("/api/v1/").json()

    names = ("brands", "campaigns", "schedules", "spends", "api-keys", "events", "webhook-endpoints")
    assert body["resources"] == {name: f"http://testserver/api/v1/{name}/" for name in names}
    assert body["schema"] == "http://testserver/api/schema/"
    assert anonymous.get("/api/v1/").status_code == 401


@pytest.mark.parametrize(
    "path", ["/api/v1/brands/0.5/", "/api/v1/campaigns/1.0/", "/api/nothing/", "/api/v1/spends/1/x/"]
)
def test_an_unmatched_path_under_api_answers_json_404(ops: APIClient, path: str) -> None:
    response = ops.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_outside_api_a_404_stays_html(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "application/json" not in response["Content-Type"]


def test_a_method_not_allowed_answers_json_405(ops: APIClient) -> None:
    response = ops.delete("/api/v1/brands/")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_an_unexpected_error_answers_json_500(ops: APIClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Any, request: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(PingView, "get", broken)
    ops.raise_request_exception = False

    response = ops.get("/api/v1/ping/")

    assert response.status_code == 500
    assert response.json() == {"detail": "A server error occurred.", "code": "server_error"}


def test_a_lost_database_connection_answers_503_with_retry_after(
    ops: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lost(self: Any, request: Any) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(PingView, "get", lost)

    response = ops.get("/api/v1/ping/")

    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert int(response["Retry-After"]) > 0


@pytest.mark.slow
def test_with_the_database_down_a_live_server_answers_json_503(tmp_path: Path) -> None:
    # given: gunicorn whose database does not answer (nothing listens on that port)
    port = free_port()
    command, extra = gunicorn_command(port, workers=1)
    env = production_env(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/nowhere",
        COUNTER_FILE=str(tmp_path / "counters.sqlite3"),
        **extra,
    )
    with serving(command, env, port, tmp_path / "gunicorn.log") as url:
        # when
        read = requests.get(f"{url}/api/v1/brands/", headers={"Authorization": "Token abc"}, timeout=30)
        write = requests.post(
            f"{url}/api/v1/spends/",
            json={"campaign": 1, "amount": "1.00"},
            headers={"Authorization": "Token abc"},
            timeout=30,
        )
        unmatched = requests.get(f"{url}/api/v1/brands/0.5/", timeout=30)

    # then
    assert read.status_code == 503, read.text
    assert read.json()["code"] == "service_unavailable"
    assert int(read.headers["Retry-After"]) > 0
    assert (write.status_code, write.json()["code"]) == (503, "service_unavailable")
    assert (unmatched.status_code, unmatched.json()["code"]) == (404, "not_found")


def test_ordering_is_applied_on_the_listed_fields(ops: APIClient) -> None:
    make_brand(name="Beta")
    make_brand(name="Alpha")
    make_brand(name="Gamma")

    def names(ordering: str) -> list[str]:
        response = ops.get("/api/v1/brands/", {"ordering": ordering})
        assert response.status_code == 200, response.json()
        return [brand["name"] for brand in response.json()["results"]]

    assert names("name") == ["Alpha", "Beta", "Gamma"]
    assert names("-name") == ["Gamma", "Beta", "Alpha"]
    assert names("-id") == ["Gamma", "Alpha", "Beta"]


def test_campaigns_order_by_brand_id_then_id(ops: APIClient) -> None:
    zed, abe = make_brand(name="Zed"), make_brand(name="Abe")
    first = make_campaign(brand=abe, name="x")
    second = make_campaign(brand=zed, name="y")

    body = ops.get("/api/v1/campaigns/", {"ordering": "brand"}).json()

    assert [c["id"] for c in body["results"]] == [second.pk, first.pk]  # zed was created first


@override_settings(API_AUTH_FAILURE_RATE="3/hour")
def test_failed_tokens_are_limited_per_address(client_for: MakeClient, anonymous: APIClient) -> None:
    good = client_for(None)
    anonymous.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    other = APIClient(REMOTE_ADDR="10.0.0.9")
    other.credentials(HTTP_AUTHORIZATION="Token " + "1" * 40)

    failures = [anonymous.get("/api/v1/ping/").status_code for _ in range(3)]
    limited = anonymous.get("/api/v1/ping/")
    good_from_the_same_address = good.get("/api/v1/ping/")
    from_elsewhere = other.get("/api/v1/ping/")

    assert failures == [401, 401, 401]
    assert limited.status_code == 429
    assert limited.json()["code"] == "throttled"
    assert int(limited["Retry-After"]) > 0
    # The address is blocked whatever it sends: a guesser learns nothing more.
    assert good_from_the_same_address.status_code == 429
    assert from_elsewhere.status_code == 401


def test_valid_tokens_are_not_counted_as_failures(client_for: MakeClient) -> None:
    good = client_for(None)

    with override_settings(API_AUTH_FAILURE_RATE="1/hour"):
        statuses = {good.get("/api/v1/ping/").status_code for _ in range(5)}

    assert statuses == {200}


def test_an_id_in_a_path_is_ascii_digits(ops: APIClient) -> None:
    brand = make_brand()
    arabic_indic = "".join(chr(0x0660 + int(digit)) for digit in str(brand.pk))

    assert ops.get(f"/api/v1/brands/{brand.pk}/").status_code == 200
    response = ops.get(f"/api/v1/brands/{arabic_indic}/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
