"""Issue 14, acceptance 1: every change and its event commit together, or neither does.

For each row of API.md's events table (and the access events), from each entry point that
makes that change (the API, the admin, a command, a job), the change is made twice on the
same data:

* as is: the change is there, and so is its event, with the actor of the entry point;
* with the log refusing that event (a database trigger makes inserting an event of that
  type fail, whichever statement inserts it): the change is absent too, and no event.

The trigger fails the event's own insert, after the change's statements have run in the
same transaction, so "neither" means the change was rolled back with its event.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from access.models import ApiKey, Team
from access.roles import Role
from access.services import api_key_create
from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import PauseReason, Status
from core.actors import Actor
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.selectors import event_log
from scheduling.models import DaypartingSchedule
from spending.models import Spend
from spending.services import spend_record
from tasks import tasks as jobs

pytestmark = pytest.mark.django_db

# A Wednesday, 12:00 UTC; the next brand-local day in UTC starts at NEXT_DAY.
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
NEXT_DAY = dt.datetime(2026, 11, 19, 0, 5, tzinfo=dt.UTC)
TOKEN_USER = "boss"


# --- The refusing log --------------------------------------------------------------------


@contextmanager
def log_refusing(event_type: str) -> Iterator[None]:
    """While inside, inserting an event of ``event_type`` fails in the database (a trigger
    raising an integrity error), whichever code path and statement inserts it."""
    assert re.fullmatch(r"[a-z_]+\.[a-z_]+", event_type)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION outbox_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
                "BEGIN IF NEW.type = TG_ARGV[0] THEN "
                "RAISE EXCEPTION 'the log refuses %', NEW.type USING ERRCODE = 'check_violation'; "
                "END IF; RETURN NEW; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER outbox_test_refuse BEFORE INSERT ON events_event FOR EACH ROW "
                f"EXECUTE FUNCTION outbox_test_refuse('{event_type}')"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER outbox_test_refuse BEFORE INSERT ON events_event "
                f"WHEN NEW.type = '{event_type}' BEGIN SELECT RAISE(ABORT, 'the log refuses'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER outbox_test_refuse" + (" ON events_event" if _pg() else ""))
            if _pg():
                cursor.execute("DROP FUNCTION outbox_test_refuse()")


def _pg() -> bool:
    return connection.vendor == "postgresql"


# --- The world each case acts on ------------------------------------------------------------


@dataclass
class World:
    api: APIClient
    admin: Client  # the same superuser, logged in to the ops console
    brand: Brand
    serving: Campaign  # serving, daily cap 10.00, nothing spent
    stopped: Campaign  # stopped by its daily cap (10.00 spent today)
    stale: Campaign  # stopped by the system for its daily cap, but nothing spent: free again
    draft: Campaign
    schedule: DaypartingSchedule
    team: Team


@pytest.fixture
def world() -> World:
    with time_machine.travel(NOON, tick=False):
        user = User.objects.create_superuser(TOKEN_USER, password=None)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        api.raise_request_exception = False
        console = Client(raise_request_exception=False)
        console.force_login(user)
        brand = make_brand(name="Acme", timezone="UTC")
        stopped = make_campaign(brand=brand, name="Stopped", daily_budget=Decimal("10.00"))
        spend_record(campaign_id=stopped.pk, amount="10.00")
        world = World(
            api=api,
            admin=console,
            brand=brand,
            serving=make_campaign(brand=brand, name="Serving", daily_budget=Decimal("10.00")),
            stopped=_fresh(stopped),
            stale=make_campaign(
                brand=brand,
                name="Stale",
                daily_budget=Decimal("10.00"),
                is_active=False,
                pause_reason=PauseReason.CAMPAIGN_DAILY_BUDGET,
            ),
            draft=make_campaign(brand=brand, name="Draft", status=Status.DRAFT),
            schedule=make_schedule(([0, 1, 2, 3, 4], "09:00", "17:00"), name="Office hours"),
            team=Team.objects.create(name="Acme team"),
        )
        world.team.brands.add(brand)
    assert _serves(world.stopped) == (False, PauseReason.CAMPAIGN_DAILY_BUDGET)
    return world


def _fresh(campaign: Campaign) -> Campaign:
    return Campaign.objects.get(pk=campaign.pk)


def _serves(campaign: Campaign) -> tuple[bool, str]:
    fresh = _fresh(campaign)
    return fresh.is_active, fresh.pause_reason


def _api_ok(response: Any) -> None:
    assert response.status_code < 300, (response.status_code, getattr(response, "content", b"")[:500])


def _command(*args: str) -> None:
    call_command(*args, stdout=StringIO(), stderr=StringIO())


@dataclass(frozen=True)
class Case:
    name: str
    event_type: str
    act: Callable[[World], object]
    changed: Callable[[World], bool]
    actor: tuple[str, str]  # the event's (actor kind, actor name)
    moment: dt.datetime = NOON


TOKEN = ("token", TOKEN_USER)
USER = ("user", TOKEN_USER)


def _admin_ok(response: Any) -> None:
    """A saved form redirects (302); an action redirects to the list; the key page shows it."""
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert b"errorlist" not in response.content, response.content.decode()[:3000]


def _admin(name: str, *args: object) -> str:
    return reverse(f"admin:{name}", args=args)


def _inline(prefix: str, total: int, initial: int = 0) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _brand_form(name: str, daily_budget: str = "", is_active: bool = True) -> dict[str, str]:
    form = {
        "name": name,
        "timezone": "UTC",
        "currency": "USD",
        "daily_budget": daily_budget,
        "monthly_budget": "",
        **_inline("campaigns", 0),
    }
    if is_active:
        form["is_active"] = "on"
    return form


def _campaign_form(campaign: Campaign, **changes: str) -> dict[str, str]:
    form = {
        "name": campaign.name,
        "status": campaign.status,
        "daily_budget": "" if campaign.daily_budget is None else str(campaign.daily_budget),
        "monthly_budget": "" if campaign.monthly_budget is None else str(campaign.monthly_budget),
        "dayparting_schedule": "",
        "change_reason": "",
    }
    return {**form, **changes}


def _schedule_form(name: str, days: list[str], window_id: str = "", schedule_id: str = "") -> dict[str, Any]:
    form: dict[str, Any] = {
        "name": name,
        "timezone": "",
        "is_active": "on",
        **_inline("windows", 1, initial=1 if window_id else 0),
        "windows-0-days_mask": days,
        "windows-0-start_time": "09:00",
        "windows-0-end_time": "17:00",
    }
    if window_id:
        form.update({"windows-0-id": window_id, "windows-0-schedule": schedule_id})
    return form


def _team_form(name: str, brand_ids: list[int]) -> dict[str, Any]:
    return {"name": name, "brands": brand_ids, **_inline("members", 0), **_inline("api_keys", 0)}


CASES = [
    # --- the API ---------------------------------------------------------------------------
    Case(
        "api brand.created",
        "brand.created",
        lambda w: _api_ok(
            w.api.post("/api/v1/brands/", {"name": "Globex", "timezone": "UTC"}, format="json")
        ),
        lambda w: Brand.objects.filter(name="Globex").exists(),
        TOKEN,
    ),
    Case(
        "api brand.updated: a budget change",
        "brand.updated",
        lambda w: _api_ok(
            w.api.patch(f"/api/v1/brands/{w.brand.pk}/", {"daily_budget": "75.00"}, format="json")
        ),
        lambda w: Brand.objects.get(pk=w.brand.pk).daily_budget == Decimal("75.00"),
        TOKEN,
    ),
    Case(
        "api campaign.created",
        "campaign.created",
        lambda w: _api_ok(
            w.api.post("/api/v1/campaigns/", {"brand": w.brand.pk, "name": "Launch"}, format="json")
        ),
        lambda w: Campaign.objects.filter(name="Launch").exists(),
        TOKEN,
    ),
    Case(
        "api campaign.updated",
        "campaign.updated",
        lambda w: _api_ok(
            w.api.patch(f"/api/v1/campaigns/{w.serving.pk}/", {"monthly_budget": "900.00"}, format="json")
        ),
        lambda w: _fresh(w.serving).monthly_budget == Decimal("900.00"),
        TOKEN,
    ),
    Case(
        "api campaign.paused: a crossing spend",
        "campaign.paused",
        lambda w: _api_ok(
            w.api.post("/api/v1/spends/", {"campaign": w.serving.pk, "amount": "10.00"}, format="json")
        ),
        lambda w: Spend.objects.filter(campaign=w.serving).exists() and not _fresh(w.serving).is_active,
        ("system", "spend"),
    ),
    Case(
        "api campaign.resumed: a raised budget",
        "campaign.resumed",
        lambda w: _api_ok(
            w.api.patch(f"/api/v1/campaigns/{w.stopped.pk}/", {"daily_budget": "20.00"}, format="json")
        ),
        lambda w: _fresh(w.stopped).daily_budget == Decimal("20.00") and _fresh(w.stopped).is_active,
        TOKEN,
    ),
    Case(
        "api campaign.reason_changed: the brand deactivated",
        "campaign.reason_changed",
        lambda w: _api_ok(w.api.patch(f"/api/v1/brands/{w.brand.pk}/", {"is_active": False}, format="json")),
        lambda w: (
            not Brand.objects.get(pk=w.brand.pk).is_active
            and _serves(w.stopped) == (False, PauseReason.BRAND_INACTIVE)
        ),
        TOKEN,
    ),
    Case(
        "api campaign.paused: a person's pause",
        "campaign.paused",
        lambda w: _api_ok(w.api.post(f"/api/v1/campaigns/{w.serving.pk}/pause/")),
        lambda w: _fresh(w.serving).status == Status.PAUSED,
        TOKEN,
    ),
    Case(
        "api campaign.resumed: an activation",
        "campaign.resumed",
        lambda w: _api_ok(w.api.post(f"/api/v1/campaigns/{w.draft.pk}/activate/")),
        lambda w: _fresh(w.draft).status == Status.ACTIVE,
        TOKEN,
    ),
    Case(
        "api schedule.created",
        "schedule.created",
        lambda w: _api_ok(
            w.api.post(
                "/api/v1/schedules/",
                {
                    "name": "Evenings",
                    "windows": [{"days_of_week": [0, 1], "start_time": "18:00", "end_time": "22:00"}],
                },
                format="json",
            )
        ),
        lambda w: DaypartingSchedule.objects.filter(name="Evenings").exists(),
        TOKEN,
    ),
    Case(
        "api schedule.updated",
        "schedule.updated",
        lambda w: _api_ok(
            w.api.patch(
                f"/api/v1/schedules/{w.schedule.pk}/",
                {"windows": [{"days_of_week": [5, 6], "start_time": "10:00", "end_time": "14:00"}]},
                format="json",
            )
        ),
        lambda w: [window.days_of_week for window in w.schedule.windows.all()] == [[5, 6]],
        TOKEN,
    ),
    Case(
        "api api_key.created",
        "api_key.created",
        lambda w: _api_ok(
            w.api.post(
                "/api/v1/api-keys/",
                {"name": "sync", "team": w.team.pk, "role": Role.INTEGRATION},
                format="json",
            )
        ),
        lambda w: ApiKey.objects.filter(name="sync").exists(),
        TOKEN,
    ),
    Case(
        "api api_key.revoked",
        "api_key.revoked",
        lambda w: _api_ok(w.api.delete(f"/api/v1/api-keys/{_key(w).pk}/")),
        lambda w: ApiKey.objects.get(name="robot").revoked,
        TOKEN,
    ),
    # --- the admin (the ops console) ----------------------------------------------------------
    Case(
        "admin brand.created",
        "brand.created",
        lambda w: _admin_ok(w.admin.post(_admin("brands_brand_add"), _brand_form("Initech"))),
        lambda w: Brand.objects.filter(name="Initech").exists(),
        USER,
    ),
    Case(
        "admin brand.updated: a budget change",
        "brand.updated",
        lambda w: _admin_ok(
            w.admin.post(_admin("brands_brand_change", w.brand.pk), _brand_form("Acme", daily_budget="75.00"))
        ),
        lambda w: Brand.objects.get(pk=w.brand.pk).daily_budget == Decimal("75.00"),
        USER,
    ),
    Case(
        "admin campaign.reason_changed: the brand deactivated by the action",
        "campaign.reason_changed",
        lambda w: _admin_ok(
            w.admin.post(
                _admin("brands_brand_changelist"),
                {"action": "deactivate_brands", "_selected_action": [w.brand.pk]},
            )
        ),
        lambda w: _serves(w.stopped) == (False, PauseReason.BRAND_INACTIVE),
        USER,
    ),
    Case(
        "admin campaign.created",
        "campaign.created",
        lambda w: _admin_ok(
            w.admin.post(
                _admin("campaigns_campaign_add"),
                {
                    "brand": w.brand.pk,
                    "name": "Console",
                    "status": "draft",
                    "daily_budget": "",
                    "monthly_budget": "",
                },
            )
        ),
        lambda w: Campaign.objects.filter(name="Console").exists(),
        USER,
    ),
    Case(
        "admin campaign.updated",
        "campaign.updated",
        lambda w: _admin_ok(
            w.admin.post(
                _admin("campaigns_campaign_change", w.serving.pk),
                _campaign_form(w.serving, monthly_budget="900.00", change_reason="new quarter"),
            )
        ),
        lambda w: _fresh(w.serving).monthly_budget == Decimal("900.00"),
        USER,
    ),
    Case(
        "admin campaign.paused: a crossing spend added",
        "campaign.paused",
        lambda w: _admin_ok(
            w.admin.post(
                _admin("spending_spend_add"),
                {
                    "campaign": w.serving.pk,
                    "amount": "10.00",
                    "date": "",
                    "description": "fix",
                    "source": "manual",
                },
            )
        ),
        lambda w: Spend.objects.filter(campaign=w.serving).exists() and not _fresh(w.serving).is_active,
        ("system", "spend"),
    ),
    Case(
        "admin campaign.paused: the pause action",
        "campaign.paused",
        lambda w: _admin_ok(
            w.admin.post(
                _admin("campaigns_campaign_changelist"),
                {"action": "pause_campaigns", "_selected_action": [w.serving.pk]},
            )
        ),
        lambda w: _fresh(w.serving).status == Status.PAUSED,
        USER,
    ),
    Case(
        "admin campaign.resumed: the activate action",
        "campaign.resumed",
        lambda w: _admin_ok(
            w.admin.post(
                _admin("campaigns_campaign_changelist"),
                {"action": "activate_campaigns", "_selected_action": [w.draft.pk]},
            )
        ),
        lambda w: _fresh(w.draft).status == Status.ACTIVE,
        USER,
    ),
    Case(
        "admin schedule.created",
        "schedule.created",
        lambda w: _admin_ok(
            w.admin.post(_admin("scheduling_daypartingschedule_add"), _schedule_form("Weekends", ["5", "6"]))
        ),
        lambda w: DaypartingSchedule.objects.filter(name="Weekends").exists(),
        USER,
    ),
    Case(
        "admin schedule.updated",
        "schedule.updated",
        lambda w: _admin_ok(
            w.admin.post(
                _admin("scheduling_daypartingschedule_change", w.schedule.pk),
                _schedule_form(
                    "Office hours",
                    ["0"],
                    window_id=str(w.schedule.windows.get().pk),
                    schedule_id=str(w.schedule.pk),
                ),
            )
        ),
        lambda w: [window.days_of_week for window in w.schedule.windows.all()] == [[0]],
        USER,
    ),
    Case(
        "admin team.created",
        "team.created",
        lambda w: _admin_ok(w.admin.post(_admin("access_team_add"), _team_form("Globex team", [w.brand.pk]))),
        lambda w: Team.objects.filter(name="Globex team").exists(),
        USER,
    ),
    Case(
        "admin team.updated",
        "team.updated",
        lambda w: _admin_ok(
            w.admin.post(_admin("access_team_change", w.team.pk), _team_form("Acme people", []))
        ),
        lambda w: Team.objects.get(pk=w.team.pk).name == "Acme people",
        USER,
    ),
    Case(
        "admin api_key.created",
        "api_key.created",
        lambda w: _admin_ok(
            w.admin.post(
                _admin("access_apikey_add"),
                {
                    "name": "console",
                    "team": str(w.team.pk),
                    "role": Role.INTEGRATION,
                    "expiry_date_0": "",
                    "expiry_date_1": "",
                },
            )
        ),
        lambda w: ApiKey.objects.filter(name="console").exists(),
        USER,
    ),
    Case(
        "admin api_key.revoked: the revoke action",
        "api_key.revoked",
        lambda w: _admin_ok(
            w.admin.post(
                _admin("access_apikey_changelist"),
                {"action": "revoke_keys", "_selected_action": [_key(w).pk]},
            )
        ),
        lambda w: ApiKey.objects.get(name="robot").revoked,
        USER,
    ),
    # --- commands --------------------------------------------------------------------------
    Case(
        "command record_spend: campaign.paused",
        "campaign.paused",
        lambda w: _command("record_spend", str(w.serving.pk), "10.00"),
        lambda w: Spend.objects.filter(campaign=w.serving).exists() and not _fresh(w.serving).is_active,
        ("system", "spend"),
    ),
    Case(
        "command enforce_budgets: campaign.resumed",
        "campaign.resumed",
        lambda w: _command("enforce_budgets"),
        lambda w: _fresh(w.stale).is_active,
        ("system", "enforce_budgets"),
    ),
    Case(
        "command enforce_budgets: campaign.reason_changed",
        "campaign.reason_changed",
        lambda w: _then(_brand_cap(w, "10.00"), lambda: _command("enforce_budgets")),
        lambda w: _serves(w.stopped) == (False, PauseReason.BRAND_DAILY_BUDGET),
        ("system", "enforce_budgets"),
    ),
    Case(
        "command reset_budgets: campaign.resumed",
        "campaign.resumed",
        lambda w: _command("reset_budgets", "--daily"),
        lambda w: _fresh(w.stopped).is_active,
        ("system", "reset_daily_budgets"),
        moment=NEXT_DAY,
    ),
    Case(
        "command create_api_key: api_key.created",
        "api_key.created",
        lambda w: _command(
            "create_api_key", "--team", str(w.team.pk), "--role", "integration", "--name", "cli"
        ),
        lambda w: ApiKey.objects.filter(name="cli").exists(),
        ("system", "create_api_key command"),
    ),
    # --- jobs (the Celery tasks' bodies) ---------------------------------------------------
    Case(
        "job enforce_budgets: campaign.paused",
        "campaign.paused",
        lambda w: _then(_campaign_cap(w.serving, "0.00"), jobs.enforce_budgets),
        lambda w: _serves(w.serving) == (False, PauseReason.CAMPAIGN_DAILY_BUDGET),
        ("system", "enforce_budgets"),
    ),
    Case(
        "job reset_daily_budgets: campaign.resumed",
        "campaign.resumed",
        lambda w: jobs.reset_daily_budgets(),
        lambda w: _fresh(w.stopped).is_active,
        ("system", "reset_daily_budgets"),
        moment=NEXT_DAY,
    ),
    Case(
        "job enforce_dayparting: campaign.reason_changed",
        "campaign.reason_changed",
        # stopped for a cap it no longer reaches, and now outside its new schedule
        lambda w: _then(_schedule(w.stale, _night()), jobs.enforce_dayparting),
        lambda w: _serves(w.stale) == (False, PauseReason.OUTSIDE_SCHEDULE),
        ("system", "enforce_dayparting"),
    ),
]


# Set-ups written behind the services' back (as a data fix or a restore would): the next
# sweep applies them. Each returns how many rows it touched, for ``_then``.


def _brand_cap(world: World, daily: str) -> int:
    return Brand.objects.filter(pk=world.brand.pk).update(daily_budget=Decimal(daily))


def _campaign_cap(campaign: Campaign, daily: str) -> int:
    return Campaign.objects.filter(pk=campaign.pk).update(daily_budget=Decimal(daily))


def _schedule(campaign: Campaign, schedule: DaypartingSchedule) -> int:
    return Campaign.objects.filter(pk=campaign.pk).update(dayparting_schedule=schedule)


def _then(touched: int, act: Callable[[], object]) -> object:
    """After a set-up that touched one row, the entry point's act."""
    assert touched == 1
    return act()


