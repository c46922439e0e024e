"""The pacing block in every brand and campaign of the API, and the pacing filters of lists.

Time is frozen at noon in Honolulu (UTC-10, no DST) on Friday 2026-04-10: 9 days and 12 hours
of April's 30 are gone, ``month_elapsed = 13680 / 43200 = 0.317`` (0.31666...), and half of
the day. Every figure below is computed by hand from the spends written in ``world``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from access.models import Team
from brands.models import Brand
from campaigns.models import Campaign
from core.tests.factories import make_brand, make_campaign
from spending.services import SpendInput, spend_record_many

from .conftest import CLIENTS_TEAM, clients_team_holds

pytestmark = pytest.mark.django_db
D = Decimal
ZONE = "Pacific/Honolulu"
CREATED = dt.datetime(2026, 4, 1, 10, 0, tzinfo=dt.UTC)  # April 1, 00:00 in Honolulu
NOON = dt.datetime(2026, 4, 10, 22, 0, tzinfo=dt.UTC)  # April 10, 12:00 in Honolulu
APRIL = dt.date(2026, 4, 1)


def day(n: int) -> dt.date:
    return APRIL.replace(day=n)


def spend(campaign: Campaign, amounts: dict[int, str]) -> None:
    """Spend of April days (local dates) recorded through the spend service."""
    spend_record_many(
        items=[SpendInput(campaign.pk, amount, day(n)) for n, amount in amounts.items()], moment=NOON
    )


def world() -> dict[str, Any]:
    """A brand of Honolulu with two campaigns, created on April 1 (local).

    Campaign "Capped" (daily 50, monthly 900): 40.00 on each of April 1-9, 25.00 today.
    Campaign "Open" (no caps): 100.00 on each of April 5-9, nothing today.
    Brand (daily 150, monthly 3000): the sum: 40 on April 1-4, 140 on April 5-9, 25 today.
    """
    with time_machine.travel(CREATED, tick=False):
        brand = make_brand(name="Aloha", timezone=ZONE, daily_budget=D("150.00"), monthly_budget=D("3000.00"))
        capped = make_campaign(
            brand=brand, name="Capped", daily_budget=D("50.00"), monthly_budget=D("900.00")
        )
        uncapped = make_campaign(brand=brand, name="Open")
    with time_machine.travel(NOON, tick=False):
        spend(capped, {**dict.fromkeys(range(1, 10), "40.00"), 10: "25.00"})
        spend(uncapped, dict.fromkeys(range(5, 10), "100.00"))
    return {"brand": brand, "capped": capped, "open": uncapped}


# Month-to-date 40 x 9 + 25 = 385; expected 900 x 13680 / 43200 = 285.00; pace 385 / 285 =
# 1.3508 (over); the week before today (April 3-9) averages 40.00; projection 385 + 40 x 20
# days left + (40 - 25) = 1200.00; it reaches 900 when 400 + 40k >= 900: k = 13, April 23.
CAPPED = {
    "month_elapsed": 0.317,
    "expected_monthly_spend": "285.00",
    "month_pace": 1.351,
    "status": "over_pace",
    "run_rate_daily": "40.00",
    "projected_monthly_spend": "1200.00",
    "projected_exhaustion": "2026-04-23",
    "day_elapsed": 0.5,
    "expected_daily_spend": "25.00",
    "run_rate_days": 7,
}
# No cap: no_budget; the week averages (2 x 0 + 5 x 100) / 7 = 71.43; projection 500 +
# 71.43 x 20 + 71.43 = 2000.03.
OPEN = {
    "month_elapsed": 0.317,
    "expected_monthly_spend": None,
    "month_pace": None,
    "status": "no_budget",
    "run_rate_daily": "71.43",
    "projected_monthly_spend": "2000.03",
    "projected_exhaustion": None,
    "day_elapsed": 0.5,
    "expected_daily_spend": None,
    "run_rate_days": 7,
}
# Month-to-date 385 + 500 = 885; expected 3000 x 0.31666 = 950.00; pace 0.9316 (on pace);
# the week: (2 x 40 + 5 x 140) / 7 = 111.43; projection 885 + 111.43 x 20 + (111.43 - 25) =
# 3200.03; today ends at 971.43, then (3000 - 971.43) / 111.43 = 18.2 days: April 29.
BRAND = {
    "month_elapsed": 0.317,
    "expected_monthly_spend": "950.00",
    "month_pace": 0.932,
    "status": "on_pace",
    "run_rate_daily": "111.43",
    "projected_monthly_spend": "3200.03",
    "projected_exhaustion": "2026-04-29",
    "day_elapsed": 0.5,
    "expected_daily_spend": "75.00",
    "run_rate_days": 7,
}


@time_machine.travel(NOON, tick=False)
def test_detail_of_a_brand_and_of_its_campaigns_hand_computed(reader: APIClient) -> None:
    # given
    seen = world()

    # when
    brand = reader.get(f"/api/v1/brands/{seen['brand'].pk}/").json()
    capped = reader.get(f"/api/v1/campaigns/{seen['capped'].pk}/").json()
    uncapped = reader.get(f"/api/v1/campaigns/{seen['open'].pk}/").json()

    # then
    assert (brand["budget"]["date"], brand["budget"]["monthly_spend"]) == ("2026-04-10", "885.00")
    assert brand["budget"]["pacing"] == BRAND
    assert capped["budget"]["pacing"] == CAPPED
    assert uncapped["budget"]["pacing"] == OPEN


@time_machine.travel(NOON, tick=False)
def test_lists_and_the_budget_view_show_the_same_blocks(reader: APIClient) -> None:
    seen = world()

    brands = reader.get("/api/v1/brands/").json()["results"]
    campaigns = reader.get("/api/v1/campaigns/", {"ordering": "name"}).json()["results"]
    budget = reader.get(f"/api/v1/brands/{seen['brand'].pk}/budget/").json()

    assert [b["budget"]["pacing"] for b in brands] == [BRAND]
    assert [c["budget"]["pacing"] for c in campaigns] == [CAPPED, OPEN]
    assert budget["brand"]["budget"]["pacing"] == BRAND
    assert [c["budget"]["pacing"] for c in budget["campaigns"]] == [CAPPED, OPEN]


@time_machine.travel(NOON, tick=False)
def test_far_zones_pace_in_their_own_month(reader: APIClient) -> None:
    """At 2026-01-31 22:00 UTC it is January 31, 12:00 in Honolulu and February 1, 12:00 in
    Kiritimati (UTC+14): the same spend is late January for one, a new month for the other."""
    moment = dt.datetime(2026, 1, 31, 22, 0, tzinfo=dt.UTC)
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        honolulu = make_brand(name="H", timezone=ZONE, monthly_budget=D("3100.00"))
        kiritimati = make_brand(name="K", timezone="Pacific/Kiritimati", monthly_budget=D("2800.00"))
        campaigns = [make_campaign(brand=brand) for brand in (honolulu, kiritimati)]
    with time_machine.travel(moment, tick=False):
        spend_record_many(
            items=[SpendInput(c.pk, "70.00", dt.date(2026, 1, 30)) for c in campaigns], moment=moment
        )
        listed = {b["name"]: b["budget"] for b in reader.get("/api/v1/brands/").json()["results"]}

    # Honolulu: 30.5 of 31 days gone, expected 3050.00, 70.00 spent in January.
    assert listed["H"]["date"] == "2026-01-31"
    assert listed["H"]["pacing"]["month_elapsed"] == 0.984
    assert listed["H"]["pacing"]["expected_monthly_spend"] == "3050.00"
    assert listed["H"]["pacing"]["status"] == "under_pace"
    # Kiritimati: half a day of February's 28 gone (1/56), expected 50.00, nothing spent yet
    # this month; the week before (Jan 25-31) averages 70 / 7 = 10.00: 27 days x 10 + 10 = 280.
    assert listed["K"]["date"] == "2026-02-01"
    assert listed["K"]["pacing"] == {
        "month_elapsed": 0.018,
        "expected_monthly_spend": "50.00",
        "month_pace": 0.0,
        "status": "under_pace",
        "run_rate_daily": "10.00",
        "projected_monthly_spend": "280.00",
        "projected_exhaustion": None,
        "day_elapsed": 0.5,
        "expected_daily_spend": None,
        "run_rate_days": 7,
    }


@time_machine.travel(NOON, tick=False)
def test_every_write_answers_with_the_pacing_block(ops: APIClient) -> None:
    seen = world()
    brand, capped = seen["brand"], seen["capped"]

    created = ops.post(
        "/api/v1/brands/", {"name": "New", "timezone": ZONE, "monthly_budget": "1000.00"}, format="json"
    )
    put = ops.put(
        f"/api/v1/brands/{brand.pk}/",
        {"name": "Aloha", "timezone": ZONE, "daily_budget": "150.00", "monthly_budget": "3000.00"},
        format="json",
    )
    # A lower monthly cap: 885 of 885 is used up.
    patched = ops.patch(f"/api/v1/brands/{brand.pk}/", {"monthly_budget": "885.00"}, format="json")
    new_campaign = ops.post(
        "/api/v1/campaigns/",
        {"brand": brand.pk, "name": "Late", "monthly_budget": "100.00"},
        format="json",
    )
    campaign_patch = ops.patch(
        f"/api/v1/campaigns/{capped.pk}/", {"monthly_budget": "2000.00"}, format="json"
    )
    campaign_put = ops.put(
        f"/api/v1/campaigns/{capped.pk}/",
        {"name": "Capped", "status": "active", "daily_budget": "50.00", "monthly_budget": "900.00"},
        format="json",
    )
    paused = ops.post(f"/api/v1/campaigns/{capped.pk}/pause/")
    activated = ops.post(f"/api/v1/campaigns/{capped.pk}/activate/")

    # then: each response's block, at the request's moment
    assert created.status_code == 201
    assert created.json()["budget"]["pacing"]["status"] == "under_pace"  # nothing spent, 0.317 gone
    assert created.json()["budget"]["pacing"]["run_rate_days"] == 0  # created today
    assert put.json()["budget"]["pacing"] == BRAND
    assert patched.json()["budget"]["pacing"]["status"] == "exhausted"
    assert patched.json()["budget"]["pacing"]["projected_exhaustion"] == "2026-04-10"
    assert new_campaign.status_code == 201
    assert new_campaign.json()["budget"]["pacing"]["expected_monthly_spend"] == "31.67"
    # 385 of an expected 2000 x 0.31666 = 633.33: pace 0.608; 400 + 40k >= 2000 takes 40 days.
    assert campaign_patch.json()["budget"]["pacing"]["month_pace"] == 0.608
    assert campaign_patch.json()["budget"]["pacing"]["projected_exhaustion"] is None
    for response in (campaign_put, paused, activated):
        assert response.status_code == 200, response.json()
        assert response.json()["budget"]["pacing"] == CAPPED


# --- Filters ------------------------------------------------------------------------------


def filter_world() -> dict[str, Brand]:
    """Honolulu brands created on April 1 (local), one per case, with a campaign each whose
    caps are the brand's (so that brand and campaign lists filter alike)."""
    cases: dict[str, tuple[str | None, str | None, dict[int, str]]] = {
        # name: (daily cap, monthly cap, spend by April day)
        "Under": (None, "3000.00", {10: "10.00"}),  # pace 10 / 950 = 0.011; used 0.33%
        "Over": (None, "1000.00", {9: "500.00"}),  # pace 1.579; used 50%; exhausts April 16
        "Exhausted": (None, "200.00", {9: "200.00"}),  # used 100%; exhaustion today
        "Uncapped": (None, None, {10: "50.00"}),  # no_budget, no cap: never "used"
        "Daily only": ("100.00", None, {10: "85.00"}),  # no_budget, 85% of today's cap
        "On": ("150.00", "3000.00", {**dict.fromkeys(range(1, 10), "100.00"), 10: "50.00"}),
        # On: 950 of an expected 950.00, pace 1.0; used max(50/150, 950/3000) = 33.3%;
        # 100/day: today ends at 1000, + 100k >= 3000 takes 20 days: April 30.
    }
    brands: dict[str, Brand] = {}
    with time_machine.travel(CREATED, tick=False):
        for name, (daily, monthly, _) in cases.items():
            budgets = {
                "daily_budget": None if daily is None else D(daily),
                "monthly_budget": None if monthly is None else D(monthly),
            }
            brands[name] = make_brand(name=name, timezone=ZONE, **budgets)
            make_campaign(brand=brands[name], name=name, **budgets)
    with time_machine.travel(NOON, tick=False):
        for name, (_, _, amounts) in cases.items():
            spend(Campaign.objects.get(brand=brands[name]), amounts)
    return brands


