from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from brands.models import Brand
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
from spending.services import spend_record

pytestmark = [pytest.mark.django_db]
LIST = reverse("admin:brands_brand_changelist")
LIST_QUERIES = 9  # the page's pacing: one query


@time_machine.travel(NOON, tick=False)
def test_list_shows_brand_local_spend_remaining_bars_and_serving_count(admin_client: Client) -> None:
    # given: one brand over its daily cap, one at 85% (amber), one at 10% (green), one uncapped
    over = make_brand(name="Over", daily_budget=Decimal("100.00"), timezone="Asia/Tokyo")
    amber = make_brand(name="Amber", daily_budget=Decimal("100.00"), monthly_budget=Decimal("1000.00"))
    green = make_brand(name="Green", daily_budget=Decimal("100.00"), timezone="America/Los_Angeles")
    make_brand(name="Uncapped")
    spenders = [make_campaign(brand=brand) for brand in (over, amber, green)]
    make_campaign(brand=green, name="Second")
    for campaign, amount in zip(spenders, ("120.00", "85.00", "10.00"), strict=True):
        spend_record(campaign_id=campaign.pk, amount=amount)

    # when
    html = admin_client.get(LIST).content.decode()

    # then
    rows = {name: html.split(f">{name}</a>")[1].split("</tr>")[0] for name in ("Over", "Amber", "Green")}
    assert 'ops-bar--red"' in rows["Over"]
    assert "120.00 / 100.00" in rows["Over"]
    assert 'ops-bar--amber"' in rows["Amber"]
    assert "85.00 / 1,000.00" in rows["Amber"]  # month-to-date against the monthly cap
    assert "15.00 / 915.00" in rows["Amber"]  # remaining day / month
    assert 'ops-bar--green"' in rows["Green"]
    assert 'is_active__exact=1">2</a>' in rows["Green"]  # serving campaigns
    assert 'is_active__exact=1">0</a>' in rows["Over"]
    assert "(no cap)" in html


@time_machine.travel(NOON, tick=False)
def test_list_filters_and_search(admin_client: Client) -> None:
    over = make_brand(name="Over", daily_budget=Decimal("10.00"), timezone="Asia/Tokyo")
    make_brand(name="Calm", daily_budget=Decimal("10.00"))
    make_brand(name="Sleeping", is_active=False, timezone="Europe/Paris")
    spend_record(campaign_id=make_campaign(brand=over).pk, amount="10.00")

    def names(query: str) -> set[str]:
        response = admin_client.get(f"{LIST}?{query}")
        assert response.status_code == 200
        return {brand.name for brand in response.context["cl"].result_list}

    assert names("budget=daily") == {"Over"}
    assert names("budget=any") == {"Over"}
    assert names("budget=within") == {"Calm", "Sleeping"}
    assert names("is_active__exact=0") == {"Sleeping"}
    assert names("timezone=Asia%2FTokyo") == {"Over"}
    assert names("q=calm") == {"Calm"}
    assert names("o=6") >= {"Over", "Calm"}  # sortable by today's spend


@pytest.mark.parametrize("rows", [5, 200])
@time_machine.travel(NOON, tick=False)
def test_list_queries_do_not_grow_with_rows(
    admin_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries, rows: int
) -> None:
    populate(rows)
    assert_list_in_fixed_queries(
        admin_client, django_assert_max_num_queries, LIST, queries=LIST_QUERIES, rows=rows, per_page=50
    )


@time_machine.travel(NOON, tick=False)
def test_change_form_shows_spend_and_read_only_campaigns(admin_client: Client) -> None:
    brand = make_brand(name="Acme", daily_budget=Decimal("100.00"))
    campaign = make_campaign(brand=brand, name="Launch")
    spend_record(campaign_id=campaign.pk, amount="30.00")

    html = admin_client.get(reverse("admin:brands_brand_change", args=[brand.pk])).content.decode()

    assert "30.00 / 100.00" in html
    assert "Launch" in html
    assert 'name="campaigns-0-name"' not in html  # the inline is read-only
    assert reverse("admin:campaigns_campaign_change", args=[campaign.pk]) in html


