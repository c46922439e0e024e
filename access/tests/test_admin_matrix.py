"""The admin's authorization matrix, generated from the admin site's registry (issue 16,
acceptance 2).

Staff members of team A who are not ops (a manager, a viewer and an integration, each with
the same model permissions, so that only the team role tells them apart) never see or change
team B's objects: on every list (its HTML, its querysets and counts, its filters), change,
history and delete page (404, as for an id that does not exist), action, add form (choices
and what a hand-made POST naming team B's objects does), autocomplete, export and the
dashboard, with every table of the database compared before and after. Their own objects
open by role (read-only for a role that does not change them). Every model registered in
the admin must be classified here, scoped or ops only; a new one fails
``test_every_admin_page_is_in_the_matrix``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission, User
from django.db.models import Model
from django.test import Client
from django.urls import NoReverseMatch, reverse

from access.models import TeamMember
from access.roles import Role
from api.groups import GROUP_PERMISSIONS, OPS
from brands.models import Brand
from campaigns.models import Campaign
from core.timeutils import now
from events.models import Event, WebhookDelivery, WebhookEndpoint, WebhookMessage
from events.services import webhook_endpoint_create
from scheduling.models import DaypartingSchedule
from spending.models import Spend
from tasks.models import BrandResetMarker, Heartbeat, SweepRun

from .helpers import make_person
from .world import BETA, BETA_URL, MISSING, World, build_world, changed_tables, snapshot

pytestmark = pytest.mark.django_db

STAFF = {"staff_manager": Role.MANAGER, "staff_viewer": Role.VIEWER, "staff_integration": Role.INTEGRATION}
# What the account managers of these tests may do by model permission (their role narrows it).
EXTRA_PERMISSIONS = [
    "tasks.view_brandresetmarker",
    "tasks.view_heartbeat",
    "tasks.view_sweeprun",
    "events.view_webhookdelivery",
    "auth.view_user",
    "access.view_team",
    "access.view_apikey",
    "django_celery_beat.view_periodictask",
    "axes.view_accessattempt",
]


@dataclass
class AdminWorld:
    world: World
    staff: dict[str, User]
    clients: dict[str, Client]
    endpoints: dict[str, WebhookEndpoint]
    delivery_a: dict[str, WebhookDelivery]
    delivery_b: WebhookDelivery


def _delivery(endpoint: WebhookEndpoint, event: Event) -> WebhookDelivery:
    message = WebhookMessage.objects.create(endpoint=endpoint, event=event, position=event.position or 0)
    return WebhookDelivery.objects.create(
        endpoint=endpoint, message=message, event=event, attempt=1, status_code=200, at=now()
    )


def build_admin_world(world: World | None = None) -> AdminWorld:
    """Team A's staff (each logged in, with a webhook endpoint and a delivery of its own) in
    ``world`` (a new one by default), and rows of the ops-only models."""
    world = world or build_world()
    group = Group.objects.create(name="account managers")
    names = [*GROUP_PERMISSIONS[OPS], *EXTRA_PERMISSIONS]
    for name in names:
        app_label, codename = name.split(".")
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    staff, clients, endpoints, deliveries = {}, {}, {}, {}
    event_a = Event.objects.get(position=world.event_a)
    event_b = Event.objects.get(position=world.event_b)
    for name, role in STAFF.items():
        user = make_person(name, staff=True)
        user.groups.add(group)
        TeamMember.objects.create(team=world.team_a, user=user, role=role)
        staff[name] = user
        clients[name] = Client()
        clients[name].force_login(user)
        endpoints[name] = webhook_endpoint_create(url=f"https://alpha.example.com/{name}", owner_id=user.pk)
        deliveries[name] = _delivery(endpoints[name], event_a)
    for brand in (world.a, world.b):
        BrandResetMarker.objects.create(brand=brand, daily_period=now().date())
    Heartbeat.objects.create(name="beat", beat_at=now())
    SweepRun.objects.create(job="enforce_budgets", moment=now(), chunks_total=1)
    return AdminWorld(
        world=world,
        staff=staff,
        clients=clients,
        endpoints=endpoints,
        delivery_a=deliveries,
        delivery_b=_delivery(world.endpoint_b, event_b),
    )


@pytest.fixture(scope="module")
def module_admin_world(module_world: World) -> AdminWorld:
    """The admin world of the module's shared world (``access/tests/conftest.py``)."""
    return build_admin_world(module_world)