def names(client: APIClient, path: str, **query: Any) -> list[str]:
    response = client.get(path, {"ordering": "name", **query})
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


FILTERS = [
    ({"pacing": "under_pace"}, ["Under"]),
    ({"pacing": "on_pace"}, ["On"]),
    ({"pacing": "over_pace,exhausted"}, ["Exhausted", "Over"]),
    ({"pacing": ["over_pace", "exhausted"]}, ["Exhausted", "Over"]),
    ({"pacing": ["exhausted", "no_budget,under_pace"]}, ["Daily only", "Exhausted", "Uncapped", "Under"]),
    ({"pacing": "no_budget"}, ["Daily only", "Uncapped"]),
    ({"used_at_least": "80"}, ["Daily only", "Exhausted"]),
    ({"used_at_least": "50"}, ["Daily only", "Exhausted", "Over"]),
    ({"used_at_least": "50.01"}, ["Daily only", "Exhausted"]),
    ({"used_at_least": "0"}, ["Daily only", "Exhausted", "On", "Over", "Under"]),
    ({"used_at_least": "1e2"}, ["Exhausted"]),
    ({"projected_to_exhaust": "true"}, ["Exhausted", "On", "Over"]),
    ({"projected_to_exhaust": "false"}, ["Daily only", "Uncapped", "Under"]),
    ({"pacing": "over_pace,exhausted", "used_at_least": "80"}, ["Exhausted"]),
    ({"pacing": "no_budget", "projected_to_exhaust": "true"}, []),
    ({"pacing": "on_pace,under_pace", "projected_to_exhaust": "true"}, ["On"]),
    ({"used_at_least": "30", "search": "o"}, ["Daily only", "On", "Over"]),
]


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize(("query", "expected"), FILTERS)
@pytest.mark.parametrize("path", ["/api/v1/brands/", "/api/v1/campaigns/"])
def test_filters_keep_the_owners_that_match(
    reader: APIClient, path: str, query: dict[str, Any], expected: list[str]
) -> None:
    filter_world()

    assert names(reader, path, **query) == expected


