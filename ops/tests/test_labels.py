"""Campaigns are labelled with their brand wherever a person picks or reads one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from campaigns.rules import Status
from campaigns.services import campaign_create, campaign_update
from core.actors import Actor
from core.tests.factories import make_brand, make_campaign, make_schedule
from ops.display import local_time, money
from ops.tests.helpers import NOON
from spending.services import spend_record

pytestmark = pytest.mark.django_db
AUTOCOMPLETE = reverse("admin:autocomplete")
SPENDS = reverse("admin:spending_spend_changelist")


def _suggestions(client: Client, term: str) -> list[str]:
    response = client.get(
        AUTOCOMPLETE, {"app_label": "spending", "model_name": "spend", "field_name": "campaign", "term": term}
    )
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


def test_money_has_thousands_separators_and_the_currency() -> None:
    assert money(Decimal("1026.8")) == "1,026.80"
    assert money(Decimal("1234567.891"), "EUR") == "1,234,567.89 EUR"
    assert money(None, "USD") == "-"


def test_local_time_shows_the_brand_zone_with_utc_on_hover() -> None:
    html = str(local_time(NOON, "Asia/Tokyo"))
    assert ">2026-11-18 21:00:00 JST<" in html
    assert 'title="2026-11-18 12:00:00 UTC"' in html


@time_machine.travel(NOON, tick=False)
def test_the_campaign_autocomplete_says_which_brand_and_searches_both_names(
    admin_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for brand in ("Acme", "Globex", "Initech"):
        owner = make_brand(name=brand)
        make_campaign(brand=owner, name="Black Friday")
        make_campaign(brand=owner, name="Campaign 1")

    assert _suggestions(admin_client, "black") == [
        "Acme / Black Friday",
        "Globex / Black Friday",
        "Initech / Black Friday",
    ]
    assert _suggestions(admin_client, "acme black") == ["Acme / Black Friday"]
    assert _suggestions(admin_client, "Globex / Camp") == ["Globex / Campaign 1"]
    with django_assert_max_num_queries(5):  # session, user, count, page: not one per row
        assert len(_suggestions(admin_client, "")) == 6


@time_machine.travel(NOON, tick=False)
def test_the_spend_form_filter_list_and_message_use_labels(admin_client: Client) -> None:
    acme, globex = make_brand(name="Acme"), make_brand(name="Globex", currency="EUR")
    first = make_campaign(brand=acme, name="Campaign 1", daily_budget=Decimal("5.00"))
    make_campaign(brand=globex, name="Campaign 1")
    spend_record(campaign_id=first.pk, amount="1234.50", date=dt.date(2026, 11, 17))

    form = admin_client.get(reverse("admin:spending_spend_add"), {"campaign": first.pk}).content.decode()
    assert f'<option value="{first.pk}" selected>Acme / Campaign 1</option>' in form

    listing = admin_client.get(SPENDS).content.decode()
    assert "Acme / Campaign 1" in listing  # the row and the filter
    assert "Globex / Campaign 1" in listing  # the filter
    assert "1,234.50 USD" in listing

    added = admin_client.post(
        reverse("admin:spending_spend_add"),
        {"campaign": first.pk, "amount": "5.00", "date": "", "source": "manual"},
        follow=True,
    ).content.decode()
    assert "Acme / Campaign 1: 5.00 USD on 2026-11-18" in added  # the spend's own label
    assert "Campaign Acme / Campaign 1 is not serving: Campaign daily budget exhausted." in added


@time_machine.travel(NOON, tick=False)
def test_the_audit_trail_names_schedules_and_shows_the_brand_time(admin_client: Client) -> None:
    brand = make_brand(name="Acme", timezone="Asia/Tokyo")
    office = make_schedule(([0, 1, 2, 3, 4], "09:00", "17:00"), name="Office hours")
    night = make_schedule(([0, 1, 2, 3, 4, 5, 6], "22:00", "06:00"), name="Night shift")
    campaign = campaign_create(
        brand_id=brand.pk, name="Launch", status=Status.ACTIVE, dayparting_schedule_id=office.pk
    )
    campaign_update(campaign_id=campaign.pk, dayparting_schedule_id=night.pk, actor=Actor.system("test"))

    page = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    trail = page[page.index('class="ops-audit"') :]
    assert "Office hours → Night shift" in trail
    assert "schedule: Office hours" in trail  # the creation's values
    assert f"schedule: {office.pk}" not in trail
    assert "2026-11-18 21:00:00 JST" in trail
    assert 'title="2026-11-18 12:00:00 UTC"' in trail

    events = admin_client.get(reverse("admin:events_event_changelist")).content.decode()
    assert "Acme / Launch" in events
    assert "Office hours → Night shift" in events
    assert "2026-11-18 21:00:00 JST" in events