@pytest.fixture
def aw(module_admin_world: AdminWorld, shared_world: World) -> AdminWorld:
    """The module's admin world for one test: its rows read again (what the test changes in
    the database is rolled back after it)."""
    for rows in (module_admin_world.staff, module_admin_world.endpoints, module_admin_world.delivery_a):
        for row in rows.values():
            row.refresh_from_db()
    module_admin_world.delivery_b.refresh_from_db()
    return module_admin_world


# --- The classification of every admin page ---------------------------------------------------


@dataclass(frozen=True)
class Scoped:
    """A scoped model: team B's object, the user's own ones, filters naming team B, and an add
    form posted with team B's objects."""

    foreign: Callable[[AdminWorld], Model]
    own: Callable[[AdminWorld, str], list[Model]]
    filters: Callable[[AdminWorld], list[str]] = lambda aw: []
    add_with_b: Callable[[AdminWorld], dict[str, Any]] | None = None
    add_field: str = ""  # the field of the add form that names team B's object
    changer_roles: tuple[str, ...] = ("staff_manager",)  # whose change page may save


def _events_of(aw: AdminWorld, brands: list[Brand]) -> list[Model]:
    return list(Event.objects.filter(brand__in=brands))


SCOPED: dict[type[Model], Scoped] = {
    Brand: Scoped(
        foreign=lambda aw: aw.world.b,
        own=lambda aw, who: [aw.world.a, aw.world.a_spare],
        filters=lambda aw: [],
        add_with_b=lambda aw: {
            "name": "Sneaky",
            "team": aw.world.team_b.pk,
            "timezone": "UTC",
            "currency": "USD",
            "is_active": "on",
            "campaigns-TOTAL_FORMS": "0",
            "campaigns-INITIAL_FORMS": "0",
        },
        add_field="team",
    ),
    Campaign: Scoped(
        foreign=lambda aw: aw.world.cb,
        own=lambda aw, who: [aw.world.ca, aw.world.ca_spare],
        filters=lambda aw: [
            f"brand__id__exact={aw.world.b.pk}",
            f"dayparting_schedule__id__exact={aw.world.sb.pk}",
        ],
        add_with_b=lambda aw: {"brand": aw.world.b.pk, "name": "Sneaky", "status": "draft"},
        add_field="brand",
    ),
    DaypartingSchedule: Scoped(
        foreign=lambda aw: aw.world.sb,
        own=lambda aw, who: [aw.world.sa, aw.world.sa_spare, aw.world.shared],
        add_with_b=lambda aw: {
            "name": "Sneaky",
            "team": aw.world.team_b.pk,
            "timezone": "",
            "is_active": "on",
            "windows-TOTAL_FORMS": "1",
            "windows-INITIAL_FORMS": "0",
            "windows-0-days_mask": ["0"],
            "windows-0-start_time": "09:00",
            "windows-0-end_time": "10:00",
        },
        add_field="team",
    ),
    Spend: Scoped(
        foreign=lambda aw: aw.world.spend_b,
        own=lambda aw, who: [aw.world.spend_a],
        filters=lambda aw: [f"brand__id__exact={aw.world.b.pk}", f"campaign__id__exact={aw.world.cb.pk}"],
        add_with_b=lambda aw: {"campaign": aw.world.cb.pk, "amount": "1.00", "source": "manual"},
        add_field="campaign",
    ),
    BrandResetMarker: Scoped(
        foreign=lambda aw: BrandResetMarker.objects.get(brand=aw.world.b),
        own=lambda aw, who: [BrandResetMarker.objects.get(brand=aw.world.a)],
    ),
    Event: Scoped(
        foreign=lambda aw: Event.objects.get(position=aw.world.event_b),
        own=lambda aw, who: _events_of(aw, [aw.world.a, aw.world.a_spare]),
        filters=lambda aw: [f"brand__id__exact={aw.world.b.pk}", f"campaign__id__exact={aw.world.cb.pk}"],
    ),
    WebhookEndpoint: Scoped(
        foreign=lambda aw: aw.world.endpoint_b,
        own=lambda aw, who: [aw.endpoints[who]],
        add_with_b=lambda aw: {
            "url": "https://alpha.example.com/x",
            "event_types": '["*"]',
            "brands": [aw.world.b.pk],
            "enabled": "on",
        },
        add_field="brands",
        changer_roles=("staff_manager", "staff_viewer", "staff_integration"),  # owners
    ),
    WebhookDelivery: Scoped(
        foreign=lambda aw: aw.delivery_b,
        own=lambda aw, who: [aw.delivery_a[who]],
        filters=lambda aw: [f"endpoint__id__exact={aw.world.endpoint_b.pk}"],
    ),
}

