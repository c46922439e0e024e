from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from campaigns.rules import Status
from campaigns.services import campaign_update, reconcile
from core.actors import Actor
from core.tests.factories import make_brand, make_campaign
from ops.charts import spend_chart
from ops.display import usage_bar, usage_level, usage_percent
from ops.selectors import ChartDay
from ops.tests.helpers import NOON, populate
from spending.services import spend_record

DASHBOARD = reverse("ops-dashboard")
# session, user, brands with spend (2), campaign counts; what happened today: the time zones
# in use, the events (their schedules' names only when one is named); at risk: the brands,
# the campaigns and their pacing rows.
DASHBOARD_QUERIES = 11


def test_usage_colors_follow_the_thresholds() -> None:
    hundred = Decimal("100.00")
    assert usage_level(Decimal("79.99"), hundred) == "green"
    assert usage_level(Decimal("80.00"), hundred) == "amber"
    assert usage_level(Decimal("99.99"), hundred) == "amber"
    assert usage_level(hundred, hundred) == "red"  # spend equal to the budget exhausts it
    assert usage_level(Decimal("0.00"), Decimal("0.00")) == "red"
    assert usage_level(Decimal("5.00"), None) is None
    assert usage_percent(Decimal("150.00"), hundred) == 150
    assert "width:100%" in usage_bar(Decimal("150.00"), hundred)
    assert "(no cap)" in usage_bar(Decimal("1.00"), None)


def test_chart_has_one_bar_per_day_and_the_budget_line() -> None:
    days = [ChartDay(dt.date(2026, 11, 1) + dt.timedelta(days=n), Decimal(n * 10)) for n in range(30)]

    svg = str(spend_chart(days, Decimal("200.00"), "USD"))

    assert svg.startswith('<svg id="spend-chart"')
    assert len(re.findall(r'<rect class="bar"', svg)) == 30
    assert 'data-date="2026-11-30" data-spend="290.00"' in svg
    assert 'class="budget"' in svg
    assert "http://" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert svg.count('fill="#c62828"') >= 10  # the days at or over 200 are red


def test_chart_without_budget_or_spend() -> None:
    days = [ChartDay(dt.date(2026, 11, 1) + dt.timedelta(days=n), Decimal(0)) for n in range(30)]
    svg = str(spend_chart(days, None, "EUR"))
    assert svg.count('<rect class="bar"') == 30
    assert 'class="budget"' not in svg


@pytest.mark.django_db
@time_machine.travel(NOON, tick=False)
def test_dashboard_shows_today_per_brand_zone(admin_client: Client) -> None:
    # given: Kiritimati is already on Nov 19, Los Angeles still on Nov 18
    tomorrow = make_brand(name="Ahead", timezone="Pacific/Kiritimati", daily_budget=Decimal("100.00"))
    behind = make_brand(name="Behind", timezone="America/Los_Angeles", daily_budget=Decimal("200.00"))
    euro = make_brand(name="Euro", currency="EUR", monthly_budget=Decimal("1000.00"))
    ahead_campaign = make_campaign(brand=tomorrow, name="A1")
    spend_record(campaign_id=ahead_campaign.pk, amount="100.00")  # Nov 19 there: exhausted
    spend_record(campaign_id=ahead_campaign.pk, amount="33.00", date=dt.date(2026, 11, 18))  # yesterday there
    spend_record(campaign_id=make_campaign(brand=behind).pk, amount="50.00")
    spend_record(campaign_id=make_campaign(brand=euro).pk, amount="900.00")
    make_campaign(brand=behind, status=Status.PAUSED)

    # when
    response = admin_client.get(DASHBOARD)

    # then
    assert response.status_code == 200
    html = response.content.decode()
    usd = html.split("<td>USD")[1].split("</tr>")[0]
    assert "150.00" in usd  # today's: 100 (Nov 19 in Kiritimati) + 50 (Nov 18 in LA); not the 33
    assert "150.00 / 300.00" in usd
    assert "183.00 / " not in usd
    euro_row = html.split("<td>EUR")[1].split("</tr>")[0]
    assert "900.00 / 1,000.00" in euro_row
    campaigns = html.split('id="ops-campaigns"')[1].split("</table>")[0]
    assert re.search(r"Serving</a></th><td class=\"ops-big\">2<", campaigns)
    assert re.search(r"Brand daily budget exhausted</a></td><td>1<", campaigns)
    assert re.search(r"Status paused \(set by a person\)</a></td><td>1<", campaigns)
    closest = html.split('id="ops-closest"')[1].split("</table>")[0]
    assert closest.index("Ahead") < closest.index("Euro") < closest.index("Behind")
    assert "Thu 19 Nov" in closest  # Ahead's local today
    chart = html.split('id="ops-chart"')[1]
    assert "Last 30 days of spend: Ahead" in chart  # defaults to the brand closest to its caps
    assert chart.count('<rect class="bar"') == 30
    assert 'data-date="2026-11-19" data-spend="100.00"' in chart
    assert 'data-date="2026-11-18" data-spend="33.00"' in chart


