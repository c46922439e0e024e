"""Bad input, table-driven: each malformed request answers 400 naming the field, writes nothing.

Covers types, decimals, sizes, enums, unknown ids, bad time zones, invalid windows,
malformed JSON and oversize bulk, across every resource that takes input.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db.models import Model
from rest_framework.test import APIClient

from api.models import IdempotencyKey
from brands.models import Brand
from campaigns.models import Campaign
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.models import Event
from scheduling.models import DaypartingSchedule, ScheduleWindow
from spending.models import BrandDailySpend, CampaignDailySpend, Spend

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
GOOD_WINDOW = {"days_of_week": [0], "start_time": "09:00", "end_time": "17:00"}
RAW = object()  # marks a body sent as raw bytes


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    body: Any
    field: str


def spend(**overrides: Any) -> dict[str, Any]:
    return {"campaign": "{campaign}", "amount": "1.00", **overrides}


CASES = [
    # Brands
    Case("brand name missing", "post", "/api/v1/brands/", {"timezone": "UTC"}, "name"),
    Case("brand name blank", "post", "/api/v1/brands/", {"name": ""}, "name"),
    Case("brand name too long", "post", "/api/v1/brands/", {"name": "x" * 201}, "name"),
    Case("brand name not text", "post", "/api/v1/brands/", {"name": ["Acme"]}, "name"),
    Case("brand name with NUL", "post", "/api/v1/brands/", {"name": "Ac\u0000me"}, "name"),
    Case("brand name taken", "post", "/api/v1/brands/", {"name": "Existing"}, "name"),
    Case(
        "unknown time zone", "post", "/api/v1/brands/", {"name": "A", "timezone": "Mars/Olympus"}, "timezone"
    ),
    Case("currency lower case", "post", "/api/v1/brands/", {"name": "A", "currency": "usd"}, "currency"),
    Case("currency too long", "post", "/api/v1/brands/", {"name": "A", "currency": "DOLLAR"}, "currency"),
    Case(
        "negative budget", "post", "/api/v1/brands/", {"name": "A", "daily_budget": "-5.00"}, "daily_budget"
    ),
    Case(
        "three decimals", "post", "/api/v1/brands/", {"name": "A", "daily_budget": "12.345"}, "daily_budget"
    ),
    Case(
        "budget not a number",
        "post",
        "/api/v1/brands/",
        {"name": "A", "daily_budget": "lots"},
        "daily_budget",
    ),
    Case(
        "budget as float", "post", "/api/v1/brands/", {"name": "A", "monthly_budget": 12.5}, "monthly_budget"
    ),
    Case("budget NaN", "patch", "/api/v1/brands/{brand}/", {"monthly_budget": "NaN"}, "monthly_budget"),
    Case(
        "budget beyond column",
        "patch",
        "/api/v1/brands/{brand}/",
        {"monthly_budget": "10000000000.00"},
        "monthly_budget",
    ),
    Case("is_active not boolean", "patch", "/api/v1/brands/{brand}/", {"is_active": "maybe"}, "is_active"),
    # Campaigns
    Case("unknown brand", "post", "/api/v1/campaigns/", {"brand": 999999, "name": "C"}, "brand"),
    Case("brand not an id", "post", "/api/v1/campaigns/", {"brand": "acme", "name": "C"}, "brand"),
    Case("brand id beyond bigint", "post", "/api/v1/campaigns/", {"brand": 2**70, "name": "C"}, "brand"),
    Case(
        "unknown status",
        "post",
        "/api/v1/campaigns/",
        {"brand": "{brand}", "name": "C", "status": "on"},
        "status",
    ),
    Case(
        "campaign budget 3 decimals",
        "post",
        "/api/v1/campaigns/",
        {"brand": "{brand}", "name": "C", "daily_budget": "0.001"},
        "daily_budget",
    ),
    Case(
        "unknown schedule",
        "post",
        "/api/v1/campaigns/",
        {"brand": "{brand}", "name": "C", "dayparting_schedule": 999999},
        "dayparting_schedule",
    ),
    Case("status enum on patch", "patch", "/api/v1/campaigns/{campaign}/", {"status": "deleted"}, "status"),
    Case(
        "negative campaign budget",
        "patch",
        "/api/v1/campaigns/{campaign}/",
        {"daily_budget": "-1"},
        "daily_budget",
    ),
    # Schedules
    Case("windows missing", "post", "/api/v1/schedules/", {"name": "S"}, "windows"),
    Case("windows empty", "post", "/api/v1/schedules/", {"name": "S", "windows": []}, "windows"),
    Case(
        "hour 25",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "windows": [{**GOOD_WINDOW, "start_time": "25:00"}]},
        "windows",
    ),
    Case(
        "start equals end",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "windows": [{**GOOD_WINDOW, "end_time": "09:00"}]},
        "windows",
    ),
    Case(
        "weekday 7",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "windows": [{**GOOD_WINDOW, "days_of_week": [7]}]},
        "windows",
    ),
    Case(
        "no weekday",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "windows": [{**GOOD_WINDOW, "days_of_week": []}]},
        "windows",
    ),
    Case(
        "schedule time zone",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "timezone": "Nowhere/City", "windows": [GOOD_WINDOW]},
        "timezone",
    ),
    Case(
        "too many windows",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "windows": [GOOD_WINDOW] * 51},
        "windows",
    ),
    Case(
        "window replaced by invalid",
        "patch",
        "/api/v1/schedules/{schedule}/",
        {"windows": [{**GOOD_WINDOW, "end_time": "9am"}]},
        "windows",
    ),
    # Spend
    Case("amount missing", "post", "/api/v1/spends/", {"campaign": "{campaign}"}, "amount"),
    Case("negative amount", "post", "/api/v1/spends/", spend(amount="-1.00"), "amount"),
    Case("zero amount", "post", "/api/v1/spends/", spend(amount="0.00"), "amount"),
    Case("amount 3 decimals", "post", "/api/v1/spends/", spend(amount="1.234"), "amount"),
    Case("amount not numeric", "post", "/api/v1/spends/", spend(amount="ten"), "amount"),
    Case("amount as float", "post", "/api/v1/spends/", spend(amount=1.5), "amount"),
    Case("amount boolean", "post", "/api/v1/spends/", spend(amount=True), "amount"),
    Case("amount beyond column", "post", "/api/v1/spends/", spend(amount="10000000000.00"), "amount"),
    Case("unknown campaign", "post", "/api/v1/spends/", spend(campaign=999999), "campaign"),
    Case("campaign not an id", "post", "/api/v1/spends/", spend(campaign=[1]), "campaign"),
    Case("date too far ahead", "post", "/api/v1/spends/", spend(date="2026-11-25"), "date"),
    Case("date malformed", "post", "/api/v1/spends/", spend(date="2026-13-01"), "date"),
    Case("date before 2000", "post", "/api/v1/spends/", spend(date="1999-12-31"), "date"),
    Case("description too long", "post", "/api/v1/spends/", spend(description="x" * 501), "description"),
    Case("external_id too long", "post", "/api/v1/spends/", spend(external_id="x" * 201), "external_id"),
    Case("source blank", "post", "/api/v1/spends/", spend(source=""), "source"),
    # Bulk
    Case("bulk empty", "post", "/api/v1/spends/bulk/", {"spends": []}, "spends"),
    Case("bulk not a list", "post", "/api/v1/spends/bulk/", {"spends": "all of them"}, "spends"),
    Case("bulk missing", "post", "/api/v1/spends/bulk/", {}, "spends"),
    Case("bulk oversize", "post", "/api/v1/spends/bulk/", {"spends": [spend()] * 1001}, "spends"),
    Case(
        "bulk one bad record",
        "post",
        "/api/v1/spends/bulk/",
        {"spends": [spend(), spend(amount="1.001")]},
        "spends",
    ),
    # Malformed JSON
    Case("malformed JSON brand", "post", "/api/v1/brands/", (RAW, b'{"name": "A",'), "non_field_errors"),
    Case("malformed JSON spend", "post", "/api/v1/spends/", (RAW, b"[1, 2"), "non_field_errors"),
    Case("JSON not an object", "post", "/api/v1/brands/", ["Acme"], "non_field_errors"),
    Case(
        "malformed JSON patch",
        "patch",
        "/api/v1/campaigns/{campaign}/",
        (RAW, b"{'a': 1}"),
        "non_field_errors",
    ),
    Case("not UTF-8", "post", "/api/v1/spends/", (RAW, b'{"amount": "\xff"}'), "non_field_errors"),
    Case(
        "nested too deeply",
        "post",
        "/api/v1/spends/",
        (RAW, b"[" * 50_000 + b"]" * 50_000),
        "non_field_errors",
    ),
    Case(
        "body too large",
        "post",
        "/api/v1/brands/",
        (RAW, b'{"name": "' + b"x" * 3_000_000 + b'"}'),
        "non_field_errors",
    ),
]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


def _database() -> list[list[dict[str, Any]]]:
    models: tuple[type[Model], ...] = (
        Brand,
        Campaign,
        Event,
        DaypartingSchedule,
        ScheduleWindow,
        Spend,
        CampaignDailySpend,
        BrandDailySpend,
        IdempotencyKey,
    )
    return [list(model._default_manager.order_by("pk").values()) for model in models]


def test_there_are_at_least_30_cases() -> None:
    assert len(CASES) >= 30
    assert len({case.name for case in CASES}) == len(CASES)


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_answers_400_naming_the_field_and_writes_nothing(ops: APIClient, case: Case) -> None:
    brand = make_brand(name="Existing", daily_budget=Decimal("10.00"))
    campaign = make_campaign(brand=brand)
    schedule = make_schedule(([0], "09:00", "17:00"))
    ids = {"brand": brand.pk, "campaign": campaign.pk, "schedule": schedule.pk}
    path = case.path.format(**ids)
    before = _database()

    if isinstance(case.body, tuple) and case.body[0] is RAW:
        response = getattr(ops, case.method)(path, case.body[1], content_type="application/json")
    else:
        body = json.dumps(_fill(case.body, ids))
        response = getattr(ops, case.method)(path, body, content_type="application/json")

    assert response.status_code == 400, response.content
    errors = response.json()
    assert case.field in errors, errors
    assert errors[case.field], errors
    assert _database() == before