# Pages for ops staff and superusers only, by app label or "app.Model".
OPS_ONLY = {"auth", "authtoken", "axes", "django_celery_beat", "access", "tasks.Heartbeat", "tasks.SweepRun"}


def ops_only(model: type[Model]) -> bool:
    return bool({model._meta.app_label, model._meta.label} & OPS_ONLY)


REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def url(model: type[Model], page: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def assert_shows_nothing_of_team_b(html: str, model: type[Model], foreign_pk: Any) -> None:
    for marker in (BETA, BETA_URL):
        assert marker not in html, f"{model._meta.label} shows {marker!r}"
    assert not re.search(rf"/{foreign_pk}/change/", html), f"{model._meta.label} links to team B's object"


def test_every_admin_page_is_in_the_matrix() -> None:
    unclassified = [m._meta.label for m in REGISTERED if m not in SCOPED and not ops_only(m)]
    assert unclassified == []
    assert not [m._meta.label for m in SCOPED if ops_only(m)]


def test_the_matrix_is_the_size_it_says() -> None:
    assert (len(SCOPED), len([m for m in REGISTERED if ops_only(m)]), len(STAFF)) == (8, 15, 3)


# --- Scoped pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", list(STAFF))
@pytest.mark.parametrize("model", list(SCOPED), ids=lambda model: model._meta.label)
def test_scoped_admin_pages(model: type[Model], who: str, aw: AdminWorld) -> None:
    spec = SCOPED[model]
    client = aw.clients[who]
    foreign = spec.foreign(aw)
    own = spec.own(aw, who)
    before = snapshot()

    # The list: HTML, the queryset and its counts hold team A's rows only.
    listed = client.get(url(model, "changelist"))
    assert listed.status_code == 200
    assert_shows_nothing_of_team_b(listed.content.decode(), model, foreign.pk)
    changelist = listed.context["cl"]
    assert set(changelist.queryset.values_list("pk", flat=True)) == {obj.pk for obj in own}
    assert changelist.result_count == len(own)
    assert changelist.full_result_count in (None, len(own))  # None: the list does not count all
    for query in spec.filters(aw):  # a filter naming team B's object: as one naming a missing id
        filtered = client.get(f"{url(model, 'changelist')}?{query}")
        missing = client.get(f"{url(model, 'changelist')}?{query.split('=')[0]}={MISSING}")
        found = set(filtered.context["cl"].queryset.values_list("pk", flat=True))
        assert found == set(missing.context["cl"].queryset.values_list("pk", flat=True)), query
        assert found <= {obj.pk for obj in own}
        assert_shows_nothing_of_team_b(filtered.content.decode(), model, foreign.pk)

    # Team B's object: absent (404) on every page, reading or writing, as a missing id is.
    for page in ("change", "history", "delete"):
        try:
            address = url(model, page, foreign.pk)
        except NoReverseMatch:
            continue
        missing = client.get(url(model, page, MISSING))
        assert (
            client.get(address).status_code
            == missing.status_code
            == (404 if missing.status_code != 403 else 403)
        )
        assert client.post(address, {"post": "yes", "name": "x"}).status_code in (403, 404)

    # Every action, on team B's object: nothing happens.
    actions = admin.site._registry[model].get_actions(listed.wsgi_request)
    for action in actions:
        client.post(
            url(model, "changelist"), {"action": action, ACTION_CHECKBOX_NAME: [foreign.pk], "index": "0"}
        )

    # Exports hold team A's rows only.
    try:
        export = url(model, "export")
    except NoReverseMatch:
        export = ""
    if export:
        content = client.post(export, {"format": "0", "resource": "0"}).content.decode("utf-8-sig")
        exported = list(csv.DictReader(io.StringIO(content)))
        assert len(exported) == len(own)
        assert BETA not in content

    # An add form never offers team B's objects, and a POST naming them creates nothing.
    if spec.add_with_b is not None:
        form = client.get(url(model, "add"))
        if form.status_code == 200:
            assert_shows_nothing_of_team_b(form.content.decode(), model, foreign.pk)
        posted = client.post(url(model, "add"), spec.add_with_b(aw))
        if posted.status_code != 403:  # (no add permission for this role)
            errors = posted.context["adminform"].form.errors
            assert list(errors) == [spec.add_field], errors  # refused for naming team B's object

    assert changed_tables(before, snapshot()) == [], f"{model._meta.label} changed for {who}"

    # Own objects open; saving is for the roles that change them.
    opened = client.get(url(model, "change", own[0].pk))
    assert opened.status_code == 200
    saves = 'name="_save"' in opened.content.decode()
    may_save = admin.site._registry[model].has_change_permission(opened.wsgi_request, own[0])
    assert saves == may_save
    if model in (Brand, Campaign, DaypartingSchedule, WebhookEndpoint):
        assert may_save == (who in spec.changer_roles)


# --- Actions on own objects by role -------------------------------------------------------------


@pytest.mark.parametrize("who", list(STAFF))
def test_actions_change_only_what_the_role_changes(who: str, aw: AdminWorld) -> None:
    client = aw.clients[who]
    selected = [aw.world.ca.pk, aw.world.cb.pk]

    client.post(
        url(Campaign, "changelist"),
        {"action": "pause_campaigns", ACTION_CHECKBOX_NAME: selected, "index": "0"},
    )

    statuses = dict(Campaign.objects.filter(pk__in=selected).values_list("pk", "status"))
    assert statuses[aw.world.cb.pk] == "active"  # team B's: never
    assert statuses[aw.world.ca.pk] == ("paused" if who == "staff_manager" else "active")


# --- Autocomplete ------------------------------------------------------------------------------


def _suggested(client: Client, source: type[Model], field: str) -> set[int]:
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": source._meta.app_label,
            "model_name": str(source._meta.model_name),
            "field_name": field,
            "term": "",
        },
    )
    if response.status_code == 403:
        return set()
    return {int(item["id"]) for item in response.json()["results"]}


