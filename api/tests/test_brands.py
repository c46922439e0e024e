"""Brands: every endpoint and method of API.md, with their 4xx rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from brands.models import Brand
from campaigns.models import Campaign
from core.tests.factories import make_brand, make_campaign
from spending.services import spend_record

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 21, 17, 0, tzinfo=dt.UTC)  # 12:00 in New York


@time_machine.travel(NOON, tick=False)
def test_create_returns_the_brand_with_its_budget_block(ops: APIClient) -> None:
    response = ops.post(
        "/api/v1/brands/",
        {"name": "Acme", "timezone": "America/New_York", "daily_budget": "100.00", "monthly_budget": "2500"},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Acme"
    assert (body["currency"], body["is_active"]) == ("USD", True)
    assert (body["daily_budget"], body["monthly_budget"]) == ("100.00", "2500.00")
    assert body["budget"] == {
        "date": "2026-11-21",
        "month": "2026-11",
        "daily_spend": "0.00",
        "monthly_spend": "0.00",
        "daily_remaining": "100.00",
        "monthly_remaining": "2500.00",
        "daily_available": True,
        "monthly_available": True,
        # November in New York has a 25-hour day (Nov 1): 30 x 1440 + 60 = 43260 minutes, of
        # which 20 x 1440 + 12 x 60 + 60 = 29580 are gone at noon on the 21st.
        "pacing": {
            "month_elapsed": 0.684,
            "expected_monthly_spend": "1709.43",  # 2500 x 29580 / 43260
            "month_pace": 0.0,
            "status": "under_pace",
            "run_rate_daily": "0.00",  # created today: no complete day yet, today's spend
            "projected_monthly_spend": "0.00",
            "projected_exhaustion": None,
            "day_elapsed": 0.5,
            "expected_daily_spend": "50.00",
            "run_rate_days": 0,
        },
    }
    assert Brand.objects.get(pk=body["id"]).timezone == "America/New_York"


@time_machine.travel(NOON, tick=False)
def test_read_shows_spend_against_the_caps(ops: APIClient) -> None:
    brand = make_brand(timezone="America/New_York", daily_budget=Decimal("100.00"))
    campaign = make_campaign(brand=brand)
    spend_record(campaign_id=campaign.pk, amount="40.00")

    body = ops.get(f"/api/v1/brands/{brand.pk}/").json()

    assert body["budget"]["daily_spend"] == "40.00"
    assert body["budget"]["daily_remaining"] == "60.00"
    assert body["budget"]["monthly_remaining"] is None
    assert body["budget"]["monthly_available"] is True


def test_list_is_paginated_and_filtered(ops: APIClient) -> None:
    make_brand(name="Acme")
    make_brand(name="Acme Outdoor", is_active=False)
    make_brand(name="Globex")

    page = ops.get("/api/v1/brands/", {"page_size": 2}).json()
    inactive = ops.get("/api/v1/brands/", {"is_active": "false"}).json()
    search = ops.get("/api/v1/brands/", {"search": "acme"}).json()

    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"] is not None
    assert page["previous"] is None
    assert [b["name"] for b in inactive["results"]] == ["Acme Outdoor"]
    assert [b["name"] for b in search["results"]] == ["Acme", "Acme Outdoor"]


def test_list_answers_404_for_a_page_past_the_end(ops: APIClient) -> None:
    make_brand()

    response = ops.get("/api/v1/brands/", {"page": 5})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_page_size_is_capped_at_500(ops: APIClient) -> None:
    Brand.objects.bulk_create(Brand(name=f"B{i:03}") for i in range(501))

    body = ops.get("/api/v1/brands/", {"page_size": 500}).json()
    # Above the schema's maximum: refused and named (issue 11), no longer clamped silently.
    over = ops.get("/api/v1/brands/", {"page_size": 10_000})

    assert len(body["results"]) == 500
    assert body["count"] == 501
    assert over.status_code == 400
    assert list(over.json()) == ["page_size"]


@time_machine.travel(NOON, tick=False)
def test_put_replaces_and_lowering_a_cap_pauses_its_campaigns_at_once(ops: APIClient) -> None:
    brand = make_brand(daily_budget=Decimal("100.00"))
    campaign = make_campaign(brand=brand)
    spend_record(campaign_id=campaign.pk, amount="30.00")

    response = ops.put(
        f"/api/v1/brands/{brand.pk}/",
        {"name": "Renamed", "timezone": "UTC", "currency": "EUR", "daily_budget": "30.00"},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["budget"]["daily_available"] is False
    assert response.json()["currency"] == "EUR"
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason) == (False, "brand_daily_budget")
    served = ops.get(f"/api/v1/campaigns/{campaign.pk}/").json()
    assert served["pause_reason"] == "brand_daily_budget"


@time_machine.travel(NOON, tick=False)
def test_patch_raising_the_cap_resumes_and_changes_nothing_else(ops: APIClient) -> None:
    brand = make_brand(name="Acme", daily_budget=Decimal("30.00"), monthly_budget=Decimal("900.00"))
    campaign = make_campaign(brand=brand)
    spend_record(campaign_id=campaign.pk, amount="30.00")

    response = ops.patch(f"/api/v1/brands/{brand.pk}/", {"daily_budget": "50.00"})

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["monthly_budget"]) == ("Acme", "900.00")
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason) == (True, "")


def test_patch_deactivating_the_brand_stops_its_campaigns(ops: APIClient) -> None:
    brand = make_brand()
    campaign = make_campaign(brand=brand)

    assert ops.patch(f"/api/v1/brands/{brand.pk}/", {"is_active": False}).status_code == 200

    campaign.refresh_from_db()
    assert campaign.pause_reason == "brand_inactive"


def test_delete_without_spend_removes_the_brand(ops: APIClient) -> None:
    brand = make_brand()
    make_campaign(brand=brand, status="draft")

    response = ops.delete(f"/api/v1/brands/{brand.pk}/")

    assert response.status_code == 204
    assert not Brand.objects.filter(pk=brand.pk).exists()
    assert not Campaign.objects.filter(brand_id=brand.pk).exists()


def test_delete_with_spend_is_refused_with_409(ops: APIClient) -> None:
    campaign = make_campaign()
    spend_record(campaign_id=campaign.pk, amount="1.00")

    response = ops.delete(f"/api/v1/brands/{campaign.brand_id}/")

    assert response.status_code == 409
    assert response.json()["code"] == "has_spend"
    assert Brand.objects.filter(pk=campaign.brand_id).exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_unknown_brand_is_404(ops: APIClient, method: str) -> None:
    response = getattr(ops, method)("/api/v1/brands/999999/", {"name": "x"})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_budget_lists_the_brand_and_each_campaign(ops: APIClient) -> None:
    brand = make_brand(daily_budget=Decimal("100.00"))
    first = make_campaign(brand=brand, name="A", daily_budget=Decimal("10.00"))
    make_campaign(brand=brand, name="B")
    make_campaign(name="other brand")
    spend_record(campaign_id=first.pk, amount="10.00")

    response = ops.get(f"/api/v1/brands/{brand.pk}/budget/")

    assert response.status_code == 200
    body = response.json()
    assert body["brand"]["budget"]["daily_spend"] == "10.00"
    assert [c["name"] for c in body["campaigns"]] == ["A", "B"]
    a, b = body["campaigns"]
    assert (a["is_active"], a["pause_reason"], a["blocking_reasons"]) == (
        False,
        "campaign_daily_budget",
        ["campaign_daily_budget"],
    )
    assert a["budget"]["daily_remaining"] == "0.00"
    assert (b["is_active"], b["pause_reason"], b["blocking_reasons"]) == (True, None, [])
    assert ops.get("/api/v1/brands/999999/budget/").status_code == 404
