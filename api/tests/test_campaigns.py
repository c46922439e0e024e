"""Campaigns: CRUD, activate, pause, events, filters and their 4xx rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from campaigns.models import Campaign
from campaigns.rules import Status
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.selectors import event_log
from spending.services import spend_record

pytestmark = pytest.mark.django_db
# A Saturday, 12:00 UTC: outside a Monday-Friday schedule.
SATURDAY_NOON = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)


def test_a_new_campaign_is_draft_and_not_serving(ops: APIClient) -> None:
    brand = make_brand()

    response = ops.post("/api/v1/campaigns/", {"brand": brand.pk, "name": "Launch"})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["is_active"], body["pause_reason"]) == ("draft", False, None)
    assert body["blocking_reasons"] == []
    assert body["budget"]["daily_remaining"] is None
    created = event_log(campaign_id=body["id"], types=["campaign.created"]).get()
    assert created.data["changes"]["status"] == [None, "draft"]
    assert (created.actor_kind, created.brand_id) == ("token", brand.pk)


@time_machine.travel(SATURDAY_NOON, tick=False)
def test_an_active_campaign_outside_its_schedule_shows_why(ops: APIClient) -> None:
    brand = make_brand()
    weekdays = make_schedule(([0, 1, 2, 3, 4], "09:00", "17:00"))

    response = ops.post(
        "/api/v1/campaigns/",
        {
            "brand": brand.pk,
            "name": "Black Friday",
            "status": "active",
            "daily_budget": "50.00",
            "dayparting_schedule": weekdays.pk,
        },
    )

    body = response.json()
    assert response.status_code == 201
    assert (body["is_active"], body["pause_reason"]) == (False, "outside_schedule")
    assert body["blocking_reasons"] == ["outside_schedule"]
    assert (body["daily_budget"], body["monthly_budget"], body["dayparting_schedule"]) == (
        "50.00",
        None,
        weekdays.pk,
    )


def test_list_filters(ops: APIClient) -> None:
    acme, globex = make_brand(name="Acme"), make_brand(name="Globex")
    make_campaign(brand=acme, name="Spring sale")
    make_campaign(brand=acme, name="Winter", status=Status.PAUSED)
    stopped = make_campaign(brand=globex, name="Spring launch", daily_budget=Decimal("5.00"))
    spend_record(campaign_id=stopped.pk, amount="5.00")

    def names(**params: str | int) -> list[str]:
        response = ops.get("/api/v1/campaigns/", params)
        assert response.status_code == 200, response.json()
        return sorted(c["name"] for c in response.json()["results"])

    assert names(brand=acme.pk) == ["Spring sale", "Winter"]
    assert names(status="paused") == ["Winter"]
    assert names(is_active="true") == ["Spring sale"]
    assert names(pause_reason="campaign_daily_budget") == ["Spring launch"]
    assert names(search="spring") == ["Spring launch", "Spring sale"]
    assert names(brand=acme.pk, search="spring") == ["Spring sale"]


@pytest.mark.parametrize(
    ("param", "value"),
    [("brand", "abc"), ("status", "running"), ("pause_reason", "tired"), ("brand", "1.5")],
)
def test_list_rejects_bad_filter_values(ops: APIClient, param: str, value: str) -> None:
    response = ops.get("/api/v1/campaigns/", {param: value})

    assert response.status_code == 400
    assert param in response.json()


def test_put_replaces_and_audits(ops: APIClient) -> None:
    campaign = make_campaign(name="Old", daily_budget=Decimal("10.00"), monthly_budget=Decimal("100.00"))

    response = ops.put(
        f"/api/v1/campaigns/{campaign.pk}/",
        {"name": "New", "status": "active", "daily_budget": "20.00"},
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["name"], body["daily_budget"], body["monthly_budget"]) == ("New", "20.00", None)
    change = event_log(campaign_id=campaign.pk, types=["campaign.updated"]).get()
    assert change.actor_kind == "token"
    assert change.data["changes"]["daily_budget"] == ["10.00", "20.00"]


@time_machine.travel(SATURDAY_NOON, tick=False)
def test_patch_lowering_a_budget_pauses_and_raising_resumes(ops: APIClient) -> None:
    campaign = make_campaign(daily_budget=Decimal("50.00"))
    spend_record(campaign_id=campaign.pk, amount="30.00")

    lowered = ops.patch(f"/api/v1/campaigns/{campaign.pk}/", {"daily_budget": "30.00"}).json()
    raised = ops.patch(f"/api/v1/campaigns/{campaign.pk}/", {"daily_budget": "31.00"}).json()

    assert (lowered["is_active"], lowered["pause_reason"]) == (False, "campaign_daily_budget")
    assert (raised["is_active"], raised["pause_reason"]) == (True, None)
    assert raised["budget"]["daily_remaining"] == "1.00"


def test_is_active_and_pause_reason_are_read_only(ops: APIClient) -> None:
    campaign = make_campaign(status=Status.PAUSED)

    response = ops.patch(
        f"/api/v1/campaigns/{campaign.pk}/", {"is_active": True, "pause_reason": "outside_schedule"}
    )

    # Refused and named (issue 11: a write never drops a field silently), nothing changed.
    assert response.status_code == 400
    assert sorted(response.json()) == ["is_active", "pause_reason"]
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason) == (False, "")


def test_a_campaign_cannot_move_to_another_brand(ops: APIClient) -> None:
    campaign = make_campaign()
    other = make_brand()

    same = ops.patch(f"/api/v1/campaigns/{campaign.pk}/", {"brand": campaign.brand_id, "name": "x"})
    moved = ops.patch(f"/api/v1/campaigns/{campaign.pk}/", {"brand": other.pk})

    assert same.status_code == 200
    assert moved.status_code == 400
    assert "brand" in moved.json()


def test_activate_sets_status_and_evaluates(ops: APIClient) -> None:
    brand = make_brand(is_active=False)
    campaign = make_campaign(brand=brand, status=Status.DRAFT)

    response = ops.post(f"/api/v1/campaigns/{campaign.pk}/activate/")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["is_active"], body["pause_reason"]) == ("active", False, "brand_inactive")
    assert body["blocking_reasons"] == ["brand_inactive"]


def test_pause_is_a_persons_pause(ops: APIClient) -> None:
    campaign = make_campaign()

    response = ops.post(f"/api/v1/campaigns/{campaign.pk}/pause/")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["is_active"]) == ("paused", False)
    assert response.json()["pause_reason"] is None
    event = event_log(campaign_id=campaign.pk, types=["campaign.updated"]).get()
    assert (event.data["changes"]["status"], event.actor_kind) == (["active", "paused"], "token")


def test_events_are_newest_first_and_paginated(ops: APIClient) -> None:
    campaign = make_campaign(status=Status.DRAFT)
    ops.post(f"/api/v1/campaigns/{campaign.pk}/activate/")
    ops.post(f"/api/v1/campaigns/{campaign.pk}/pause/")

    response = ops.get(f"/api/v1/campaigns/{campaign.pk}/events/", {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4  # activated, started serving, paused, stopped serving
    kinds = [event["kind"] for event in body["results"]]
    assert kinds == ["serving_stopped", "status_changed"]
    assert body["results"][1]["to_value"] == "paused"
    assert body["results"][1]["actor"]["kind"] == "token"
    assert body["next"] is not None
    # the items are the log's events (API.md, "Events"), newest first
    stop, change = body["results"]
    assert (stop["type"], change["type"]) == ("campaign.paused", "campaign.updated")
    assert change["data"] == {"changes": {"status": ["active", "paused"]}}
    assert stop["campaign"] == change["campaign"] == campaign.pk
    assert stop["id"] > change["id"]
    feed = ops.get("/api/v1/events/", {"campaign": campaign.pk}).json()["results"]
    assert [event["id"] for event in reversed(feed)][:2] == [stop["id"], change["id"]]
    assert {k: v for k, v in stop.items() if k in feed[-1] and k != "actor"} == {
        k: v for k, v in feed[-1].items() if k != "actor"
    }
    assert stop["actor"] == {**feed[-1]["actor"], "label": feed[-1]["actor"]["name"]}


def test_delete(ops: APIClient) -> None:
    unused = make_campaign()
    spent = make_campaign()
    spend_record(campaign_id=spent.pk, amount="1.00")

    assert ops.delete(f"/api/v1/campaigns/{unused.pk}/").status_code == 204
    refused = ops.delete(f"/api/v1/campaigns/{spent.pk}/")

    assert refused.status_code == 409
    assert refused.json()["code"] == "has_spend"
    assert list(Campaign.objects.values_list("pk", flat=True)) == [spent.pk]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/campaigns/999999/"),
        ("put", "/api/v1/campaigns/999999/"),
        ("patch", "/api/v1/campaigns/999999/"),
        ("delete", "/api/v1/campaigns/999999/"),
        ("post", "/api/v1/campaigns/999999/activate/"),
        ("post", "/api/v1/campaigns/999999/pause/"),
        ("get", "/api/v1/campaigns/999999/events/"),
        ("get", "/api/v1/campaigns/not-a-number/"),
    ],
)
def test_unknown_campaign_is_404(ops: APIClient, method: str, path: str) -> None:
    response = getattr(ops, method)(path, {"name": "x", "status": "active"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
