"""The campaigns store: set-based writes of serving state with their events."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from campaigns import store
from campaigns.alerts import ServingChange
from campaigns.engine import reconcile
from campaigns.models import Campaign
from campaigns.rules import Status
from campaigns.store import ServingRow, load_campaigns, load_sweep_batch, write_serving_state
from core import pgdriver
from core.actors import Actor
from core.tests.factories import make_brand, make_campaign, make_schedule
from core.tests.servers import database_url
from events.selectors import event_log
from events.services import NewEvent, events_prepare
from spending.services import spend_record_many
from spending.validation import SpendInput

pytestmark = pytest.mark.django_db
UTC = dt.UTC
NOON = dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def _over_their_cap(count: int) -> list[Campaign]:
    """``count`` serving campaigns, each with spend today at its daily cap (so must stop)."""
    brand = make_brand()
    campaigns = Campaign.objects.bulk_create(
        Campaign(brand=brand, name=f"c{i}", status=Status.ACTIVE, is_active=True) for i in range(count)
    )
    spend_record_many(items=[SpendInput(c.pk, "2.00") for c in campaigns], moment=NOON)
    Campaign.objects.filter(pk__in=[c.pk for c in campaigns]).update(daily_budget=Decimal("2.00"))
    return campaigns


def _writes(count: int) -> list[str]:
    """The round trips that may write, each as its statements' first words."""
    _over_their_cap(count)
    with CaptureQueriesContext(connection) as captured:
        result = reconcile(moment=NOON, actor=Actor.system("test"))
    assert result.paused == {"campaign_daily_budget": count}
    trips = [
        " ".join(part.lstrip().split()[0].upper() for part in q["sql"].split(";"))
        for q in captured.captured_queries
    ]
    return [trip for trip in trips if trip.split()[0] in {"UPDATE", "INSERT", "EXECUTE"}]


@pytest.mark.postgres
@time_machine.travel(NOON, tick=False)
def test_pausing_many_campaigns_is_one_update_and_one_insert_whatever_their_number() -> None:
    few = _writes(3)
    Campaign.objects.update(status=Status.PAUSED, is_active=False, pause_reason="")  # out of the way
    many = _writes(300)
    assert few == many
    # The campaigns' read without locks, then the changed ones' brands locked with their
    # read again, then the serving state with its events: the write is one round trip of
    # two statements.
    assert few == ["EXECUTE", "EXECUTE EXECUTE", "EXECUTE EXECUTE"]
    assert event_log(types=["campaign.paused"]).count() == 303
    stopped = list(Campaign.objects.filter(status=Status.ACTIVE))
    with CaptureQueriesContext(connection) as captured:
        write_serving_state([ServingRow(c.pk, True, "") for c in stopped], stamp=NOON)
    [update] = captured.captured_queries
    assert Campaign.objects.filter(is_active=True).count() == 300
    assert "EXECUTE" in update["sql"] or "unnest" in update["sql"]


@time_machine.travel(NOON, tick=False)
def test_serving_state_and_events_are_written_as_given() -> None:
    first, second = make_campaign(), make_campaign()
    before = event_log().count()
    data = {"reason": "campaign_daily_budget", "reasons": ["campaign_daily_budget"], "previous_reason": None}
    with transaction.atomic():
        batch = events_prepare(
            events=[NewEvent("campaign.paused", data, first.brand_id, first.pk)],
            actor=Actor.system("test"),
            occurred_at=NOON,
        )
        with CaptureQueriesContext(connection) as captured:
            write_serving_state(
                [
                    ServingRow(first.pk, False, "campaign_daily_budget"),
                    ServingRow(second.pk, False, "outside_schedule"),
                ],
                stamp=NOON,
                events=batch,
            )

    stored_reasons = dict(
        Campaign.objects.filter(pk__in=[first.pk, second.pk]).values_list("pk", "pause_reason")
    )
    assert stored_reasons == {first.pk: "campaign_daily_budget", second.pk: "outside_schedule"}
    assert Campaign.objects.get(pk=first.pk).updated_at == NOON
    stored = event_log().last()
    assert event_log().count() == before + 1
    assert stored is not None
    assert (stored.type, stored.campaign_id, stored.brand_id, stored.data) == (
        "campaign.paused",
        first.pk,
        first.brand_id,
        data,
    )
    assert (stored.actor_kind, stored.actor_name, stored.occurred_at) == ("system", "test", NOON)
    if connection.vendor == "postgresql":
        assert len(captured.captured_queries) == 1  # the update and the insert, sent together


