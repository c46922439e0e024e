"""Spend: single and bulk ingestion, idempotency by external_id, reads, and 405 on edits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from campaigns.rules import Status
from core.tests.factories import make_brand, make_campaign
from events.selectors import event_log
from spending.models import CampaignDailySpend, Spend
from spending.services import MAX_BULK_RECORDS, spend_record

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@time_machine.travel(NOON, tick=False)
def test_post_records_and_answers_201_with_the_campaign_state(ops: APIClient) -> None:
    campaign = make_campaign()

    response = ops.post(
        "/api/v1/spends/",
        {
            "campaign": campaign.pk,
            "amount": "12.34",
            "description": "clicks",
            "source": "google-ads",
            "external_id": "gads-1",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["amount"] == "12.34"
    assert body["date"] == "2026-11-18"  # the brand's today by default
    assert (body["campaign"], body["brand"]) == (campaign.pk, campaign.brand_id)
    assert (body["source"], body["external_id"], body["description"]) == ("google-ads", "gads-1", "clicks")
    assert body["campaign_state"] == {"is_active": True, "pause_reason": None}


@time_machine.travel(NOON, tick=False)
def test_spend_crossing_the_budget_returns_the_pause(integration: APIClient) -> None:
    campaign = make_campaign(daily_budget=Decimal("50.00"))

    first = integration.post("/api/v1/spends/", {"campaign": campaign.pk, "amount": "49.99"})
    crossing = integration.post("/api/v1/spends/", {"campaign": campaign.pk, "amount": "0.01"})

    assert first.json()["campaign_state"] == {"is_active": True, "pause_reason": None}
    assert crossing.status_code == 201
    assert crossing.json()["campaign_state"] == {"is_active": False, "pause_reason": "campaign_daily_budget"}
    [pause] = event_log(campaign_id=campaign.pk, types=["campaign.paused"])
    assert (pause.actor_kind, pause.actor_name, pause.data["reason"]) == (
        "system",
        "spend",
        "campaign_daily_budget",
    )


@time_machine.travel(NOON, tick=False)
def test_spend_on_a_paused_campaign_is_still_recorded(ops: APIClient) -> None:
    campaign = make_campaign(status=Status.PAUSED)

    response = ops.post("/api/v1/spends/", {"campaign": campaign.pk, "amount": "3.00", "date": "2026-11-17"})

    assert response.status_code == 201
    assert response.json()["campaign_state"] == {"is_active": False, "pause_reason": None}
    assert CampaignDailySpend.objects.get(campaign=campaign).amount == Decimal("3.00")


@time_machine.travel(NOON, tick=False)
def test_external_id_seen_before_answers_200_with_the_original_and_409_with_another_body(
    ops: APIClient,
) -> None:
    campaign = make_campaign()
    body = {"campaign": campaign.pk, "amount": "5.00", "source": "gads", "external_id": "row-1"}
    first = ops.post("/api/v1/spends/", body)

    again = ops.post("/api/v1/spends/", body)
    other_source = ops.post("/api/v1/spends/", {**body, "source": "meta"})
    conflict = ops.post("/api/v1/spends/", {**body, "amount": "6.00"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert other_source.status_code == 201  # unique per source
    assert conflict.status_code == 409
    assert conflict.json()["field"] == "external_id"
    assert Spend.objects.count() == 2


def test_list_filters(ops: APIClient) -> None:
    acme = make_brand(name="Acme")
    a1, a2 = make_campaign(brand=acme), make_campaign(brand=acme)
    other = make_campaign()
    with time_machine.travel(NOON, tick=False):
        spend_record(campaign_id=a1.pk, amount="1.00", date=dt.date(2026, 11, 1), source="gads")
        spend_record(campaign_id=a2.pk, amount="2.00", date=dt.date(2026, 11, 10), source="meta")
        spend_record(campaign_id=other.pk, amount="3.00", date=dt.date(2026, 11, 18), source="gads")

    def amounts(**params: str | int) -> list[str]:
        response = ops.get("/api/v1/spends/", params)
        assert response.status_code == 200, response.json()
        return [s["amount"] for s in response.json()["results"]]

    assert amounts() == ["3.00", "2.00", "1.00"]  # newest date first
    assert amounts(campaign=a1.pk) == ["1.00"]
    assert amounts(brand=acme.pk) == ["2.00", "1.00"]
    assert amounts(date_after="2026-11-10") == ["3.00", "2.00"]
    assert amounts(date_before="2026-11-10") == ["2.00", "1.00"]
    assert amounts(date_after="2026-11-02", date_before="2026-11-17") == ["2.00"]
    assert amounts(source="gads") == ["3.00", "1.00"]
    assert ops.get("/api/v1/spends/", {"date_after": "18/11/2026"}).status_code == 400


def test_retrieve_and_404(ops: APIClient) -> None:
    campaign = make_campaign()
    spend = spend_record(campaign_id=campaign.pk, amount="7.50").spend

    body = ops.get(f"/api/v1/spends/{spend.pk}/").json()

    assert (body["id"], body["amount"], body["external_id"]) == (spend.pk, "7.50", None)
    assert ops.get("/api/v1/spends/987654/").status_code == 404


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_spend_is_immutable_405(ops: APIClient, method: str) -> None:
    campaign = make_campaign()
    spend = spend_record(campaign_id=campaign.pk, amount="7.50").spend

    response = getattr(ops, method)(f"/api/v1/spends/{spend.pk}/", {"amount": "1.00"})

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    spend.refresh_from_db()
    assert spend.amount == Decimal("7.50")


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_collection_edits_are_405_too(ops: APIClient, method: str) -> None:
    assert getattr(ops, method)("/api/v1/spends/", {}).status_code == 405


@time_machine.travel(NOON, tick=False)
def test_bulk_records_all_and_reports_each(integration: APIClient) -> None:
    campaign = make_campaign(daily_budget=Decimal("10.00"))
    spend_record(campaign_id=campaign.pk, amount="1.00", source="gads", external_id="seen")

    response = integration.post(
        "/api/v1/spends/bulk/",
        {
            "spends": [
                {"campaign": campaign.pk, "amount": "1.00", "source": "gads", "external_id": "seen"},
                {"campaign": campaign.pk, "amount": "4.00", "source": "gads", "external_id": "new"},
                {"campaign": campaign.pk, "amount": "5.00"},
            ]
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["created"], body["duplicates"]) == (2, 1)
    assert [r["result"] for r in body["results"]] == ["duplicate", "created", "created"]
    paused = {"is_active": False, "pause_reason": "campaign_daily_budget"}
    assert body["results"][2]["campaign_state"] == paused
    assert CampaignDailySpend.objects.get(campaign=campaign).amount == Decimal("10.00")


@time_machine.travel(NOON, tick=False)
def test_bulk_of_duplicates_only_answers_200(integration: APIClient) -> None:
    campaign = make_campaign()
    spend_record(campaign_id=campaign.pk, amount="1.00", source="gads", external_id="seen")

    response = integration.post(
        "/api/v1/spends/bulk/",
        {"spends": [{"campaign": campaign.pk, "amount": "1.00", "source": "gads", "external_id": "seen"}]},
    )

    assert response.status_code == 200
    assert (response.json()["created"], response.json()["duplicates"]) == (0, 1)


@time_machine.travel(NOON, tick=False)
def test_bulk_is_all_or_nothing(integration: APIClient) -> None:
    campaign = make_campaign()

    response = integration.post(
        "/api/v1/spends/bulk/",
        {
            "spends": [
                {"campaign": campaign.pk, "amount": "1.00"},
                {"campaign": campaign.pk, "amount": "1.001"},
                {"campaign": "seven", "amount": "1.00", "date": "yesterday"},
            ]
        },
    )

    assert response.status_code == 400
    errors = response.json()["spends"]
    assert errors[0] == {}
    assert list(errors[1]) == ["amount"]
    assert sorted(errors[2]) == ["campaign", "date"]
    assert not Spend.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_bulk_rules_are_checked_for_every_record_before_anything_is_written(integration: APIClient) -> None:
    campaign = make_campaign()

    response = integration.post(
        "/api/v1/spends/bulk/",
        {
            "spends": [
                {"campaign": campaign.pk, "amount": "1.00"},
                {"campaign": 999999, "amount": "1.00"},
                {"campaign": campaign.pk, "amount": "1.00", "date": "2026-12-25"},
            ]
        },
    )

    assert response.status_code == 400
    errors = response.json()["spends"]
    assert errors[0] == {}
    assert errors[1]["campaign"] == ["Campaign 999999 does not exist."]
    assert "too far in the future" in errors[2]["date"][0]
    assert not Spend.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_bulk_of_one_bad_record_keeps_the_bulk_error_shape(integration: APIClient) -> None:
    response = integration.post("/api/v1/spends/bulk/", {"spends": [{"campaign": 999999, "amount": "1.00"}]})

    assert response.status_code == 400
    assert list(response.json()["spends"][0]) == ["campaign"]


@time_machine.travel(NOON, tick=False)
def test_bulk_accepts_1000_records_and_refuses_1001(integration: APIClient) -> None:
    campaign = make_campaign()
    record = {"campaign": campaign.pk, "amount": "0.01"}

    too_many = integration.post("/api/v1/spends/bulk/", {"spends": [record] * (MAX_BULK_RECORDS + 1)})
    assert too_many.status_code == 400
    assert "spends" in too_many.json()
    assert not Spend.objects.exists()

    full = integration.post("/api/v1/spends/bulk/", {"spends": [record] * MAX_BULK_RECORDS})
    assert full.status_code == 201
    assert full.json()["created"] == MAX_BULK_RECORDS
    assert CampaignDailySpend.objects.get(campaign=campaign).amount == Decimal("10.00")