def _key(world: World) -> ApiKey:
    """A key of the world's team, made outside the case (its own events are not the case's)."""
    key = ApiKey.objects.filter(name="robot").first()
    if key is None:
        key = api_key_create(
            team_id=world.team.pk, role=Role.INTEGRATION, name="robot", actor=Actor.system("test")
        ).api_key
    return key


def _night() -> DaypartingSchedule:
    return make_schedule(([0, 1, 2, 3, 4, 5, 6], "01:00", "02:00"), name="Night")


@pytest.mark.parametrize("refused", [False, True], ids=["commits", "refused"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_change_and_its_event_commit_together(world: World, case: Case, refused: bool) -> None:
    # given: what the case acts on (made before the clock moves, and outside the case)
    if "revoked" in case.event_type:
        _key(world)
    before = set(event_log(types=[case.event_type]).values_list("seq", flat=True))

    # when
    with time_machine.travel(case.moment, tick=False):
        if not refused:
            case.act(world)
        else:
            # The entry point answers the failed write its own way (an error response, a
            # raised error, a job's error count); what counts is what is left.
            with log_refusing(case.event_type), contextlib.suppress(Exception):
                case.act(world)

    # then
    new = [event for event in event_log(types=[case.event_type]) if event.seq not in before]
    if refused:
        assert new == []
        assert not case.changed(world), "the change committed without its event"
        return
    assert case.changed(world)
    assert new, "the change committed without its event"
    assert {(event.actor_kind, event.actor_name) for event in new} == {case.actor}