def test_loading_reads_each_campaign_with_its_brand_and_schedule() -> None:
    brand = make_brand(timezone="Asia/Kolkata")
    campaign = make_campaign(brand=brand)
    loaded = load_campaigns([campaign.pk, campaign.pk], lock=False)
    assert list(loaded.brands) == [brand.pk]
    assert loaded.campaigns[campaign.pk].brand.timezone == "Asia/Kolkata"
    assert loaded.schedules == {campaign.pk: None}
    assert load_campaigns([]) == ({}, {}, {})


def test_a_serving_change_payload_has_every_field() -> None:
    change = ServingChange(7, 3, "Black Friday", "serving_stopped", True, False, "x", ("x", "y"), "job")
    assert change.as_payload() == {**dataclasses.asdict(change), "reasons": ["x", "y"]}


def test_a_sweep_batch_reads_the_rules_view_of_each_campaign() -> None:
    tokyo = make_brand(timezone="Asia/Tokyo", daily_budget=Decimal("50.00"), monthly_budget=None)
    lima = make_brand(timezone="America/Lima", daily_budget=None, monthly_budget=Decimal("900.00"))
    shared = make_schedule(([0, 1, 2], "09:00", "17:00"), ([5], "10:00", "12:00"), timezone="")
    own_zone = make_schedule(([3], "08:00", "09:00"), timezone="Europe/Paris")
    off = make_schedule(([4], "08:00", "09:00"), is_active=False)
    a = make_campaign(brand=tokyo, dayparting_schedule=shared, daily_budget=Decimal("5.00"))
    b = make_campaign(brand=lima, dayparting_schedule=shared)
    c = make_campaign(brand=tokyo, dayparting_schedule=shared)
    d = make_campaign(brand=lima, dayparting_schedule=own_zone, monthly_budget=Decimal("7.00"))
    e = make_campaign(brand=lima, dayparting_schedule=off)
    f = make_campaign(brand=tokyo)
    paused = make_campaign(brand=lima, status=Status.PAUSED, is_active=False)
    ids = [paused.pk, f.pk, e.pk, d.pk, c.pk, b.pk, a.pk, a.pk]

    with transaction.atomic():
        batch = load_sweep_batch(ids, status=Status.ACTIVE)
        models = load_campaigns(ids)

    assert [x.pk for x in batch.campaigns] == sorted({a.pk, b.pk, c.pk, d.pk, e.pk, f.pk})
    for record in batch.campaigns:  # the same values as the model path reads
        model = models.campaigns[record.pk]
        assert (record.brand_id, record.name, record.status, record.is_active, record.pause_reason) == (
            model.brand_id,
            model.name,
            model.status,
            model.is_active,
            model.pause_reason,
        )
        assert (record.daily_budget, record.monthly_budget) == (model.daily_budget, model.monthly_budget)
        assert batch.schedules[record.pk] == models.schedules[record.pk]
        brand = batch.brands[record.brand_id]
        assert (brand.timezone, brand.is_active, brand.daily_budget, brand.monthly_budget) == (
            model.brand.timezone,
            model.brand.is_active,
            model.brand.daily_budget,
            model.brand.monthly_budget,
        )
    assert set(batch.brands) == {tokyo.pk, lima.pk}
    schedule_a, schedule_b = batch.schedules[a.pk], batch.schedules[b.pk]
    assert schedule_a is not None
    assert schedule_b is not None
    assert len(schedule_a.windows) == 2
    assert schedule_a.windows == schedule_b.windows
    assert (schedule_a.timezone, schedule_b.timezone) == ("Asia/Tokyo", "America/Lima")
    assert batch.schedules[c.pk] is schedule_a  # one snapshot per schedule and zone
    schedule_d = batch.schedules[d.pk]
    assert schedule_d is not None
    assert schedule_d.timezone == "Europe/Paris"
    assert batch.schedules[e.pk] is None
    assert batch.schedules[f.pk] is None
    assert not load_sweep_batch([], status=Status.ACTIVE).campaigns


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOON, tick=False)
def test_a_sweep_batch_where_nothing_changes_takes_no_lock_and_writes_nothing() -> None:
    brand = make_brand(daily_budget=Decimal("100.00"))
    for _ in range(5):
        make_campaign(brand=brand, daily_budget=Decimal("10.00"))
    reconcile(moment=NOON)  # settled
    holder = pgdriver.connect(database_url())  # another writer holds the brand's lock meanwhile
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT id FROM brands_brand WHERE id = %s FOR NO KEY UPDATE", [brand.pk])
            with connection.cursor() as ours:
                ours.execute("SET lock_timeout = '300ms'")  # a lock wait would fail the sweep
            with CaptureQueriesContext(connection) as captured:
                result = reconcile(moment=NOON)
        holder.rollback()
    finally:
        holder.close()
        with connection.cursor() as ours:
            ours.execute("SET lock_timeout = 0")
    assert (result.checked, result.unchanged) == (5, 5)
    statements = [q["sql"] for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    # ids; the campaigns' read (one statement: no lock before it); their totals; no write
    assert len(statements) == 3
    assert not any(";" in sql or sql.lstrip().upper().startswith(("UPDATE", "INSERT")) for sql in statements)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOON, tick=False)
