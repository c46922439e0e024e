from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from campaigns.models import Campaign
from campaigns.rules import PauseReason
from core.tests.factories import make_brand, make_campaign
from events.selectors import event_log
from ops.tests.helpers import (
    NOON,
    assert_list_in_fixed_queries,
    assert_serving_changes_audited,
    last_event_id,
    populate,
    serving_state,
)
from spending.models import Spend
from spending.services import spend_record

pytestmark = [pytest.mark.django_db]
LIST = reverse("admin:spending_spend_changelist")
ADD = reverse("admin:spending_spend_add")
LIST_QUERIES = 10


@time_machine.travel(NOON, tick=False)
def test_list_has_date_hierarchy_and_filters(admin_client: Client) -> None:
    acme = make_campaign(name="Acme launch", brand=make_brand(name="Acme"))
    other = make_campaign(name="Other push", brand=make_brand(name="Other"))
    spend_record(campaign_id=acme.pk, amount="5.00", source="gads", external_id="g-1")
    spend_record(campaign_id=other.pk, amount="7.00", date=dt.date(2026, 11, 1))

    def amounts(query: str) -> set[Decimal]:
        response = admin_client.get(f"{LIST}?{query}")
        assert response.status_code == 200
        return {spend.amount for spend in response.context["cl"].result_list}

    html = admin_client.get(LIST).content.decode()
    assert 'class="xfull"' in html or "date_hierarchy" in html or "toplinks" in html
    assert amounts("") == {Decimal("5.00"), Decimal("7.00")}
    assert amounts(f"brand__id__exact={acme.brand_id}") == {Decimal("5.00")}
    assert amounts(f"campaign__id__exact={other.pk}") == {Decimal("7.00")}
    assert amounts("source=gads") == {Decimal("5.00")}
    assert amounts("date__year=2026&date__month=11&date__day=1") == {Decimal("7.00")}
    assert amounts("q=g-1") == {Decimal("5.00")}


@pytest.mark.parametrize("rows", [5, 200])
@time_machine.travel(NOON, tick=False)
def test_list_queries_do_not_grow_with_rows(
    admin_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries, rows: int
) -> None:
    populate(rows)
    assert_list_in_fixed_queries(
        admin_client, django_assert_max_num_queries, LIST, queries=LIST_QUERIES, rows=rows, per_page=100
    )


@time_machine.travel(NOON, tick=False)
def test_manual_spend_crossing_the_daily_budget_pauses_visibly(admin_client: Client) -> None:
    """Acceptance: a spend added in the admin that crosses the campaign's daily budget pauses
    it, and the pause shows in the campaign list and in its audit trail."""
    campaign = make_campaign(
        name="Launch", daily_budget=Decimal("50.00"), brand=make_brand(timezone="Asia/Tokyo")
    )
    spend_record(campaign_id=campaign.pk, amount="45.00")
    before, since = serving_state(), last_event_id()

    response = admin_client.post(
        ADD,
        {
            "campaign": campaign.pk,
            "amount": "5.00",
            "date": "",
            "description": "invoice fix",
            "source": "manual",
        },
        follow=True,
    )

    text = response.content.decode()
    assert f"Campaign {campaign.brand.name} / Launch is not serving: Campaign daily budget exhausted." in text
    spend = Spend.objects.get(description="invoice fix")
    assert (spend.amount, spend.date, spend.brand_id) == (
        Decimal("5.00"),
        dt.date(2026, 11, 18),
        campaign.brand_id,
    )
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason) == (False, PauseReason.CAMPAIGN_DAILY_BUDGET)
    assert assert_serving_changes_audited(before, since) == 1
    stop = event_log(campaign_id=campaign.pk, types=["campaign.paused"]).get()
    assert (stop.actor_kind, stop.actor_name) == ("system", "spend")
    assert stop.data["recorded_by"] == {"kind": "user", "name": "admin"}
    listing = admin_client.get(reverse("admin:campaigns_campaign_changelist")).content.decode()
    assert "Campaign daily budget exhausted" in listing.split(">Launch</a>")[1].split("</tr>")[0]
    trail = admin_client.get(reverse("admin:campaigns_campaign_change", args=[campaign.pk])).content.decode()
    assert "Stopped serving" in trail


@time_machine.travel(NOON, tick=False)
def test_service_validation_comes_back_on_the_fields(admin_client: Client) -> None:
    campaign = make_campaign()

    response = admin_client.post(
        ADD, {"campaign": campaign.pk, "amount": "-3", "date": "2030-01-01", "source": "manual"}
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["amount"] == ["The amount must not be negative."]
    assert "too far in the future" in errors["date"][0]
    assert not Spend.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_repeated_external_id_adds_nothing_and_says_so(admin_client: Client) -> None:
    campaign = make_campaign()
    first = spend_record(campaign_id=campaign.pk, amount="5.00", source="gads", external_id="row-1")

    same = admin_client.post(
        ADD,
        {"campaign": campaign.pk, "amount": "5.00", "source": "gads", "external_id": "row-1"},
        follow=True,
    )
    different = admin_client.post(
        ADD, {"campaign": campaign.pk, "amount": "9.00", "source": "gads", "external_id": "row-1"}
    )

    assert f"was already recorded (spend {first.spend.pk}); nothing new was added" in same.content.decode()
    assert different.status_code == 200
    assert "already used" in str(different.context["adminform"].form.errors)
    assert Spend.objects.count() == 1


@time_machine.travel(NOON, tick=False)
def test_existing_spend_is_read_only(admin_client: Client) -> None:
    campaign = make_campaign()
    spend = spend_record(campaign_id=campaign.pk, amount="5.00").spend
    url = reverse("admin:spending_spend_change", args=[spend.pk])

    page = admin_client.get(url)
    admin_client.post(url, {"campaign": campaign.pk, "amount": "500.00", "source": "manual"})
    delete = admin_client.post(reverse("admin:spending_spend_delete", args=[spend.pk]), {"post": "yes"})

    assert page.status_code == 200
    assert 'name="amount"' not in page.content.decode()
    assert delete.status_code == 403
    spend.refresh_from_db()
    assert spend.amount == Decimal("5.00")
    assert Campaign.objects.filter(pk=campaign.pk).exists()
