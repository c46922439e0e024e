"""A brand's alert settings through the API: read, POST, PUT and PATCH, strict parsing, the
events' ``changes``, and a budget raised or lowered through the API re-arming its alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from brands.models import Brand
from core.alerts import AlertSettingError, parse_alert_emails, parse_alert_thresholds
from core.tests.factories import make_brand, make_campaign
from events.selectors import event_log
from spending.services import spend_record

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 21, 17, 0, tzinfo=dt.UTC)


def test_a_new_brand_has_the_default_thresholds_and_no_addresses(ops: APIClient) -> None:
    body = ops.post("/api/v1/brands/", {"name": "Acme"}, format="json").json()

    assert (body["alert_thresholds"], body["alert_emails"]) == ([50, 80, 100], [])
    created = event_log(types=["brand.created"]).get()
    assert created.data["changes"]["alert_thresholds"] == [None, [50, 80, 100]]


def test_post_put_and_patch_store_the_settings_sorted(ops: APIClient) -> None:
    created = ops.post(
        "/api/v1/brands/",
        {"name": "Acme", "alert_thresholds": [100, 75], "alert_emails": ["ops@example.com"]},
        format="json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["alert_thresholds"] == [75, 100]

    patched = ops.patch(f"/api/v1/brands/{pk}/", {"alert_thresholds": []}, format="json")
    assert patched.status_code == 200, patched.json()
    assert patched.json()["alert_thresholds"] == []
    assert patched.json()["alert_emails"] == ["ops@example.com"]

    put = ops.put(f"/api/v1/brands/{pk}/", {"name": "Acme", "alert_emails": ["a@example.com"]}, format="json")
    assert put.status_code == 200, put.json()
    assert (put.json()["alert_thresholds"], put.json()["alert_emails"]) == ([50, 80, 100], ["a@example.com"])
    brand = Brand.objects.get(pk=pk)
    assert (brand.alert_thresholds, brand.alert_emails) == ([50, 80, 100], ["a@example.com"])
    changes = [e.data["changes"] for e in event_log(types=["brand.updated"])]
    assert changes == [
        {"alert_thresholds": [[75, 100], []]},
        {"alert_thresholds": [[], [50, 80, 100]], "alert_emails": [["ops@example.com"], ["a@example.com"]]},
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("alert_thresholds", [True]),
        ("alert_thresholds", ["50"]),
        ("alert_thresholds", [50.5]),
        ("alert_thresholds", [0]),
        ("alert_thresholds", [1001]),
        ("alert_thresholds", [50, 50]),
        ("alert_thresholds", list(range(1, 12))),
        ("alert_thresholds", "50,80"),
        ("alert_thresholds", None),
        ("alert_emails", ["not an address"]),
        ("alert_emails", ["a@example.com", "A@example.com"]),
        ("alert_emails", [f"u{i}@example.com" for i in range(21)]),
        ("alert_emails", [1]),
        ("alert_emails", "a@example.com"),
        ("alert_emails", [" a@example.com"]),
    ],
)
def test_bad_settings_answer_400_and_change_nothing(ops: APIClient, field: str, value: Any) -> None:
    brand = make_brand()

    response = ops.patch(f"/api/v1/brands/{brand.pk}/", {field: value}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    brand.refresh_from_db()
    assert (brand.alert_thresholds, brand.alert_emails) == ([50, 80, 100], [])


@given(
    st.lists(st.one_of(st.integers(-5, 1005), st.booleans(), st.floats(), st.text(max_size=3)), max_size=12)
)
@settings(max_examples=200)
def test_thresholds_parse_to_distinct_integers_in_range_sorted(value: list[Any]) -> None:
    try:
        parsed = parse_alert_thresholds(value)
    except AlertSettingError:
        valid = (
            len(value) <= 10
            and all(type(v) is int and 1 <= v <= 1000 for v in value)
            and len(set(value)) == len(value)
        )
        assert not valid
    else:
        assert parsed == sorted(value)
        assert all(type(v) is int for v in parsed)


@given(st.lists(st.emails(), max_size=22))
@settings(max_examples=100)
def test_emails_parse_or_say_why(value: list[str]) -> None:
    try:
        parsed = parse_alert_emails(value)
    except AlertSettingError:
        assert (
            len(value) > 20
            or len({v.lower() for v in value}) < len(value)
            or not all(map(_django_valid, value))
        )
    else:
        assert parsed == value


def _django_valid(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return len(address) <= 254


@time_machine.travel(NOON, tick=False)
def test_a_budget_lowered_through_the_api_alerts_as_the_token(ops: APIClient) -> None:
    brand = make_brand(daily_budget=Decimal("100.00"))
    spend_record(campaign_id=make_campaign(brand=brand).pk, amount="60.00")

    response = ops.patch(f"/api/v1/brands/{brand.pk}/", {"daily_budget": "70.00"}, format="json")

    assert response.status_code == 200, response.json()
    events = list(event_log(types=["budget.threshold_reached"]))
    assert [(e.data["threshold"], e.actor_kind) for e in events] == [(50, "system"), (80, "token")]
    assert events[1].data["budget"] == "70.00"