def test_a_sweep_applies_only_what_holds_under_the_locks(monkeypatch: pytest.MonkeyPatch) -> None:
    """A campaign read over its cap without locks, whose cap another writer raises before the
    sweep locks its brand, keeps serving: the decision applied is the one made under the lock."""
    [raised, other] = _over_their_cap(2)
    read = store.load_sweep_batch

    def read_then_raise(ids: Any, *, status: str, lock: bool = True) -> store.SweepBatch:
        batch = read(ids, status=status, lock=lock)
        if not lock:  # the unlocked read is done: another writer commits a raised cap
            writer = pgdriver.connect(database_url())
            try:
                with pgdriver.transaction(writer) as cursor:
                    cursor.execute(
                        "UPDATE campaigns_campaign SET daily_budget = 50 WHERE id = %s", [raised.pk]
                    )
            finally:
                writer.close()
        return batch

    monkeypatch.setattr(store, "load_sweep_batch", read_then_raise)
    result = reconcile(moment=NOON)

    assert result.paused == {"campaign_daily_budget": 1}
    assert (result.checked, result.unchanged) == (2, 1)
    assert Campaign.objects.get(pk=raised.pk).is_active
    assert not Campaign.objects.get(pk=other.pk).is_active
    assert [e.campaign_id for e in event_log(types=["campaign.paused"])] == [other.pk]


@pytest.mark.django_db
def test_a_walk_over_no_ids_reads_nothing_and_changes_nothing() -> None:
    make_campaign(brand=make_brand())

    assert list(store.ordered_ids(Campaign.objects.filter(pk__in=[]))) == []
    for result in (reconcile(brand_ids=[]), reconcile(campaign_ids=[])):
        assert (result.checked, result.changes) == (0, [])


@pytest.mark.django_db
def test_the_walk_reads_ids_in_the_querysets_order() -> None:
    brands = [make_brand(), make_brand()]
    made = [make_campaign(brand=brand) for brand in reversed(brands) for _ in range(3)]

    ids = store.ordered_ids(Campaign.objects.order_by("brand_id", "pk"))

    assert list(ids) == [pk for _, pk in sorted((c.brand_id, c.pk) for c in made)]
