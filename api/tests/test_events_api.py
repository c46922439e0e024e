"""``GET events/`` and ``webhook-endpoints/``: the contract of API.md's "Events" and
"Webhook endpoints" sections."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from api.groups import READ_ONLY
from core.tests.factories import make_brand
from events.dispatch import webhooks_dispatch
from events.models import WebhookEndpoint
from events.services import NewEvent, webhook_endpoint_create
from events.tests.helpers import paused, write
from events.tests.receiver import Receiver, running

from .conftest import make_user, token_client

pytestmark = pytest.mark.django_db

ENDPOINT_FIELDS = {"id", "url", "description", "event_types", "brands", "enabled", "created_at"}


def test_the_feed_pages_in_id_order_with_next_after(reader: APIClient) -> None:
    brand = make_brand()  # the reader's (conftest): a reader sees the events of its brands
    write([paused(campaign_id=n, brand_id=brand.pk) for n in range(1, 6)])

    first = reader.get("/api/v1/events/", {"limit": "2"}).json()
    second = reader.get("/api/v1/events/", {"after": str(first["next_after"]), "limit": "500"}).json()

    assert [item["id"] for item in first["results"]] == [1, 2]
    assert first["next_after"] == 2
    assert [item["id"] for item in second["results"]] == [3, 4, 5]
    assert second["next_after"] == 5
    item = first["results"][0]
    assert set(item) == {"id", "type", "occurred_at", "brand", "campaign", "actor", "data"}
    assert item["actor"] == {"kind": "system", "name": "spend"}
    assert item["data"] == {"reason": "campaign_daily_budget", "reasons": ["campaign_daily_budget"]}
    assert item["occurred_at"].endswith("Z")


def test_a_limit_above_500_reads_as_500(reader: APIClient) -> None:
    brand = make_brand()
    write([paused(campaign_id=n, brand_id=brand.pk) for n in range(1, 503)])

    body = reader.get("/api/v1/events/", {"limit": "100000"}).json()

    assert len(body["results"]) == 500
    assert body["next_after"] == 500


def test_the_feed_filters_by_type_brand_campaign_and_moment(reader: APIClient) -> None:
    acme, other = make_brand(), make_brand()
    write([paused(brand_id=acme.pk, campaign_id=7), paused(brand_id=other.pk)])
    write(
        [
            NewEvent(
                type="brand.updated", data={"changes": {"daily_budget": ["1.00", "2.00"]}}, brand_id=acme.pk
            )
        ]
    )

    def types(**query: str) -> list[str]:
        return [item["type"] for item in reader.get("/api/v1/events/", query).json()["results"]]

    assert types(type="brand.updated,campaign.paused") == [
        "campaign.paused",
        "campaign.paused",
        "brand.updated",
    ]
    assert reader.get("/api/v1/events/?type=brand.updated&type=campaign.paused").json()["next_after"] == 3
    assert types(brand=str(acme.pk)) == ["campaign.paused", "brand.updated"]
    assert types(campaign="7") == ["campaign.paused"]
    assert types(occurred_after="2000-01-01T00:00:00Z", occurred_before="2001-01-01T00:00:00Z") == []


@pytest.mark.parametrize(
    "query",
    [{"limit": "x"}, {"limit": "0"}, {"after": "-1"}, {"type": "nope"}, {"occurred_after": "yesterday"}],
)
def test_bad_feed_parameters_answer_400(reader: APIClient, query: dict[str, str]) -> None:
    answer = reader.get("/api/v1/events/", query)
    assert answer.status_code == 400
    assert set(answer.json()) <= {"limit", "after", "type", "occurred_after"}


def test_the_feed_needs_the_view_permission(client_for: Any, anonymous: APIClient) -> None:
    assert client_for(None).get("/api/v1/events/").status_code == 403
    assert anonymous.get("/api/v1/events/").status_code == 401


def test_an_endpoint_shows_its_secret_on_create_and_rotate_only(ops: APIClient) -> None:
    created = ops.post(
        "/api/v1/webhook-endpoints/",
        {
            "url": "https://hooks.example.com/budget",
            "description": "ad server",
            "event_types": ["campaign.paused"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) >= ENDPOINT_FIELDS
    assert body["secret"].startswith("whsec_")
    assert (body["event_types"], body["brands"], body["enabled"]) == (["campaign.paused"], [], True)
    url = f"/api/v1/webhook-endpoints/{body['id']}/"

    read = ops.get(url).json()
    listed = ops.get("/api/v1/webhook-endpoints/").json()["results"]
    rotated = ops.post(f"{url}rotate-secret/").json()

    assert "secret" not in read
    assert all("secret" not in row for row in listed)
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != body["secret"]
    assert rotated["previous_secret_expires_at"] is not None


def test_an_endpoint_is_changed_and_deleted(ops: APIClient) -> None:
    brand = make_brand()
    endpoint = ops.post("/api/v1/webhook-endpoints/", {"url": "https://hooks.example.com/x"}).json()
    url = f"/api/v1/webhook-endpoints/{endpoint['id']}/"

    patched = ops.patch(url, {"brands": [brand.pk], "enabled": False, "event_types": ["*"]})
    assert patched.status_code == 200, patched.content
    assert (patched.json()["brands"], patched.json()["enabled"]) == ([brand.pk], False)
    assert ops.put(url, {"url": "https://hooks.example.com/y"}).status_code == 405
    assert ops.patch(url, {"brands": [999_999]}).status_code == 400
    assert ops.patch(url, {"event_types": ["nope"]}).status_code == 400
    assert ops.post(f"{url}test/").status_code == 409  # disabled
    assert ops.delete(url).status_code == 204
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("enabled", [0, 1, "true", "false", None])
def test_enabled_is_a_json_boolean_only(ops: APIClient, enabled: Any) -> None:
    body = {"url": "https://hooks.example.com/x", "enabled": enabled}

    assert ops.post("/api/v1/webhook-endpoints/", body, format="json").status_code == 400
    endpoint = ops.post("/api/v1/webhook-endpoints/", {"url": body["url"]}, format="json").json()
    url = f"/api/v1/webhook-endpoints/{endpoint['id']}/"
    assert ops.patch(url, {"enabled": enabled}, format="json").status_code == 400
    assert WebhookEndpoint.objects.get().enabled is True


def test_a_reader_cannot_manage_endpoints() -> None:
    person = make_user("reader", READ_ONLY)
    reader = token_client(person)
    # An endpoint is seen by its owner (and ops): one set up for the reader, who cannot make one.
    endpoint = {"id": webhook_endpoint_create(url="https://hooks.example.com/x", owner_id=person.pk).pk}
    assert reader.post("/api/v1/webhook-endpoints/", {"url": "https://a.example.com/"}).status_code == 403
    assert reader.post(f"/api/v1/webhook-endpoints/{endpoint['id']}/test/").status_code == 403
    assert reader.get(f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries/").status_code == 200


def test_test_replay_and_deliveries_through_the_api(ops: APIClient) -> None:
    with running(Receiver()) as receiver:
        created = ops.post("/api/v1/webhook-endpoints/", {"url": receiver.url}).json()
        receiver.secret = created["secret"]
        url = f"/api/v1/webhook-endpoints/{created['id']}/"
        write([paused(campaign_id=n) for n in range(1, 4)])

        ping = ops.post(f"{url}test/")
        webhooks_dispatch(time_budget=10)
        replay = ops.post(f"{url}replay/", {"after": 1})
        webhooks_dispatch(time_budget=10)

    assert ping.status_code == 202
    assert ping.json() == {"event": 4, "type": "ping"}
    assert replay.status_code == 202
    assert replay.json() == {"after": 1, "until": 4, "queued": 2, "complete": True}
    # the ping is never queued behind events; the replay re-sends 2 and 3, not the ping
    assert [a.webhook_id for a in receiver.arrivals] == ["4", "1", "2", "3", "2", "3"]
    assert all(a.verified for a in receiver.arrivals)
    deliveries = ops.get(f"{url}deliveries/").json()
    assert deliveries["count"] == 6
    row = deliveries["results"][0]
    assert set(row) >= {"event", "attempt", "status_code", "duration_ms", "error", "at", "next_attempt_at"}
    assert (row["status_code"], row["attempt"], row["next_attempt_at"]) == (200, 1, None)
    assert ops.post(f"{url}replay/", {"after": -1}).status_code == 400
