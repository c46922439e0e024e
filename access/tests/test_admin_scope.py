"""Scope in the ops console beyond the matrix: which team a brand or schedule added by a
non-ops staff member joins, shared schedules, a campaign's schedule, spend by role, and the
counts a page shows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from access.models import TeamMember
from access.roles import Role
from brands.models import Brand
from campaigns.models import Campaign
from core.tests.factories import make_brand, make_campaign
from events.models import WebhookEndpoint
from events.selectors import event_log
from scheduling.models import DaypartingSchedule
from spending.models import Spend

from .helpers import make_team
from .test_admin_matrix import AdminWorld, build_admin_world

pytestmark = pytest.mark.django_db

NO_CAMPAIGNS = {"campaigns-TOTAL_FORMS": "0", "campaigns-INITIAL_FORMS": "0"}
WINDOW = {
    "windows-TOTAL_FORMS": "1",
    "windows-INITIAL_FORMS": "0",
    "windows-0-days_mask": ["0"],
    "windows-0-start_time": "09:00",
    "windows-0-end_time": "10:00",
}


@pytest.fixture
def aw() -> AdminWorld:
    return build_admin_world()


def manager(aw: AdminWorld) -> Client:
    return aw.clients["staff_manager"]


def test_a_brand_added_by_a_team_manager_joins_their_team(aw: AdminWorld) -> None:
    response = manager(aw).post(
        reverse("admin:brands_brand_add"),
        {"name": "Alpha three", "timezone": "UTC", "currency": "USD", "is_active": "on", **NO_CAMPAIGNS},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    brand = Brand.objects.get(name="Alpha three")
    assert list(brand.teams.all()) == [aw.world.team_a]
    created = event_log(types=["brand.created"], brand_id=brand.pk).get()
    assert (created.actor_kind, created.actor_name) == ("user", "staff_manager")


def test_a_manager_of_two_teams_chooses_the_team_of_a_new_brand(aw: AdminWorld) -> None:
    other = make_team("Gamma team", members=[(aw.staff["staff_manager"], Role.MANAGER)])
    add = reverse("admin:brands_brand_add")
    fields = {"name": "Gamma one", "timezone": "UTC", "currency": "USD", "is_active": "on", **NO_CAMPAIGNS}

    unsaid = manager(aw).post(add, fields)
    said = manager(aw).post(add, {**fields, "team": other.pk})

    assert unsaid.status_code == 200
    assert "team" in unsaid.context["adminform"].form.errors
    assert said.status_code == 302
    assert list(Brand.objects.get(name="Gamma one").teams.all()) == [other]


def test_staff_who_manage_no_team_add_no_brand_campaign_or_schedule(aw: AdminWorld) -> None:
    viewer = aw.clients["staff_viewer"]

    for model in ("brands_brand", "campaigns_campaign", "scheduling_daypartingschedule"):
        assert viewer.get(reverse(f"admin:{model}_add")).status_code == 403


def test_a_schedule_added_by_a_team_manager_is_their_teams(aw: AdminWorld) -> None:
    response = manager(aw).post(
        reverse("admin:scheduling_daypartingschedule_add"),
        {"name": "Alpha mornings", "is_active": "on", **WINDOW},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert DaypartingSchedule.objects.get(name="Alpha mornings").team == aw.world.team_a


def test_a_shared_schedule_opens_read_only_to_a_team_manager(aw: AdminWorld) -> None:
    page = manager(aw).get(reverse("admin:scheduling_daypartingschedule_change", args=[aw.world.shared.pk]))
    own = manager(aw).get(reverse("admin:scheduling_daypartingschedule_change", args=[aw.world.sa.pk]))

    assert 'name="_save"' not in page.content.decode()
    assert 'name="_save"' in own.content.decode()


def test_a_shared_schedule_counts_only_the_users_campaigns(aw: AdminWorld) -> None:
    make_campaign(brand=aw.world.b, name="Beta shared user", dayparting_schedule=aw.world.shared)
    make_campaign(brand=aw.world.a, name="Alpha shared user", dayparting_schedule=aw.world.shared)

    listed = manager(aw).get(reverse("admin:scheduling_daypartingschedule_changelist"))

    row = next(s for s in listed.context["cl"].result_list if s.pk == aw.world.shared.pk)
    assert row.campaign_count == 1
    assert "Beta" not in listed.content.decode()


def test_a_campaign_cannot_take_a_schedule_of_a_team_not_holding_its_brand(aw: AdminWorld) -> None:
    gamma_brand = make_brand(name="Gamma brand")
    make_team("Gamma team", [gamma_brand], members=[(aw.staff["staff_manager"], Role.MANAGER)])

    response = manager(aw).post(
        reverse("admin:campaigns_campaign_add"),
        {
            "brand": gamma_brand.pk,
            "name": "Gamma launch",
            "status": "draft",
            "dayparting_schedule": aw.world.sa.pk,
        },
    )

    assert response.status_code == 200
    assert "dayparting_schedule" in response.context["adminform"].form.errors
    assert not Campaign.objects.filter(name="Gamma launch").exists()


@pytest.mark.parametrize(("who", "records"), [("staff_integration", True), ("staff_viewer", False)])
def test_spend_is_recorded_in_the_admin_by_role(aw: AdminWorld, who: str, records: bool) -> None:
    client = aw.clients[who]
    before = Spend.objects.count()

    response = client.post(
        reverse("admin:spending_spend_add"),
        {"campaign": aw.world.ca.pk, "amount": "2.00", "source": "manual"},
    )

    assert response.status_code == (302 if records else 403)
    assert Spend.objects.count() == before + (1 if records else 0)


def test_the_disabled_endpoints_warning_counts_only_the_users_endpoints(aw: AdminWorld) -> None:
    WebhookEndpoint.objects.filter(pk=aw.world.endpoint_b.pk).update(enabled=False)

    listed = manager(aw).get(reverse("admin:events_webhookendpoint_changelist"))

    assert "disabled" not in " ".join(str(m) for m in listed.context["messages"])


def test_a_team_member_added_later_sees_the_brand_at_once(aw: Any) -> None:
    staff = aw.staff["staff_viewer"]
    gamma_brand = make_brand(name="Gamma brand")
    team = make_team("Gamma team", [gamma_brand])
    page = aw.clients["staff_viewer"].get(reverse("admin:brands_brand_change", args=[gamma_brand.pk]))
    TeamMember.objects.create(team=team, user=staff, role=Role.VIEWER)
    again = aw.clients["staff_viewer"].get(reverse("admin:brands_brand_change", args=[gamma_brand.pk]))

    assert (page.status_code, again.status_code) == (404, 200)
