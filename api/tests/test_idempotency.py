"""Idempotency: ``external_id`` per source and the ``Idempotency-Key`` header."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from api.groups import INTEGRATION
from api.models import IdempotencyKey
from brands.models import Brand
from core.tests.factories import make_campaign
from spending.models import CampaignDailySpend, Spend

from .conftest import MakeClient

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@time_machine.travel(NOON, tick=False)
def test_the_same_spend_posted_five_times_by_key_exists_once(integration: APIClient) -> None:
    campaign = make_campaign()
    body = {"campaign": campaign.pk, "amount": "12.34", "description": "hour 14"}

    responses = [
        integration.post("/api/v1/spends/", body, HTTP_IDEMPOTENCY_KEY="batch-7-row-1") for _ in range(5)
    ]

    assert [r.status_code for r in responses] == [201, 200, 200, 200, 200]
    assert all(r.json() == responses[0].json() for r in responses)
    assert [r.headers.get("Idempotent-Replayed") for r in responses] == [None] + ["true"] * 4
    assert Spend.objects.count() == 1
    assert str(CampaignDailySpend.objects.get().amount) == "12.34"


@time_machine.travel(NOON, tick=False)
def test_the_same_spend_posted_five_times_by_external_id_exists_once(integration: APIClient) -> None:
    campaign = make_campaign()
    body = {"campaign": campaign.pk, "amount": "12.34", "source": "gads", "external_id": "row-1"}

    responses = [integration.post("/api/v1/spends/", body) for _ in range(5)]

    assert [r.status_code for r in responses] == [201, 200, 200, 200, 200]
    assert {r.json()["id"] for r in responses} == {responses[0].json()["id"]}
    assert Spend.objects.count() == 1
    assert str(CampaignDailySpend.objects.get().amount) == "12.34"


@time_machine.travel(NOON, tick=False)
def test_a_key_reused_with_another_body_is_409_and_writes_nothing(integration: APIClient) -> None:
    campaign = make_campaign()
    integration.post("/api/v1/spends/", {"campaign": campaign.pk, "amount": "1.00"}, HTTP_IDEMPOTENCY_KEY="k")

    response = integration.post(
        "/api/v1/spends/", {"campaign": campaign.pk, "amount": "2.00"}, HTTP_IDEMPOTENCY_KEY="k"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert response.json()["field"] == "Idempotency-Key"
    assert Spend.objects.count() == 1


@time_machine.travel(NOON, tick=False)
def test_a_key_reused_on_another_endpoint_is_409(integration: APIClient) -> None:
    campaign = make_campaign()
    record = {"campaign": campaign.pk, "amount": "1.00"}
    integration.post("/api/v1/spends/", record, HTTP_IDEMPOTENCY_KEY="k")

    response = integration.post("/api/v1/spends/bulk/", {"spends": [record]}, HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 409


@time_machine.travel(NOON, tick=False)
def test_a_failed_request_does_not_burn_its_key(integration: APIClient) -> None:
    campaign = make_campaign()

    bad = integration.post(
        "/api/v1/spends/", {"campaign": campaign.pk, "amount": "-1"}, HTTP_IDEMPOTENCY_KEY="k"
    )
    good = integration.post(
        "/api/v1/spends/", {"campaign": campaign.pk, "amount": "1"}, HTTP_IDEMPOTENCY_KEY="k"
    )

    assert (bad.status_code, good.status_code) == (400, 201)
    assert IdempotencyKey.objects.get().status_code == 201


@time_machine.travel(NOON, tick=False)
def test_keys_are_per_user(client_for: MakeClient) -> None:
    campaign = make_campaign()
    first, second = client_for(INTEGRATION), client_for(INTEGRATION)

    a = first.post("/api/v1/spends/", {"campaign": campaign.pk, "amount": "1.00"}, HTTP_IDEMPOTENCY_KEY="k")
    b = second.post("/api/v1/spends/", {"campaign": campaign.pk, "amount": "2.00"}, HTTP_IDEMPOTENCY_KEY="k")

    assert (a.status_code, b.status_code) == (201, 201)
    assert Spend.objects.count() == 2


@time_machine.travel(NOON, tick=False)
def test_bulk_by_key_is_replayed(integration: APIClient) -> None:
    campaign = make_campaign()
    body = {
        "spends": [{"campaign": campaign.pk, "amount": "1.00"}, {"campaign": campaign.pk, "amount": "2.00"}]
    }

    first = integration.post("/api/v1/spends/bulk/", body, HTTP_IDEMPOTENCY_KEY="bulk-1")
    again = integration.post("/api/v1/spends/bulk/", body, HTTP_IDEMPOTENCY_KEY="bulk-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Spend.objects.count() == 2


def test_creates_of_other_resources_take_a_key_too(ops: APIClient) -> None:
    first = ops.post("/api/v1/brands/", {"name": "Acme"}, HTTP_IDEMPOTENCY_KEY="brand-acme")
    again = ops.post("/api/v1/brands/", {"name": "Acme"}, HTTP_IDEMPOTENCY_KEY="brand-acme")

    assert (first.status_code, again.status_code) == (201, 200)
    assert Brand.objects.count() == 1


@pytest.mark.parametrize("key", ["", " ", "x" * 256, "caf\u00e9"])
def test_a_malformed_key_is_400(integration: APIClient, key: str) -> None:
    campaign = make_campaign()

    response = integration.post(
        "/api/v1/spends/", {"campaign": campaign.pk, "amount": "1.00"}, HTTP_IDEMPOTENCY_KEY=key
    )

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not Spend.objects.exists()


def test_purge_command_forgets_old_keys(integration: APIClient) -> None:
    from io import StringIO

    from django.core.management import call_command

    with time_machine.travel(NOON, tick=False):
        campaign = make_campaign()
        integration.post(
            "/api/v1/spends/", {"campaign": campaign.pk, "amount": "1"}, HTTP_IDEMPOTENCY_KEY="old"
        )
    with time_machine.travel(NOON + dt.timedelta(days=4), tick=False):
        integration.post(
            "/api/v1/spends/", {"campaign": campaign.pk, "amount": "1"}, HTTP_IDEMPOTENCY_KEY="new"
        )
        call_command("purge_idempotency_keys", "--hours", "72", stdout=StringIO())

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]
