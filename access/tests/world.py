"""Two teams and the people and keys of team A, for the authorization matrices (API and admin).

Team A holds brands ``a`` (a campaign ``ca`` with spend, on A's schedule ``sa``) and
``a_spare`` (nothing hangs from it: deletable); team B holds brand ``b`` with its campaign,
schedule, spend, event, webhook endpoint and API key. Team B's rows have large fixed ids
(``B_IDS``), so that an answer can be compared with the answer for an id that does not exist
(``MISSING``) by swapping the two numbers. Every name of team B starts with ``Beta`` and every
URL of it with ``https://beta.example.com``: a page or body that shows them leaks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from access.models import ApiKey, Team, TeamMember
from access.roles import Role
from access.services import api_key_create
from api.groups import INTEGRATION, OPS, READ_ONLY, sync_groups
from brands.models import Brand
from campaigns.models import Campaign
from core.actors import Actor
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.models import Event, WebhookEndpoint
from events.services import NewEvent, event_append_many, events_position, webhook_endpoint_create
from scheduling.models import DaypartingSchedule
from spending.models import Spend
from spending.services import spend_record

from .helpers import key_client, make_person

B_IDS = {"team": 7_000_101, "brand": 7_000_001, "campaign": 7_000_011, "schedule": 7_000_021}
MISSING = 8_000_001  # no row has this id
BETA = "Beta"
BETA_URL = "https://beta.example.com"


@dataclass
class Caller:
    """One actor of team A: how it authenticates, and what it owns."""

    name: str
    client: APIClient
    user: User
    key: ApiKey | None = None
    endpoint: WebhookEndpoint | None = None  # its own webhook endpoint

    @property
    def is_key(self) -> bool:
        return self.key is not None


@dataclass
class World:
    team_a: Team
    a: Brand
    a_spare: Brand
    ca: Campaign
    ca_spare: Campaign
    sa: DaypartingSchedule
    sa_spare: DaypartingSchedule
    shared: DaypartingSchedule
    spend_a: Spend
    event_a: int
    key_a_spare: ApiKey
    team_b: Team
    b: Brand
    cb: Campaign
    sb: DaypartingSchedule
    spend_b: Spend
    event_b: int
    endpoint_b: WebhookEndpoint
    key_b: ApiKey
    manager_b: User
    callers: dict[str, Caller] = field(default_factory=dict)

    def foreign_ids(self) -> dict[int, int]:
        """Each id of team B that a request may carry, mapped to the id that does not exist."""
        return dict.fromkeys(B_IDS.values(), MISSING)


def _event(brand: Brand, campaign: Campaign) -> None:
    reason = "campaign_daily_budget"
    event_append_many(
        events=[
            NewEvent(
                type="campaign.paused",
                data={"reason": reason, "reasons": [reason]},
                brand_id=brand.pk,
                campaign_id=campaign.pk,
            )
        ],
        actor=Actor.system("test"),
    )


def _token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _session_client(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def build_world() -> World:
    """Both teams, team A's callers (viewer by token, manager by session, integration and
    manager keys, an integration person by token), each with a webhook endpoint of its own."""
    from django.db import transaction

    sync_groups()
    with transaction.atomic():
        team_a = Team.objects.create(name="Alpha team")
        a = make_brand(name="Alpha", daily_budget=Decimal("100.00"))
        a_spare = make_brand(name="Alpha spare")
        team_a.brands.set([a, a_spare])
        sa = make_schedule(([0, 1, 2, 3, 4, 5, 6], "00:00", "23:59"), name="Alpha hours", team=team_a)
        sa_spare = make_schedule(([0], "09:00", "10:00"), name="Alpha spare hours", team=team_a)
        shared = make_schedule(([0, 1, 2, 3, 4, 5, 6], "00:00", "23:59"), name="Shared hours")
        ca = make_campaign(
            brand=a, name="Alpha launch", daily_budget=Decimal("50.00"), dayparting_schedule=sa
        )
        ca_spare = make_campaign(brand=a, name="Alpha spare campaign", status="draft")

        team_b = Team.objects.create(pk=B_IDS["team"], name=f"{BETA} team")
        b = make_brand(pk=B_IDS["brand"], name=f"{BETA} brand", daily_budget=Decimal("100.00"))
        team_b.brands.set([b])
        sb = make_schedule(
            ([0, 1, 2, 3, 4, 5, 6], "00:00", "23:59"), pk=B_IDS["schedule"], name=f"{BETA} hours", team=team_b
        )
        cb = make_campaign(
            pk=B_IDS["campaign"],
            brand=b,
            name=f"{BETA} launch",
            daily_budget=Decimal("50.00"),
            dayparting_schedule=sb,
        )
        manager_b = make_person("beta-manager", group=OPS)
        TeamMember.objects.create(team=team_b, user=manager_b, role=Role.MANAGER)

    spend_a = spend_record(campaign_id=ca.pk, amount="5.00", source="alpha-sync", external_id="row-1").spend
    spend_b = spend_record(
        campaign_id=cb.pk, amount="5.00", source="beta-sync", external_id="beta-row-1"
    ).spend
    with transaction.atomic():
        _event(a, ca)
    event_a = int(events_position())
    with transaction.atomic():
        _event(b, cb)
    event_b = int(events_position())
    endpoint_b = webhook_endpoint_create(
        url=f"{BETA_URL}/hooks", description=f"{BETA} hooks", owner_id=manager_b.pk
    )
    system = Actor.system("test")
    key_b = api_key_create(team_id=team_b.pk, role=Role.INTEGRATION, name=f"{BETA} key", actor=system).api_key
    key_a_spare = api_key_create(
        team_id=team_a.pk, role=Role.VIEWER, name="Alpha spare key", actor=system
    ).api_key

    world = World(
        team_a=team_a,
        a=a,
        a_spare=a_spare,
        ca=ca,
        ca_spare=ca_spare,
        sa=sa,
        sa_spare=sa_spare,
        shared=shared,
        spend_a=spend_a,
        event_a=event_a,
        key_a_spare=key_a_spare,
        team_b=team_b,
        b=b,
        cb=cb,
        sb=sb,
        spend_b=spend_b,
        event_b=event_b,
        endpoint_b=endpoint_b,
        key_b=key_b,
        manager_b=manager_b,
    )
    people = {
        "viewer": (READ_ONLY, Role.VIEWER, _token_client),
        "manager": (OPS, Role.MANAGER, _session_client),
        "integration_token": (INTEGRATION, Role.INTEGRATION, _token_client),
    }
    for name, (group, role, connect) in people.items():
        user = make_person(f"alpha-{name}", group=group)
        TeamMember.objects.create(team=team_a, user=user, role=role)
        world.callers[name] = Caller(name=name, client=connect(user), user=user)
    for name, role in (("integration_key", Role.INTEGRATION), ("manager_key", Role.MANAGER)):
        created = api_key_create(team_id=team_a.pk, role=role, name=f"alpha {name}", actor=system)
        world.callers[name] = Caller(
            name=name, client=key_client(created.key), user=created.api_key.user, key=created.api_key
        )
    for caller in world.callers.values():
        caller.endpoint = webhook_endpoint_create(
            url=f"https://alpha.example.com/{caller.name}", owner_id=caller.user.pk
        )
        # A key's first use writes its last_used_at; done here, before any test's snapshot.
        assert caller.client.get("/api/v1/ping/").status_code == 200
    return ready_for_a_test(world)


def ready_for_a_test(world: World) -> World:
    """What a test of the world needs done before its first snapshot (at the end of
    ``build_world``, and again for each test of a world shared by a module)."""
    for caller in world.callers.values():
        if caller.is_key:  # a key's use writes last_used_at again once a minute has passed
            assert caller.client.get("/api/v1/ping/").status_code == 200
    # The feed numbers committed events before it reads; number the set-up's events now, so
    # that what a request changes is its own doing.
    events_position()
    return world


def reloaded(world: World) -> World:
    """The world's rows read again from the database (a test of a shared world starts from
    the rows as built, whatever an earlier test did to its copies in memory)."""
    for value in vars(world).values():
        if isinstance(value, Model):
            value.refresh_from_db()
    for caller in world.callers.values():
        for row in (caller.user, caller.key, caller.endpoint):
            if row is not None:
                row.refresh_from_db()
    return world


# --- The database, every table of it -------------------------------------------------------


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, as text, sorted: equal snapshots mean nothing changed."""
    rows: dict[str, list[str]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - names from introspection
            rows[table] = sorted(repr(row) for row in cursor.fetchall())
    return rows


def changed_tables(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [table for table in sorted(set(before) | set(after)) if before.get(table) != after.get(table)]


def counts_of_team_a(world: World) -> dict[str, int]:
    """What team A's callers may see of each list, counted in the database."""
    brands = [world.a.pk, world.a_spare.pk]
    return {
        "brands": Brand.objects.filter(pk__in=brands).count(),
        "campaigns": Campaign.objects.filter(brand_id__in=brands).count(),
        "spends": Spend.objects.filter(brand_id__in=brands).count(),
        "schedules": DaypartingSchedule.objects.exclude(team=world.team_b).count(),
        "events": Event.objects.filter(
            brand_id__in=brands, position__isnull=False, endpoint__isnull=True
        ).count(),
    }
