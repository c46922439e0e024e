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
from core.tests.factories import make_brand, make_campaign
from ops.charts import spend_chart
from ops.display import usage_bar, usage_level, usage_percent
from ops.selectors import ChartDay
from ops.tests.helpers import NOON, populate
from spending.services import spend_record

DASHBOARD = reverse("ops-dashboard")
DASHBOARD_QUERIES = 6


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
    assert re.search(r"Brand daily budget exhausted</td><td>1<", campaigns)
    assert re.search(r"Status paused \(set by a person\)</td><td>1<", campaigns)
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
