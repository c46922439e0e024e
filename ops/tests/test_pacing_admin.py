"""The console's pacing: the lists' column and filters (one query per page, the same count at
two sizes), the dashboard's "At risk" panel and the chart's expected pace, within the scope.

At NOON (18 November, UTC) 17.5 of November's 30 days are gone (0.58333): each brand below
is in UTC and spent in the 7 days before today, so its run rate is that total over 7.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from access.roles import Role
from access.tests.helpers import make_person, make_team
from api.groups import READ_ONLY
from brands.models import Brand
from campaigns.models import Campaign
from core.tests.factories import make_brand, make_campaign
from ops.tests.helpers import NOON, populate
from spending.services import SpendInput, spend_record_many

pytestmark = [pytest.mark.django_db]
BRANDS = reverse("admin:brands_brand_changelist")
CAMPAIGNS = reverse("admin:campaigns_campaign_changelist")
TODAY = NOON.date()


def _week(campaign: Campaign, amount: str) -> list[SpendInput]:
    """``amount`` on each of the 7 days before today."""
    return [SpendInput(campaign.pk, amount, TODAY - dt.timedelta(days=n)) for n in range(1, 8)]


@pytest.fixture
def world() -> dict[str, Campaign]:
    """Brands in each pacing state (see each comment) and a campaign projected to run out today."""
    with time_machine.travel(NOON, tick=False):
        # 700 of 1,000 (expected 583.33): pace 1.2, over; 800, 900, 1,000 on the 20th
        runaway = make_campaign(brand=make_brand(name="Runaway", monthly_budget=Decimal("1000.00")))
        # 350 of 600 (expected 350): on pace; 400 today, +50 a day: 600 on the 22nd
        steady = make_campaign(brand=make_brand(name="Steady", monthly_budget=Decimal("600.00")))
        # 85 of a daily 100 today, no monthly budget: near cap, no pace
        near = make_campaign(brand=make_brand(name="Near", daily_budget=Decimal("100.00")))
        # 150 of 100: exhausted today (not "at risk": already out)
        done = make_campaign(brand=make_brand(name="Done", monthly_budget=Decimal("100.00")))
        # 710 of 10,000: under pace; its campaign "Fast": 710 of 800, pace 1.52, out today
        quiet = make_brand(name="Quiet", monthly_budget=Decimal("10000.00"))
        fast = make_campaign(brand=quiet, name="Fast", monthly_budget=Decimal("800.00"))
        spend_record_many(
            items=[
                *_week(runaway, "100.00"),
                *_week(steady, "50.00"),
                SpendInput(near.pk, "85.00"),
                SpendInput(done.pk, "150.00"),
                *_week(fast, "100.00"),
                SpendInput(fast.pk, "10.00"),
            ]
        )
    return {"runaway": runaway, "steady": steady, "near": near, "done": done, "fast": fast}


def _listed(client: Client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {row.name for row in response.context["cl"].result_list}


def _row(html: str, name: str) -> str:
    return html.split(f">{name}</a>")[1].split("</tr>")[0]


@time_machine.travel(NOON, tick=False)
def test_the_brand_list_shows_each_pacing_state_in_words(
    admin_client: Client, world: dict[str, Campaign]
) -> None:
    html = admin_client.get(BRANDS).content.decode()

    expected = {
        "Runaway": (
            "over_pace",
            "Over pace",
            '120% of pace</small><br><small style="white-space:nowrap">70% cap used',
            "out on 20 Nov",
        ),
        "Steady": (
            "on_pace",
            "On pace",
            '100% of pace</small><br><small style="white-space:nowrap">58% cap used',
            "out on 22 Nov",
        ),
        "Near": (
            "no_budget",
            "No budget",
            'no pace</small><br><small style="white-space:nowrap">85% cap used',
            None,
        ),
        "Done": ("exhausted", "Exhausted", "150% cap used", None),
        "Quiet": (
            "under_pace",
            "Under pace",
            '12% of pace</small><br><small style="white-space:nowrap">7% cap used',
            None,
        ),
    }
    for name, (status, words, figures, out) in expected.items():
        row = _row(html, name)
        assert f'data-status="{status}"' in row, name
        assert f">{words}</span>" in row, name  # the status in words, not only in colour
        assert figures in row, name
        assert (out is not None and out in row) or (out is None and "out on" not in row), name


@time_machine.travel(NOON, tick=False)
def test_the_campaign_list_and_the_change_page_show_pacing(
    admin_client: Client, world: dict[str, Campaign]
) -> None:
    html = admin_client.get(CAMPAIGNS).content.decode()
    assert 'data-status="over_pace"' in _row(html, "Fast")
    assert "out on 18 Nov" in _row(html, "Fast")

    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[world["fast"].pk])).content
    assert b'data-status="over_pace"' in page
    assert b"-" in admin_client.get(reverse("admin:brands_brand_add")).content


@time_machine.travel(NOON, tick=False)
def test_the_pacing_filters(admin_client: Client, world: dict[str, Campaign]) -> None:
    assert _listed(admin_client, f"{BRANDS}?pacing=near_cap") == {"Near", "Done"}
    assert _listed(admin_client, f"{BRANDS}?pacing=over_pace") == {"Runaway"}
    assert _listed(admin_client, f"{BRANDS}?pacing=exhausts") == {"Runaway", "Steady", "Done"}
    assert _listed(admin_client, f"{CAMPAIGNS}?pacing=exhausts") == {"Fast"}
    assert _listed(admin_client, f"{CAMPAIGNS}?pacing=over_pace") == {"Fast"}
    assert _listed(admin_client, f"{CAMPAIGNS}?pacing=near_cap") == {"Fast"}  # 710 of 800

    # composes with the other filters and the search
    Brand.objects.filter(name="Steady").update(is_active=False)
    assert _listed(admin_client, f"{BRANDS}?pacing=exhausts&is_active__exact=1") == {"Runaway", "Done"}
    assert _listed(admin_client, f"{BRANDS}?pacing=exhausts&budget=within") == {"Runaway", "Steady"}
    assert _listed(admin_client, f"{BRANDS}?pacing=exhausts&q=run") == {"Runaway"}
    assert _listed(admin_client, f"{BRANDS}?pacing=nonsense") == {
        "Runaway",
        "Steady",
        "Near",
        "Done",
        "Quiet",
    }


@time_machine.travel(NOON, tick=False)
def test_a_team_member_sees_only_their_brands_in_the_filters_and_the_panel(
    world: dict[str, Campaign],
) -> None:
    viewer = make_person("viewer", group=READ_ONLY, staff=True)
    make_team("Team A", brands=[world["runaway"].brand], members=[(viewer, Role.VIEWER)])
    make_team("Team B", brands=[world["steady"].brand, world["fast"].brand, world["done"].brand])
    client = Client()
    client.force_login(viewer)

    assert _listed(client, f"{BRANDS}?pacing=exhausts") == {"Runaway"}
    assert _listed(client, f"{BRANDS}?pacing=over_pace") == {"Runaway"}
    assert _listed(client, f"{BRANDS}?pacing=near_cap") == set()
    assert _listed(client, f"{CAMPAIGNS}?pacing=exhausts") == set()
    panel = _panel(client.get(reverse("ops-dashboard")).content.decode())
    assert [name for name, _ in panel] == ["Runaway"]
    for other in ("Steady", "Fast", "Done", "Quiet", "Near"):
        assert other not in panel_html(client.get(reverse("ops-dashboard")).content.decode())


def panel_html(html: str) -> str:
    return html[html.index('id="ops-at-risk"') : html.index('id="ops-today"')]


def _panel(html: str) -> list[tuple[str, str]]:
    """(name, date) of each "At risk" row, in order."""
    rows = re.findall(
        r'<tr class="ops-at-risk-row"[^>]*>\s*<td[^>]*><time datetime="([^"]+)">.*?</td>\s*'
        r'<td><a href="[^"]+">([^<]+)</a>',
        panel_html(html),
        flags=re.S,
    )
    return [(name, day) for day, name in rows]


@time_machine.travel(NOON, tick=False)
def test_the_at_risk_panel_lists_owners_running_out_this_month_soonest_first(
    admin_client: Client, world: dict[str, Campaign]
) -> None:
    html = admin_client.get(reverse("ops-dashboard")).content.decode()

    assert _panel(html) == [
        ("Quiet / Fast", "2026-11-18"),
        ("Runaway", "2026-11-20"),
        ("Steady", "2026-11-22"),
    ]
    assert "Over pace" in panel_html(html)
    assert "1,000.00 USD" in panel_html(html)  # Runaway's monthly budget
    assert f"{BRANDS}?pacing=exhausts" in panel_html(html)


@time_machine.travel(NOON, tick=False)
def test_the_chart_shows_the_expected_pace_of_the_month(
    admin_client: Client, world: dict[str, Campaign]
) -> None:
    brand = world["runaway"].brand
    html = admin_client.get(f"{reverse('ops-dashboard')}?brand={brand.pk}").content.decode()

    svg = html[html.index('<svg id="spend-chart"') :]
    # 18 days of November in the chart, each with its expected month to date (1,000 x elapsed)
    pace = re.search(r'<polyline class="pace" points="([^"]+)"', svg)
    actual = re.search(r'<polyline class="month-to-date" points="([^"]+)"', svg)
    assert pace
    assert actual
    assert len(pace.group(1).split()) == len(actual.group(1).split()) == 18
    assert "Expected pace: 583.33 by today" in svg
    assert "Month to date: 700.00" in svg
    assert "583.33 USD by now" in html

    no_monthly = world["near"].brand
    html = admin_client.get(f"{reverse('ops-dashboard')}?brand={no_monthly.pk}").content.decode()
    assert 'class="pace"' not in html
    assert "no expected pace" in html


@time_machine.travel(NOON, tick=False)
def test_list_queries_are_the_same_at_two_sizes(admin_client: Client) -> None:
    def counts() -> list[int]:
        found = []
        for url in (BRANDS, CAMPAIGNS):
            for query in ("?all=", "?pacing=near_cap&all=", "?pacing=exhausts&is_active__exact=1&all="):
                with CaptureQueriesContext(connection) as queries:
                    assert admin_client.get(f"{url}{query}").status_code == 200
                found.append(len(queries))
        return found

    populate(3)
    small = counts()
    extra = [
        make_campaign(
            brand=make_brand(name=f"Extra {n}", daily_budget=Decimal(90), monthly_budget=Decimal(900))
        )
        for n in range(12)
    ]
    spend_record_many(items=[item for campaign in extra for item in _week(campaign, "20.00")])
    assert Brand.objects.count() == 15
    assert counts() == small
