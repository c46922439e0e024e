from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from campaigns.services import reconcile
from core.actors import Actor
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.selectors import event_log
from events.services import event_append
from ops.tests.helpers import (
    NOON,
    assert_list_in_fixed_queries,
    assert_serving_changes_audited,
    last_event_id,
    populate,
    serving_state,
)
from spending.services import SpendInput, spend_record, spend_record_many

pytestmark = [pytest.mark.django_db]
LIST = reverse("admin:campaigns_campaign_changelist")
EVENTS = reverse("admin:events_event_changelist")
LIST_QUERIES = 9  # the page's pacing: one query
EVENT_LIST_QUERIES = 8


def _change_url(campaign: Campaign) -> str:
    return reverse("admin:campaigns_campaign_change", args=[campaign.pk])


@time_machine.travel(NOON, tick=False)
def test_list_shows_serving_reason_in_words_and_bars_per_cap(admin_client: Client) -> None:
    brand = make_brand(name="Acme", timezone="Asia/Tokyo")
    capped = make_campaign(brand=brand, name="Capped", daily_budget=Decimal("40.00"))
    monthly = make_campaign(brand=brand, name="Monthly", monthly_budget=Decimal("100.00"))
    make_campaign(brand=brand, name="Drafty", status=Status.DRAFT)
    spend_record(campaign_id=capped.pk, amount="40.00")
    spend_record(campaign_id=monthly.pk, amount="85.00")

    html = admin_client.get(LIST).content.decode()

    row = html.split(">Capped</a>")[1].split("</tr>")[0]
    assert "Campaign daily budget exhausted" in row
    assert 'ops-bar--red"' in row
    assert "40.00 / 40.00" in row
    assert 'alt="False"' in row  # not serving
    monthly_row = html.split(">Monthly</a>")[1].split("</tr>")[0]
    assert 'ops-bar--amber"' in monthly_row
    assert 'alt="True"' in monthly_row
    assert "Status draft (set by a person)" in html


@time_machine.travel(NOON, tick=False)
def test_list_filters_and_search(admin_client: Client) -> None:
    brand = make_brand(name="Acme", daily_budget=Decimal("10.00"))
    stopped = make_campaign(brand=brand, name="Stopped")
    spend_record(campaign_id=stopped.pk, amount="10.00")
    serving = make_campaign(name="Serving")
    make_campaign(name="Paused", status=Status.PAUSED)

    def names(query: str) -> set[str]:
        response = admin_client.get(f"{LIST}?{query}")
        assert response.status_code == 200
        return {campaign.name for campaign in response.context["cl"].result_list}

    assert names("status__exact=paused") == {"Paused"}
    assert names("is_active__exact=1") == {"Serving"}
    assert names("pause_reason__exact=brand_daily_budget") == {"Stopped"}
    assert names(f"brand__id__exact={brand.pk}") == {"Stopped"}
    assert names("q=acme") == {"Stopped"}
    assert names("q=serv") == {"Serving"}
    assert serving.pk


@pytest.mark.parametrize("rows", [5, 200])
@time_machine.travel(NOON, tick=False)
def test_list_queries_do_not_grow_with_rows(
    admin_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries, rows: int
) -> None:
    populate(rows)
    assert_list_in_fixed_queries(
        admin_client, django_assert_max_num_queries, LIST, queries=LIST_QUERIES, rows=rows, per_page=50
    )


@pytest.mark.parametrize("rows", [5, 200])
@time_machine.travel(NOON, tick=False)
def test_audit_trail_list_queries_do_not_grow_with_rows(
    admin_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries, rows: int
) -> None:
    # each campaign stops: one more event per campaign (no threshold or forecast alerts: the
    # list shows all rows up to its show-all limit)
    campaigns = populate(rows)
    Brand.objects.update(alert_thresholds=[], monthly_budget=None)
    spend_record_many(items=[SpendInput(campaign.pk, "100.00") for campaign in campaigns])
    with django_assert_max_num_queries(EVENT_LIST_QUERIES):
        response = admin_client.get(f"{EVENTS}?all=")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= rows