@pytest.mark.parametrize("who", list(STAFF))
def test_autocompletes_offer_only_what_the_user_may_act_on(who: str, aw: AdminWorld) -> None:
    client = aw.clients[who]
    world = aw.world

    spend_campaigns = _suggested(client, Spend, "campaign")
    campaign_brands = _suggested(client, Campaign, "brand")

    records = who in ("staff_manager", "staff_integration")
    assert spend_campaigns == ({world.ca.pk, world.ca_spare.pk} if records else set())
    assert campaign_brands == ({world.a.pk, world.a_spare.pk} if who == "staff_manager" else set())


# --- The dashboard ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", list(STAFF))
def test_the_dashboard_counts_and_charts_only_team_as_brands(who: str, aw: AdminWorld) -> None:
    client = aw.clients[who]

    page = client.get(reverse("ops-dashboard"))
    chosen = client.get(reverse("ops-dashboard"), {"brand": str(aw.world.b.pk)})
    missing = client.get(reverse("ops-dashboard"), {"brand": str(MISSING)})

    html = page.content.decode()
    assert BETA not in html
    assert [brand.pk for brand in page.context["brands"]] == [aw.world.a.pk, aw.world.a_spare.pk]
    assert page.context["serving"] == Campaign.objects.filter(brand=aw.world.a, is_active=True).count()
    assert (
        chosen.context["chart"]["brand"]
        == missing.context["chart"]["brand"]
        == page.context["chart"]["brand"]
    )
    assert BETA not in chosen.content.decode()


# --- Ops-only pages --------------------------------------------------------------------------


@pytest.mark.parametrize("who", list(STAFF))
@pytest.mark.parametrize("model", [m for m in REGISTERED if ops_only(m)], ids=lambda model: model._meta.label)
def test_ops_only_pages_are_closed_to_other_staff(model: type[Model], who: str, aw: AdminWorld) -> None:
    client = aw.clients[who]

    assert client.get(url(model, "changelist")).status_code == 403
    index = client.get(reverse("admin:index")).content.decode()
    assert url(model, "changelist") not in index
    obj = model._default_manager.first()
    if obj is not None:
        assert client.get(url(model, "change", obj.pk)).status_code == 403