@pytest.mark.django_db
@time_machine.travel(NOON, tick=False)
def test_dashboard_chart_for_a_chosen_brand(admin_client: Client) -> None:
    make_brand(name="First")
    chosen = make_brand(name="Chosen", timezone="Europe/Paris", daily_budget=Decimal("10.00"))
    spend_record(campaign_id=make_campaign(brand=chosen).pk, amount="4.00", date=dt.date(2026, 10, 20))

    html = admin_client.get(f"{DASHBOARD}?brand={chosen.pk}").content.decode()

    chart = html.split('id="ops-chart"')[1]
    assert "Last 30 days of spend: Chosen" in chart
    assert 'data-date="2026-10-20" data-spend="4.00"' in chart  # the first of the 30 days
    assert 'data-date="2026-10-19"' not in chart
    assert chart.count('<rect class="bar"') == 30
    assert admin_client.get(f"{DASHBOARD}?brand=nonsense").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [5, 200])
@time_machine.travel(NOON, tick=False)
def test_dashboard_queries_do_not_grow_with_brands(
    admin_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries, rows: int
) -> None:
    populate(rows)
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        response = admin_client.get(DASHBOARD)
    assert response.status_code == 200


@pytest.mark.django_db
def test_dashboard_is_linked_from_the_index_and_needs_staff(admin_client: Client, client: Client) -> None:
    assert DASHBOARD in admin_client.get(reverse("admin:index")).content.decode()
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.django_db
@time_machine.travel(NOON, tick=False)
def test_each_count_links_to_the_campaign_list_filtered_to_those_campaigns(admin_client: Client) -> None:
    brand = make_brand(name="Acme", daily_budget=Decimal("10.00"))
    capped = make_campaign(brand=brand, name="Capped")
    spend_record(campaign_id=capped.pk, amount="10.00")  # brand daily budget: both stop
    sibling = make_campaign(brand=brand, name="Sibling")
    reconcile()
    paused = make_campaign(name="Held", status=Status.PAUSED)
    serving = make_campaign(name="Running")

    html = admin_client.get(DASHBOARD).content.decode()
    campaigns = html.split('id="ops-campaigns"')[1].split("</table>")[0]
    links = {
        label: href.replace("&amp;", "&")
        for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', campaigns)
    }

    def listed(label: str) -> set[str]:
        page = admin_client.get(links[label])
        assert page.status_code == 200
        return {campaign.name for campaign in page.context["cl"].result_list}

    assert listed("Brand daily budget exhausted") == {capped.name, sibling.name}
    assert listed("Stopped by the system") == {capped.name, sibling.name}
    assert listed("Status paused (set by a person)") == {paused.name}
    assert listed("Serving") == {serving.name}
    assert listed("Campaign daily budget exhausted") == set()


@pytest.mark.django_db
def test_what_happened_today_is_each_brands_today_newest_first_linked_to_the_campaigns(
    admin_client: Client,
) -> None:
    # Kiritimati is UTC+14: its Nov 19 began at 10:00 UTC on Nov 18. Los Angeles is UTC-8:
    # its Nov 18 began at 08:00 UTC.
    # (no threshold alerts: the rows to check are the serving change and the budget change)
    ahead = make_brand(name="Ahead", timezone="Pacific/Kiritimati", alert_thresholds=[])
    behind = make_brand(name="Behind", timezone="America/Los_Angeles", alert_thresholds=[])
    early = make_campaign(brand=ahead, name="Early", daily_budget=Decimal("10.00"))
    late = make_campaign(brand=behind, name="Late", daily_budget=Decimal("10.00"))
    at = {
        "ahead yesterday": dt.datetime(2026, 11, 18, 9, 30, tzinfo=dt.UTC),
        "behind yesterday": dt.datetime(2026, 11, 18, 7, 30, tzinfo=dt.UTC),
        "behind today": dt.datetime(2026, 11, 18, 8, 30, tzinfo=dt.UTC),
        "ahead today": dt.datetime(2026, 11, 18, 10, 30, tzinfo=dt.UTC),
    }
    with time_machine.travel(at["behind yesterday"], tick=False):
        campaign_update(campaign_id=late.pk, name="Late (yesterday)", actor=Actor.system("t"))
    with time_machine.travel(at["ahead yesterday"], tick=False):
        campaign_update(campaign_id=early.pk, name="Early (yesterday)", actor=Actor.system("t"))
    with time_machine.travel(at["behind today"], tick=False):
        campaign_update(campaign_id=late.pk, monthly_budget="500.00", actor=Actor.system("t"))
    with time_machine.travel(at["ahead today"], tick=False):
        spend_record(campaign_id=early.pk, amount="10.00")

    with time_machine.travel(NOON, tick=False):
        html = admin_client.get(DASHBOARD).content.decode()

    today = html.split('id="ops-today"')[1].split("</table>")[0]
    rows = today.split("<tr>")[2:]  # after the header
    assert len(rows) == 2, today
    assert "Stopped serving" in rows[0]  # newest first
    assert "Budget changed" in rows[1]
    assert f'href="{reverse("admin:campaigns_campaign_change", args=[early.pk])}"' in rows[0]
    assert "Ahead / Early (yesterday)" in rows[0]
    assert "2026-11-19 00:30:00" in rows[0]  # Kiritimati's time
    assert "spend, recorded by api (system)" in rows[0]
    assert "Campaign daily budget exhausted" in rows[0]
    assert f'href="{reverse("admin:campaigns_campaign_change", args=[late.pk])}"' in rows[1]
    assert "2026-11-18 00:30:00 PST" in rows[1]
    assert "monthly budget: - → 500.00" in rows[1]
    assert "name:" not in today  # the renames happened on each brand's yesterday