@time_machine.travel(NOON, tick=False)
def test_add_form_creates_through_the_service_and_evaluates(admin_client: Client) -> None:
    brand = make_brand(name="Acme", daily_budget=Decimal("10.00"))
    spend_record(campaign_id=make_campaign(brand=brand).pk, amount="10.00")

    response = admin_client.post(
        reverse("admin:campaigns_campaign_add"),
        {"brand": brand.pk, "name": "New", "status": "active", "daily_budget": "5.00", "monthly_budget": ""},
        follow=True,
    )

    assert response.status_code == 200
    campaign = Campaign.objects.get(name="New")
    assert (campaign.status, campaign.is_active, campaign.pause_reason) == (
        Status.ACTIVE,
        False,
        PauseReason.BRAND_DAILY_BUDGET,
    )
    assert event_log(campaign_id=campaign.pk, types=["campaign.created"]).get().actor_name == "admin"
    assert "Acme / New is active but not serving: Brand daily budget exhausted." in response.content.decode()


def _form(campaign: Campaign, **overrides: str) -> dict[str, str]:
    data = {
        "name": campaign.name,
        "status": campaign.status,
        "daily_budget": "" if campaign.daily_budget is None else str(campaign.daily_budget),
        "monthly_budget": "" if campaign.monthly_budget is None else str(campaign.monthly_budget),
        "dayparting_schedule": ""
        if campaign.dayparting_schedule_id is None
        else str(campaign.dayparting_schedule_id),
        "change_reason": "",
    }
    data.update(overrides)
    return data


@time_machine.travel(NOON, tick=False)
def test_change_form_goes_through_the_service_audits_and_re_evaluates(admin_client: Client) -> None:
    campaign = make_campaign(name="Launch", daily_budget=Decimal("100.00"))
    spend_record(campaign_id=campaign.pk, amount="60.00")
    before, since = serving_state(), last_event_id()

    response = admin_client.post(
        _change_url(campaign), _form(campaign, daily_budget="50.00", change_reason="client cut the budget")
    )

    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason) == (False, PauseReason.CAMPAIGN_DAILY_BUDGET)
    budget = event_log(campaign_id=campaign.pk, types=["campaign.updated"]).get()
    assert (budget.data["reason"], budget.actor_name) == ("client cut the budget", "admin")
    assert budget.data["changes"] == {"daily_budget": ["100.00", "50.00"]}
    assert assert_serving_changes_audited(before, since) == 1


@time_machine.travel(NOON, tick=False)
def test_is_active_and_pause_reason_are_read_only(admin_client: Client) -> None:
    campaign = make_campaign(name="Launch", status=Status.PAUSED)

    html = admin_client.get(_change_url(campaign)).content.decode()
    admin_client.post(_change_url(campaign), _form(campaign, is_active="on", pause_reason="brand_inactive"))

    assert 'name="is_active"' not in html
    assert 'name="pause_reason"' not in html
    assert 'name="brand"' not in html  # a campaign stays with its brand
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason) == (False, "")


@time_machine.travel(NOON, tick=False)
def test_change_form_shows_the_audit_trail_in_words(admin_client: Client) -> None:
    campaign = make_campaign(name="Launch", daily_budget=Decimal("10.00"))
    spend_record(campaign_id=campaign.pk, amount="10.00")

    html = admin_client.get(_change_url(campaign)).content.decode()

    assert "Stopped serving" in html
    assert "Campaign daily budget exhausted" in html
    assert "spend, recorded by api (system)" in html
    assert f"{EVENTS}?campaign__id__exact={campaign.pk}" in html
    events = admin_client.get(f"{EVENTS}?campaign__id__exact={campaign.pk}").content.decode()
    assert "Stopped serving" in events


@time_machine.travel(NOON, tick=False)
def test_service_errors_come_back_on_the_form_and_nothing_is_written(admin_client: Client) -> None:
    campaign = make_campaign(name="Launch")
    make_campaign(brand=campaign.brand, name="Taken")

    negative = admin_client.post(_change_url(campaign), _form(campaign, daily_budget="-1"))
    taken = admin_client.post(_change_url(campaign), _form(campaign, name="Taken", daily_budget="5.00"))

    assert negative.context["adminform"].form.errors == {
        "daily_budget": ["A budget cannot be negative (leave it empty for no cap)."]
    }
    # the brand is read-only on the change form, so the service's full_clean catches the clash
    assert taken.status_code == 200
    assert "Campaign with this Brand and Name already exists." in str(taken.context["adminform"].form.errors)
    campaign.refresh_from_db()
    assert campaign.name == "Launch"
    assert not event_log(campaign_id=campaign.pk).exists()