@time_machine.travel(NOON, tick=False)
def test_filters_combine_with_scope_other_filters_ordering_pages_and_counts(reader: APIClient) -> None:
    # given: "Over" leaves the reader's team; "Exhausted" is inactive
    brands = filter_world()
    Team.objects.get(name=CLIENTS_TEAM).brands.remove(brands["Over"])
    Brand.objects.filter(pk=brands["Exhausted"].pk).update(is_active=False)
    query: dict[str, Any] = {"used_at_least": "0", "ordering": "-name", "page_size": 2}

    # when
    first = reader.get("/api/v1/brands/", query).json()
    second = reader.get("/api/v1/brands/", {**query, "page": 2}).json()
    active = reader.get("/api/v1/brands/", {**query, "is_active": "true"}).json()
    of_brand = reader.get(
        "/api/v1/campaigns/", {"brand": str(brands["On"].pk), "projected_to_exhaust": "true"}
    ).json()
    hidden = reader.get("/api/v1/campaigns/", {"brand": str(brands["Over"].pk), "pacing": "over_pace"}).json()

    # then: counts and pages are of the filtered set in scope
    assert first["count"] == 4
    assert [b["name"] for b in first["results"]] == ["Under", "On"]
    assert [b["name"] for b in second["results"]] == ["Exhausted", "Daily only"]
    assert second["next"] is None
    assert (active["count"], [b["name"] for b in active["results"]]) == (3, ["Under", "On"])
    assert [c["name"] for c in of_brand["results"]] == ["On"]
    assert hidden["count"] == 0


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"pacing": "fast"}, "fast"),
        ({"pacing": "under_pace,Over_pace"}, "Over_pace"),
        ({"pacing": ["on_pace", "exhausted_"]}, "exhausted_"),
        ({"pacing": "under_pace,"}, "empty"),
        ({"pacing": ""}, "empty"),
        ({"used_at_least": "-1"}, "number"),
        ({"used_at_least": "eighty"}, "number"),
        ({"used_at_least": "NaN"}, "number"),
        ({"used_at_least": "Infinity"}, "number"),
        ({"used_at_least": "80%"}, "number"),
        ({"used_at_least": " 80"}, "number"),
        ({"used_at_least": "1000001"}, "number"),
        ({"used_at_least": ""}, "empty"),
        ({"projected_to_exhaust": "yes"}, "true or false"),
        ({"projected_to_exhaust": "True"}, "true or false"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/brands/", "/api/v1/campaigns/"])
def test_a_bad_filter_value_is_a_400_naming_it(
    reader: APIClient, path: str, query: dict[str, Any], named: str
) -> None:
    response = reader.get(path, query)

    assert response.status_code == 400
    [(parameter, messages)] = response.json().items()
    assert parameter == next(iter(query))
    assert named in " ".join(messages)


def count_queries(client: APIClient, path: str, query: dict[str, Any]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, query)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


def more_owners(count: int) -> None:
    """``count`` more brands (and a campaign each) over four time zones, each with spend."""
    zones = ["UTC", ZONE, "Pacific/Kiritimati", "America/New_York"]
    first = Brand.objects.filter(name__startswith="More").count()
    with time_machine.travel(CREATED, tick=False):
        brands = Brand.objects.bulk_create(
            Brand(name=f"More {n:03}", timezone=zones[n % 4], monthly_budget=D("500.00"))
            for n in range(first, first + count)
        )
        campaigns = Campaign.objects.bulk_create(
            Campaign(brand=brand, name=brand.name, status="active", monthly_budget=D("300.00"))
            for brand in brands
        )
    clients_team_holds(brands)
    # Alternately over pace and projected to exhaust (200.00 yesterday: brand pace 200 / 158.33,
    # campaign 200 / 95.00) and under pace, not projected to (20.00).
    amounts = ["200.00", "20.00"]
    spend_record_many(
        items=[SpendInput(c.pk, amounts[n % 2], day(9)) for n, c in enumerate(campaigns)], moment=NOON
    )


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize("path", ["/api/v1/brands/", "/api/v1/campaigns/"])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"pacing": "over_pace,on_pace"},
        {"used_at_least": "1", "projected_to_exhaust": "false"},
        {"pacing": "over_pace", "used_at_least": "1", "projected_to_exhaust": "true", "search": "More"},
    ],
)
def test_lists_with_pacing_take_the_same_queries_at_two_sizes(
    reader: APIClient, path: str, query: dict[str, Any]
) -> None:
    filter_world()
    more_owners(3)
    small = count_queries(reader, path, {**query, "page_size": 500})
    more_owners(40)
    large = count_queries(reader, path, {**query, "page_size": 500})

    assert small[0] == large[0]
    assert large[1] > small[1]