@time_machine.travel(NOON, tick=False)
def test_add_form_creates_through_the_service(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:brands_brand_add"),
        {
            "name": "Fresh",
            "timezone": "Europe/Paris",
            "currency": "EUR",
            "daily_budget": "50.00",
            "monthly_budget": "",
            "is_active": "on",
            "campaigns-TOTAL_FORMS": "0",
            "campaigns-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    brand = Brand.objects.get(name="Fresh")
    assert (brand.timezone, brand.currency, brand.daily_budget, brand.monthly_budget) == (
        "Europe/Paris",
        "EUR",
        Decimal("50.00"),
        None,
    )


def _change_data(brand: Brand, **overrides: str) -> dict[str, str]:
    data = {
        "name": brand.name,
        "timezone": brand.timezone,
        "currency": brand.currency,
        "daily_budget": "" if brand.daily_budget is None else str(brand.daily_budget),
        "monthly_budget": "" if brand.monthly_budget is None else str(brand.monthly_budget),
        "campaigns-TOTAL_FORMS": "0",
        "campaigns-INITIAL_FORMS": "0",
    }
    if brand.is_active:
        data["is_active"] = "on"
    data.update(overrides)
    return data


@time_machine.travel(NOON, tick=False)
def test_lowering_the_budget_in_the_form_pauses_and_audits(admin_client: Client) -> None:
    brand = make_brand(name="Acme", daily_budget=Decimal("100.00"))
    campaign = make_campaign(brand=brand)
    spend_record(campaign_id=campaign.pk, amount="60.00")
    before, since = serving_state(), last_event_id()

    response = admin_client.post(
        reverse("admin:brands_brand_change", args=[brand.pk]), _change_data(brand, daily_budget="50.00")
    )

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason) == (False, PauseReason.BRAND_DAILY_BUDGET)
    assert assert_serving_changes_audited(before, since) == 1
    stop = event_log(campaign_id=campaign.pk, types=["campaign.paused"]).get()
    assert stop.actor_name == "admin"
    change = event_log(brand_id=brand.pk, types=["brand.updated"]).get()
    assert (change.actor_name, change.data["changes"]["daily_budget"][1]) == ("admin", "50.00")


@time_machine.travel(NOON, tick=False)
def test_invalid_input_is_shown_in_words_and_nothing_is_written(admin_client: Client) -> None:
    brand = make_brand(name="Acme", daily_budget=Decimal("100.00"))
    response = admin_client.post(
        reverse("admin:brands_brand_change", args=[brand.pk]),
        _change_data(brand, daily_budget="-5", currency="usd"),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["daily_budget"] == ["A budget cannot be negative (leave it empty for no cap)."]
    assert errors["currency"] == ["Enter a three-letter ISO 4217 currency code such as USD."]
    brand.refresh_from_db()
    assert brand.daily_budget == Decimal("100.00")


@time_machine.travel(NOON, tick=False)
def test_deactivate_and_activate_actions_go_through_the_service(admin_client: Client) -> None:
    brand = make_brand(name="Acme")
    other = make_brand(name="Other", is_active=False)
    campaigns = [make_campaign(brand=brand), make_campaign(brand=brand)]
    before, since = serving_state(), last_event_id()

    response = admin_client.post(
        LIST, {"action": "deactivate_brands", "_selected_action": [brand.pk, other.pk]}, follow=True
    )

    text = response.content.decode()
    assert "Deactivated 1 brand(s) (1 already inactive)" in text
    assert "2 before, 0 now" in text
    assert "2 brand is inactive" in text
    assert assert_serving_changes_audited(before, since) == 2
    assert not Brand.objects.get(pk=brand.pk).is_active

    before, since = serving_state(), last_event_id()
    response = admin_client.post(
        LIST, {"action": "activate_brands", "_selected_action": [brand.pk]}, follow=True
    )

    assert "Activated 1 brand(s). Serving campaigns of the selected brands: 0 before, 2 now." in (
        response.content.decode()
    )
    assert assert_serving_changes_audited(before, since) == 2
    assert all(Campaign.objects.get(pk=c.pk).is_active for c in campaigns)


def test_brands_cannot_be_deleted_in_the_admin(admin_client: Client) -> None:
    brand = make_brand()
    response = admin_client.post(reverse("admin:brands_brand_delete", args=[brand.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Brand.objects.filter(pk=brand.pk).exists()


@time_machine.travel(NOON, tick=False)
def test_alert_settings_are_typed_as_text_and_saved_through_the_service(admin_client: Client) -> None:
    brand = make_brand(name="Acme", daily_budget=Decimal("100.00"))
    spend_record(campaign_id=make_campaign(brand=brand).pk, amount="60.00")
    page = admin_client.get(reverse("admin:brands_brand_change", args=[brand.pk])).content.decode()
    assert 'value="50, 80, 100"' in page

    response = admin_client.post(
        reverse("admin:brands_brand_change", args=[brand.pk]),
        _change_data(brand, alert_thresholds="60, 55", alert_emails="ops@example.com,\nam@example.com"),
    )

    assert response.status_code == 302
    brand.refresh_from_db()
    assert (brand.alert_thresholds, brand.alert_emails) == ([55, 60], ["ops@example.com", "am@example.com"])
    change = event_log(brand_id=brand.pk, types=["brand.updated"]).get()
    assert change.data["changes"]["alert_thresholds"] == [[50, 80, 100], [55, 60]]
    # 60% spent: the new thresholds are reached at once, by the admin user
    alerts = event_log(brand_id=brand.pk, types=["budget.threshold_reached"])
    assert [(e.data["threshold"], e.actor_name) for e in alerts] == [
        (50, "spend"),
        (55, "admin"),
        (60, "admin"),
    ]


@time_machine.travel(NOON, tick=False)
def test_bad_alert_settings_are_shown_in_words(admin_client: Client) -> None:
    brand = make_brand(name="Acme")
    response = admin_client.post(
        reverse("admin:brands_brand_change", args=[brand.pk]),
        _change_data(brand, alert_thresholds="50, 50.5", alert_emails="nobody"),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["alert_thresholds"] == ["Each threshold must be an integer percent (got '50.5')."]
    assert errors["alert_emails"] == ["'nobody' is not a valid email address."]