@time_machine.travel(NOON, tick=False)
def test_activate_action_says_how_many_changed_and_why_any_cannot_serve(admin_client: Client) -> None:
    blocked_brand = make_brand(name="Blocked", is_active=False)
    ok = make_campaign(name="Fine", status=Status.PAUSED)
    blocked = make_campaign(name="Stuck", brand=blocked_brand, status=Status.DRAFT)
    already = make_campaign(name="Already")
    before, since = serving_state(), last_event_id()

    response = admin_client.post(
        LIST,
        {"action": "activate_campaigns", "_selected_action": [ok.pk, blocked.pk, already.pk]},
        follow=True,
    )

    text = response.content.decode()
    assert "Activated 2 campaign(s) (1 already active). 2 of 3 serving now." in text
    assert "Could not serve: Blocked / Stuck (Brand is inactive)." in text
    assert assert_serving_changes_audited(before, since) == 1
    [activated] = event_log(campaign_id=ok.pk, types=["campaign.updated"])
    assert (activated.actor_name, activated.data["changes"]) == ("admin", {"status": ["paused", "active"]})


@time_machine.travel(NOON, tick=False)
def test_pause_action_pauses_through_the_service(admin_client: Client) -> None:
    serving = make_campaign(name="Serving")
    draft = make_campaign(name="Draft", status=Status.DRAFT)
    before, since = serving_state(), last_event_id()

    response = admin_client.post(
        LIST, {"action": "pause_campaigns", "_selected_action": [serving.pk, draft.pk]}, follow=True
    )

    assert "Paused 1 campaign(s). 1 skipped: their status is not active." in response.content.decode()
    serving.refresh_from_db()
    assert (serving.status, serving.is_active) == (Status.PAUSED, False)
    assert assert_serving_changes_audited(before, since) == 1
    # a person's pause survives every sweep
    reconcile()
    serving.refresh_from_db()
    assert serving.status == Status.PAUSED


@time_machine.travel(NOON, tick=False)
def test_reevaluate_action_reports_stops_and_reasons(admin_client: Client) -> None:
    night = make_schedule(([0, 1, 2, 3, 4, 5, 6], "20:00", "22:00"), timezone="UTC")
    outside = make_campaign(name="Night owl", dayparting_schedule=night)  # written serving: stale
    fine = make_campaign(name="Fine")
    before, since = serving_state(), last_event_id()

    response = admin_client.post(
        LIST, {"action": "reevaluate_campaigns", "_selected_action": [outside.pk, fine.pk]}, follow=True
    )

    text = response.content.decode()
    assert "Re-evaluated 2 campaign(s): 1 stopped, 0 resumed, 0 with a new pause reason, 1 unchanged." in text
    assert f"Not serving: {outside.brand.name} / Night owl (Outside dayparting schedule)." in text
    assert assert_serving_changes_audited(before, since) == 1


def test_campaigns_and_events_cannot_be_deleted_or_edited(admin_client: Client) -> None:
    campaign = make_campaign()
    assert (
        admin_client.post(
            reverse("admin:campaigns_campaign_delete", args=[campaign.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    with transaction.atomic():
        event_append(
            type="campaign.created",
            actor=Actor.system("t"),
            data={"changes": {"name": [None, campaign.name]}},
            brand_id=campaign.brand_id,
            campaign_id=campaign.pk,
        )
    event = event_log(campaign_id=campaign.pk).get()
    url = reverse("admin:events_event_change", args=[event.pk])
    assert admin_client.get(url).status_code == 200  # viewable
    admin_client.post(url, {"actor_name": "rewritten", "data": "{}"})
    event.refresh_from_db()
    assert (event.actor_name, event.data) == ("t", {"changes": {"name": [None, campaign.name]}})
    assert admin_client.get(reverse("admin:events_event_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:events_event_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
