"""Bad input, table-driven: each malformed request answers 400 naming the field or the
query parameter, and writes nothing (every table is compared before and after).

Covers types, decimals, sizes, enums, unknown ids, bad time zones, invalid windows,
malformed JSON and oversize bulk, across every resource that takes input; and issue 11's
cases: amounts that are not plain ASCII decimals, unknown and read-only fields on every
write (POST, PUT, PATCH, nested windows, bulk items), NUL, control characters and lone
surrogates in text, currencies outside ISO 4217, host-dependent time zones, times that are
not HH:MM, and query parameters that do not parse.
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
from spending.models import (
    BrandDailySpend,
    BrandMonthlySpend,
    CampaignDailySpend,
    CampaignMonthlySpend,
    Spend,
)

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


# Amounts the parser refuses (issue 11): exponent, separators, non-ASCII digits, signs,
# spaces, a dangling point, a third decimal.
BAD_AMOUNTS = [
    "1e3",
    "1E3",
    "1_000",
    "1,000",
    "\u0661\u0662",
    "\uff11.00",
    "+1.00",
    " 1.00",
    "1.00 ",
    "5.",
    ".5",
    "1.000",
    "0x10",
    "1.00\n",
]

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
    # Issue 11: amounts are ASCII digits with at most two decimals, nothing else
    *[
        Case(f"spend amount {text!r}", "post", "/api/v1/spends/", spend(amount=text), "amount")
        for text in BAD_AMOUNTS
    ],
    *[
        Case(
            f"bulk amount {text!r}",
            "post",
            "/api/v1/spends/bulk/",
            {"spends": [spend(amount=text)]},
            "spends",
        )
        for text in ("1e3", "\u0661\u0662", "+1.00", "5.")
    ],
    Case("budget exponent", "post", "/api/v1/brands/", {"name": "A", "daily_budget": "1e3"}, "daily_budget"),
    Case(
        "budget arabic digits",
        "patch",
        "/api/v1/brands/{brand}/",
        {"daily_budget": "\u0661\u0662"},
        "daily_budget",
    ),
    Case(
        "budget full-width digits",
        "patch",
        "/api/v1/campaigns/{campaign}/",
        {"monthly_budget": "\uff11.00"},
        "monthly_budget",
    ),
    Case(
        "budget underscore",
        "put",
        "/api/v1/brands/{brand}/",
        {"name": "Existing", "daily_budget": "1_000"},
        "daily_budget",
    ),
    Case("budget as integer", "post", "/api/v1/brands/", {"name": "A", "daily_budget": 10}, "daily_budget"),
    Case("spend amount as integer", "post", "/api/v1/spends/", spend(amount=12), "amount"),
    # Unknown (or read-only) fields, on every write
    Case(
        "brand typo on POST",
        "post",
        "/api/v1/brands/",
        {"name": "A", "daily_budjet": "10.00"},
        "daily_budjet",
    ),
    Case(
        "brand typo on PUT",
        "put",
        "/api/v1/brands/{brand}/",
        {"name": "B", "monthly_budjet": "1.00"},
        "monthly_budjet",
    ),
    Case("brand typo on PATCH", "patch", "/api/v1/brands/{brand}/", {"daily_budjet": "1.00"}, "daily_budjet"),
    Case("brand id on PATCH", "patch", "/api/v1/brands/{brand}/", {"id": 5}, "id"),
    Case(
        "campaign typo on POST",
        "post",
        "/api/v1/campaigns/",
        {"brand": "{brand}", "name": "C", "dailybudget": "1.00"},
        "dailybudget",
    ),
    Case(
        "campaign typo on PUT",
        "put",
        "/api/v1/campaigns/{campaign}/",
        {"name": "C", "status": "draft", "extra": 1},
        "extra",
    ),
    Case(
        "campaign is_active on PATCH",
        "patch",
        "/api/v1/campaigns/{campaign}/",
        {"is_active": False},
        "is_active",
    ),
    Case(
        "schedule typo on POST",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "windows": [GOOD_WINDOW], "tz": "UTC"},
        "tz",
    ),
    Case(
        "window typo",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "windows": [{**GOOD_WINDOW, "days": [1]}]},
        "windows",
    ),
    Case(
        "window typo on PATCH",
        "patch",
        "/api/v1/schedules/{schedule}/",
        {"windows": [{**GOOD_WINDOW, "start": "1"}]},
        "windows",
    ),
    Case("spend typo", "post", "/api/v1/spends/", spend(ammount="1.00"), "ammount"),
    Case(
        "bulk item typo", "post", "/api/v1/spends/bulk/", {"spends": [spend(), spend(extra=True)]}, "spends"
    ),
    Case(
        "bulk envelope typo",
        "post",
        "/api/v1/spends/bulk/",
        {"spends": [spend()], "dry_run": True},
        "dry_run",
    ),
    Case("bulk item not an object", "post", "/api/v1/spends/bulk/", {"spends": [spend(), "x"]}, "spends"),
    Case("activate with a body", "post", "/api/v1/campaigns/{campaign}/activate/", {"force": True}, "force"),
    # Text: NUL, control characters, lone surrogates
    Case("description NUL", "post", "/api/v1/spends/", spend(description="a\u0000b"), "description"),
    Case("source NUL", "post", "/api/v1/spends/", spend(source="g\u0000"), "source"),
    Case("external_id NUL", "post", "/api/v1/spends/", spend(external_id="x\u0000"), "external_id"),
    Case("description lone surrogate", "post", "/api/v1/spends/", spend(description="\ud800"), "description"),
    Case(
        "external_id lone surrogate", "post", "/api/v1/spends/", spend(external_id="a\udfff"), "external_id"
    ),
    Case(
        "description escape character",
        "post",
        "/api/v1/spends/",
        spend(description="\u001b[2J"),
        "description",
    ),
    Case("source with newline", "post", "/api/v1/spends/", spend(source="gads\nforged"), "source"),
    Case(
        "bulk description NUL",
        "post",
        "/api/v1/spends/bulk/",
        {"spends": [spend(description="\u0000")]},
        "spends",
    ),
    Case("brand name lone surrogate", "post", "/api/v1/brands/", {"name": "\udc00"}, "name"),
    Case("campaign name control", "patch", "/api/v1/campaigns/{campaign}/", {"name": "a\u0007"}, "name"),
    Case(
        "schedule name NUL",
        "post",
        "/api/v1/schedules/",
        {"name": "\u0000", "windows": [GOOD_WINDOW]},
        "name",
    ),
    # Types where the schema names one
    Case("campaign id as string", "post", "/api/v1/spends/", spend(campaign="1"), "campaign"),
    Case("campaign id as float", "post", "/api/v1/spends/", spend(campaign=1.0), "campaign"),
    Case("brand id as string", "post", "/api/v1/campaigns/", {"brand": "1", "name": "C"}, "brand"),
    Case("is_active as string", "patch", "/api/v1/brands/{brand}/", {"is_active": "true"}, "is_active"),
    Case(
        "is_active as 1",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "windows": [GOOD_WINDOW], "is_active": 1},
        "is_active",
    ),
    Case("name as number", "post", "/api/v1/brands/", {"name": 12}, "name"),
    Case(
        "weekday as string",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "windows": [{**GOOD_WINDOW, "days_of_week": ["1"]}]},
        "windows",
    ),
    Case("spend date basic format", "post", "/api/v1/spends/", spend(date="20261118"), "date"),
    Case("spend date with time", "post", "/api/v1/spends/", spend(date="2026-11-18T00:00:00"), "date"),
    Case("description null", "post", "/api/v1/spends/", spend(description=None), "description"),
    Case("external_id blank", "post", "/api/v1/spends/", spend(external_id=" "), "external_id"),
    # Currencies, time zones, schedule times
    Case("currency not ISO 4217", "post", "/api/v1/brands/", {"name": "A", "currency": "XYZ"}, "currency"),
    Case("currency testing code", "post", "/api/v1/brands/", {"name": "A", "currency": "XTS"}, "currency"),
    Case("currency with space", "patch", "/api/v1/brands/{brand}/", {"currency": " USD"}, "currency"),
    Case(
        "time zone localtime", "post", "/api/v1/brands/", {"name": "A", "timezone": "localtime"}, "timezone"
    ),
    Case("time zone Factory", "patch", "/api/v1/brands/{brand}/", {"timezone": "Factory"}, "timezone"),
    Case(
        "time zone posix",
        "post",
        "/api/v1/brands/",
        {"name": "A", "timezone": "posix/Europe/Paris"},
        "timezone",
    ),
    Case(
        "time zone wrong case",
        "post",
        "/api/v1/brands/",
        {"name": "A", "timezone": "europe/paris"},
        "timezone",
    ),
    Case(
        "schedule time zone localtime",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "timezone": "localtime", "windows": [GOOD_WINDOW]},
        "timezone",
    ),
    Case(
        "time 9:00",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "windows": [{**GOOD_WINDOW, "start_time": "9:00"}]},
        "windows",
    ),
    Case(
        "time with seconds",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "windows": [{**GOOD_WINDOW, "end_time": "17:00:00"}]},
        "windows",
    ),
    Case(
        "time 24:00",
        "post",
        "/api/v1/schedules/",
        {"name": "S", "windows": [{**GOOD_WINDOW, "end_time": "24:00"}]},
        "windows",
    ),
    # Query parameters
    Case("is_active maybe", "get", "/api/v1/brands/?is_active=maybe", None, "is_active"),
    Case("is_active empty", "get", "/api/v1/campaigns/?is_active=", None, "is_active"),
    Case("unknown ordering", "get", "/api/v1/brands/?ordering=anything", None, "ordering"),
    Case("ordering on a hidden column", "get", "/api/v1/spends/?ordering=external_id", None, "ordering"),
    Case("page_size null", "get", "/api/v1/brands/?page_size=null", None, "page_size"),
    Case("page_size zero", "get", "/api/v1/spends/?page_size=0", None, "page_size"),
    Case("page_size over 500", "get", "/api/v1/schedules/?page_size=501", None, "page_size"),
    Case("page not a number", "get", "/api/v1/campaigns/?page=first", None, "page"),
    Case("page zero", "get", "/api/v1/brands/?page=0", None, "page"),
    Case("brand filter not an id", "get", "/api/v1/campaigns/?brand=1.0", None, "brand"),
    Case("campaign filter arabic digit", "get", "/api/v1/spends/?campaign=%D9%A1", None, "campaign"),
    Case("date filter US format", "get", "/api/v1/spends/?date_after=11/18/2026", None, "date_after"),
    Case("status filter empty", "get", "/api/v1/campaigns/?status=", None, "status"),
    Case("pause_reason filter unknown", "get", "/api/v1/campaigns/?pause_reason=tired", None, "pause_reason"),
    Case("events page not a number", "get", "/api/v1/campaigns/{campaign}/events/?page=x", None, "page"),
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
        CampaignMonthlySpend,
        BrandMonthlySpend,
        IdempotencyKey,
    )
    return [list(model._default_manager.order_by("pk").values()) for model in models]


def test_there_are_at_least_60_cases() -> None:
    assert len(CASES) >= 60
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

    if case.method == "get":
        response = ops.get(path)
    elif isinstance(case.body, tuple) and case.body[0] is RAW:
        response = getattr(ops, case.method)(path, case.body[1], content_type="application/json")
    else:
        body = json.dumps(_fill(case.body, ids))
        response = getattr(ops, case.method)(path, body, content_type="application/json")

    assert response.status_code == 400, response.content
    errors = response.json()
    assert case.field in errors, errors
    assert errors[case.field], errors
    assert _database() == before
