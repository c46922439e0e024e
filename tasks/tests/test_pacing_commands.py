"""``pacing_report`` and the pace columns of ``budget_status``, on the hand-computed world of
``api/tests/test_pacing_api.py`` (a Honolulu brand at noon on 2026-04-10)."""

from __future__ import annotations

import csv
import json
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from api.tests.test_pacing_api import BRAND, CAPPED, NOON, OPEN, world
from core.tests.factories import make_brand, make_campaign

pytestmark = pytest.mark.django_db


def output(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@time_machine.travel(NOON, tick=False)
def test_pacing_report_json_is_the_api_block_of_the_brand_and_its_campaigns(admin_client: Client) -> None:
    # given
    seen = world()
    make_brand(name="Elsewhere")

    # when
    shown = json.loads(output("pacing_report", "--brand", "Aloha", "--campaigns", "--format", "json"))
    api = admin_client.get(f"/api/v1/brands/{seen['brand'].pk}/budget/").json()

    # then
    assert shown["at"] == NOON.isoformat()
    [aloha] = shown["brands"]
    assert (aloha["id"], aloha["name"], aloha["timezone"], aloha["currency"]) == (
        seen["brand"].pk,
        "Aloha",
        "Pacific/Honolulu",
        "USD",
    )
    assert (aloha["daily_budget"], aloha["monthly_budget"]) == ("150.00", "3000.00")
    assert aloha["pacing"] == BRAND == api["brand"]["budget"]["pacing"]
    assert [(c["name"], c["pacing"]) for c in aloha["campaigns"]] == [("Capped", CAPPED), ("Open", OPEN)]
    assert [c["pacing"] for c in aloha["campaigns"]] == [c["budget"]["pacing"] for c in api["campaigns"]]
    assert aloha["campaigns"][0]["monthly_budget"] == "900.00"


@time_machine.travel(NOON, tick=False)
def test_pacing_report_without_campaigns_and_by_id() -> None:
    seen = world()

    shown = json.loads(output("pacing_report", "--brand", str(seen["brand"].pk), "--format", "json"))

    assert [(b["name"], b["pacing"]) for b in shown["brands"]] == [("Aloha", BRAND)]
    assert "campaigns" not in shown["brands"][0]


@time_machine.travel(NOON, tick=False)
def test_pacing_report_csv_has_a_row_per_brand_and_campaign() -> None:
    world()

    rows = list(csv.DictReader(StringIO(output("pacing_report", "--campaigns", "--format", "csv"))))

    assert [(row["brand"], row["campaign"]) for row in rows] == [
        ("Aloha", ""),
        ("Aloha", "Capped"),
        ("Aloha", "Open"),
    ]
    assert {key: rows[0][key] for key in ("status", "month_pace", "projected_exhaustion")} == {
        "status": "on_pace",
        "month_pace": "0.932",
        "projected_exhaustion": "2026-04-29",
    }
    assert rows[1]["projected_monthly_spend"] == "1200.00"
    assert (rows[1]["daily_budget"], rows[1]["monthly_budget"]) == ("50.00", "900.00")
    assert (rows[2]["status"], rows[2]["month_pace"], rows[2]["expected_monthly_spend"]) == (
        "no_budget",
        "",
        "",
    )
    assert rows[2]["run_rate_daily"] == "71.43"


@time_machine.travel(NOON, tick=False)
def test_pacing_report_table() -> None:
    world()

    lines = output("pacing_report", "--campaigns").splitlines()

    assert lines[0].split()[:4] == ["BRAND", "/", "CAMPAIGN", "STATUS"]
    brand = lines[1].split()
    assert brand[:2] == ["Aloha", "(Pacific/Honolulu)"]
    assert brand[2:11] == [
        "on_pace",
        "0.932",
        "0.317",
        "950.00",
        "111.43",
        "3,200.03",
        "2026-04-29",
        "0.500",
        "75.00",
    ]
    assert lines[2].split()[:3] == ["Capped", "over_pace", "1.351"]
    assert lines[3].split()[:4] == ["Open", "no_budget", "-", "0.317"]


def test_pacing_report_refuses_unknown_brands_formats_and_moments() -> None:
    make_brand(name="Known")
    with pytest.raises(CommandError, match="Unknown brand 'Nope'"):
        output("pacing_report", "--brand", "Known", "--brand", "Nope")
    with pytest.raises(CommandError, match="Unknown brand '999999'"):
        output("pacing_report", "--brand", "999999")
    with pytest.raises(CommandError):
        output("pacing_report", "--format", "xml")
    with pytest.raises(CommandError, match="--at"):
        output("pacing_report", "--at", "yesterday")


def test_pacing_report_at_a_given_moment() -> None:
    with time_machine.travel(NOON, tick=False):
        world()

    shown = json.loads(output("pacing_report", "--at", "2026-04-25T22:00:00+00:00", "--format", "json"))

    # April 25, 12:00 in Honolulu: 24.5 of 30 days gone; nothing spent since the 10th.
    assert shown["brands"][0]["pacing"]["month_elapsed"] == 0.817
    assert shown["brands"][0]["pacing"]["run_rate_daily"] == "0.00"


@pytest.mark.parametrize("count", [2, 10])
@time_machine.travel(NOON, tick=False)
def test_pacing_report_reads_in_three_queries(count: int, django_assert_num_queries: Any) -> None:
    for n in range(count):
        make_campaign(brand=make_brand(name=f"B{n}"))

    with django_assert_num_queries(3):  # brands, campaigns, their rollups
        shown = json.loads(output("pacing_report", "--campaigns", "--format", "json"))

    assert len(shown["brands"]) == count


# --- budget_status ----------------------------------------------------------------------------


@time_machine.travel(NOON, tick=False)
def test_budget_status_shows_pace_and_projection_in_each_format() -> None:
    world()

    table = output("budget_status", "--brand", "Aloha").splitlines()
    rows = list(csv.DictReader(StringIO(output("budget_status", "--brand", "Aloha", "--format", "csv"))))
    shown = json.loads(output("budget_status", "--brand", "Aloha", "--format", "json"))

    header = table[0]
    for title in ("PACE", "PACING", "PROJECTED", "EXHAUSTS"):
        assert title in header.split()
    brand_line = table[1].split()
    assert brand_line[-5:] == ["0.932", "on_pace", "3,200.03", "2026-04-29", "USD"]
    capped = next(line for line in table if "Capped" in line).split()
    assert capped[-5:] == ["1.351", "over_pace", "1,200.00", "2026-04-23", "USD"]
    uncapped = next(line for line in table if "Open" in line).split()
    assert uncapped[-5:] == ["-", "no_budget", "2,000.03", "-", "USD"]

    pace = ("month_pace", "pacing_status", "projected_monthly_spend", "projected_exhaustion")
    assert [tuple(row[key] for key in pace) for row in rows] == [
        ("0.932", "on_pace", "3,200.03", "2026-04-29"),
        ("1.351", "over_pace", "1,200.00", "2026-04-23"),
        ("", "no_budget", "2,000.03", ""),
    ]

    [aloha] = shown["brands"]
    assert aloha["budget"]["pacing"] == BRAND
    assert [c["budget"]["pacing"] for c in aloha["campaigns"]] == [CAPPED, OPEN]
