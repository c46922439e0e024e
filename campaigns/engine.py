"""The reconcile engine: evaluate campaigns with the pure rule and apply only the differences.

Every evaluation goes through here: the spend path (``spending.services``), a person's
change (``campaigns.services``, ``brands.services``, ``scheduling.services``) and the
periodic jobs (``tasks.services``). Whatever the number of campaigns, applying a batch is
one round trip: one ``UPDATE ... FROM unnest(...)`` of the serving state sent together with
one ``INSERT ... unnest`` of their events into the log (``campaigns.store``, ``events.store``),
inside the transaction of the change.

Concurrency contract: every write of a campaign's ``is_active`` or ``pause_reason`` happens
while the transaction holds its brand's row lock (``SELECT ... FOR NO KEY UPDATE``), taken
brand-first and in primary-key order, so evaluation and write of one brand never interleave
with another writer's, each crossing of a budget yields exactly one pause, and lock order
cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from campaigns import store
from campaigns.alerts import ServingChange, ServingKind, notify_serving_changes
from campaigns.models import Campaign
from campaigns.rules import Decision, ScheduleSnapshot, Status, evaluate, snapshot_of
from campaigns.selectors import ZERO_TOTALS, build_snapshots
from core import prepared
from core.actors import Actor
from core.collector import heap_frozen
from core.counters import Counts
from core.lookups import among
from core.timeutils import local_date, now
from events.services import NewEvent, events_prepare
from events.types import EventType
from spending.selectors import Totals, period_totals


class ServingState(Protocol):
    """What ``apply_decisions`` reads of a campaign and updates in memory: a loaded
    ``Campaign`` (the spend path, a person's change) or a sweep's ``SweepCampaign``."""

    @property
    def pk(self) -> Any: ...
    @property
    def brand_id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def status(self) -> str: ...

    is_active: bool
    pause_reason: str


@dataclass
class ReconcileResult(Counts):
    """The counts of one evaluation pass, and the serving changes it made (or, in a dry run,
    would make)."""

    changes: list[ServingChange] = field(default_factory=list, repr=False)

    def merge(self, other: Counts | Mapping[str, Any]) -> ReconcileResult:
        super().merge(other)
        if isinstance(other, ReconcileResult):
            self.changes.extend(other.changes)
        return self

    def as_dict(self) -> dict[str, Any]:
        return self.counts_dict()


# The event each kind of serving change writes to the log.
SERVING_EVENT_TYPES: dict[str, str] = {
    ServingKind.SERVING_STARTED: EventType.CAMPAIGN_RESUMED,
    ServingKind.SERVING_STOPPED: EventType.CAMPAIGN_PAUSED,
    ServingKind.PAUSE_REASON_CHANGED: EventType.CAMPAIGN_REASON_CHANGED,
}


# The same, as plain strings for the hot loop of ``apply_decisions``.
_ACTIVE = str(Status.ACTIVE.value)
_STARTED, _STOPPED, _REASON_CHANGED = (
    str(kind.value)
    for kind in (ServingKind.SERVING_STARTED, ServingKind.SERVING_STOPPED, ServingKind.PAUSE_REASON_CHANGED)
)
_EVENT_TYPE = {str(kind): str(event_type) for kind, event_type in SERVING_EVENT_TYPES.items()}


def serving_event_data(
    *, reason: str, reasons: Sequence[str], previous_reason: str, context: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The ``data`` of ``campaign.paused``/``resumed``/``reason_changed``: the pause reason
    now (``None`` while serving), every rule that stops it, the reason it had before, and
    what the caller adds (``context``: who recorded the spend that paused it)."""
    data: dict[str, Any] = {
        "reason": reason or None,
        "reasons": list(reasons),
        "previous_reason": previous_reason or None,
    }
    if context:
        data.update(context)
    return data


def apply_decisions(
    campaigns: Sequence[ServingState],
    decisions: Mapping[int, Decision],
    *,
    actor: Actor,
    moment: dt.datetime,
    dry_run: bool = False,
    context: Mapping[str, Any] | None = None,
    before: Sequence[prepared.Write] = (),
) -> ReconcileResult:
    """Write only the differences between the stored serving state and ``decisions``.

    One round trip at most, whatever the number of changes: the serving state and the
    changes' events (``campaign.paused``/``resumed``/``reason_changed``, by ``actor``, with
    ``context`` added to their data) are sent together, after the caller's own writes
    ``before`` (written even in a dry run: they are the caller's change, not the
    evaluation's); the loaded campaigns are updated in memory too. Notification channels
    receive the changes after commit. The caller holds the brand locks. Nothing is built
    for an unchanged campaign: on a quiet minute that is nearly all of them.
    """
    result = ReconcileResult(checked=len(campaigns))
    rows: list[store.ServingRow] = []
    events: list[NewEvent] = []
    changes = result.changes
    # One data object per distinct (type, reason, reasons, previous reason): a busy day's
    # thousands of pauses share a handful, and the log encodes each distinct object once.
    shared_data: dict[tuple[str, str, tuple[str, ...], str], dict[str, Any]] = {}
    actor_label = actor.label
    unchanged = 0
    # The hot loop of a mass change (tens of thousands of campaigns): plain strings for the
    # status, kinds and types (an enum member hashes and compares in Python code).
    for campaign in campaigns:
        decision = decisions[campaign.pk]
        serves, reason = _stored_state(campaign, decision)
        blocking = decision.reasons
        was_active, previous = campaign.is_active, campaign.pause_reason
        if was_active == serves and previous == reason:
            unchanged += 1
            continue
        if serves:
            kind = _STARTED
            result.resumed += 1
        elif was_active:
            kind = _STOPPED
            result.paused[reason or campaign.status] += 1
        else:
            kind = _REASON_CHANGED
            result.reason_changed += 1
        reasons = tuple([item.value for item in blocking]) if blocking else ()
        if not dry_run:
            key = (kind, reason, reasons, previous)
            data = shared_data.get(key)
            if data is None:
                data = shared_data[key] = serving_event_data(
                    reason=reason, reasons=reasons, previous_reason=previous, context=context
                )
            events.append(NewEvent(_EVENT_TYPE[kind], data, campaign.brand_id, campaign.pk))
        changes.append(
            ServingChange(
                campaign.pk,
                campaign.brand_id,
                campaign.name,
                kind,
                was_active,
                serves,
                reason,
                reasons,
                actor_label,
            )
        )
        rows.append(store.ServingRow(campaign.pk, serves, reason))
        campaign.is_active, campaign.pause_reason = serves, reason
    result.unchanged = unchanged
    if dry_run or not rows:
        for write in before:
            write.run()
        return result
    stamp = timezone.now()
    store.write_serving_state(
        rows, stamp=stamp, events=events_prepare(events=events, actor=actor, occurred_at=stamp), before=before
    )
    committed = list(changes)
    transaction.on_commit(lambda: notify_serving_changes(committed))
    return result


def evaluate_campaigns(
    campaigns: Sequence[Campaign],
    *,
    actor: Actor,
    moment: dt.datetime,
    dry_run: bool = False,
    brand_totals: Mapping[int, Totals] | None = None,
    campaign_totals: Mapping[int, Totals] | None = None,
    schedules: Mapping[int, ScheduleSnapshot | None] | None = None,
    context: Mapping[str, Any] | None = None,
    before: Sequence[prepared.Write] = (),
) -> ReconcileResult:
    """Evaluate loaded campaigns and apply the differences (``context``: added to the data
    of their events; ``before``: the caller's writes, sent in the same round trip).

    Totals (day, month-to-date by id) and schedule snapshots may be passed when the caller
    has just read them, saving their queries.
    """
    snapshots = build_snapshots(
        campaigns,
        moment,
        brand_totals=brand_totals,
        campaign_totals=campaign_totals,
        schedules=schedules,
        capped_only=True,
    )
    decisions = {pk: evaluate(snapshot, moment) for pk, snapshot in snapshots.items()}
    return apply_decisions(
        campaigns, decisions, actor=actor, moment=moment, dry_run=dry_run, context=context, before=before
    )


def _stored_state(campaign: ServingState, decision: Decision) -> tuple[bool, str]:
    """The serving state ``decision`` calls for, as stored (a pause reason only while the
    status is active)."""
    return decision.serves, decision.pause_reason if campaign.status == _ACTIVE else ""


def _decide(batch: store.SweepBatch, moment: dt.datetime) -> dict[int, Decision]:
    """The rule's decision for each campaign of a sweep batch: one query for the spend
    totals of the brands and campaigns that have a cap (the rule reads no spend without
    one), each brand's local day computed once per time zone, and no model instance."""
    days: dict[str, dt.date] = {}
    brand_days: dict[int, dt.date] = {}
    capped_brands: dict[int, dt.date] = {}
    for pk, brand in batch.brands.items():
        day = days.get(brand.timezone)
        if day is None:
            day = days[brand.timezone] = local_date(brand.timezone, moment)
        brand_days[pk] = day
        if brand.daily_budget is not None or brand.monthly_budget is not None:
            capped_brands[pk] = day
    capped_campaigns = {
        c.pk: brand_days[c.brand_id]
        for c in batch.campaigns
        if c.daily_budget is not None or c.monthly_budget is not None
    }
    totals = period_totals(brand_days=capped_brands, campaign_days=capped_campaigns)
    brand_totals, campaign_totals = totals.brands, totals.campaigns
    decisions: dict[int, Decision] = {}
    for campaign in batch.campaigns:
        snapshot = snapshot_of(
            campaign,
            batch.brands[campaign.brand_id],
            brand_totals=brand_totals.get(campaign.brand_id, ZERO_TOTALS),
            totals=campaign_totals.get(campaign.pk, ZERO_TOTALS),
            schedule=batch.schedules[campaign.pk],
        )
        decisions[campaign.pk] = evaluate(snapshot, moment)
    return decisions


def _sweep_batch(
    ids: Sequence[int], *, actor: Actor, moment: dt.datetime, dry_run: bool, lock_first: bool
) -> ReconcileResult:
    """One batch of a sweep, in its own transaction, read first without locks: a batch
    where nothing changes (nearly every batch of a steady minute) takes no lock and writes
    nothing, so it neither waits for spend writers nor makes them wait, and commits without
    a WAL flush. Where something changes, the brands of the changed campaigns are locked
    (in id order) and those campaigns read again, fresh, with their totals: the decisions
    applied are made under the locks, as the concurrency contract requires. With
    ``lock_first`` (a walk where most campaigns change, such as a reset's) the batch's
    brands are locked before the one read instead."""
    if lock_first and not dry_run:
        with transaction.atomic():
            locked = store.load_sweep_batch(ids, status=Status.ACTIVE, lock=True)
            return apply_decisions(locked.campaigns, _decide(locked, moment), actor=actor, moment=moment)
    with transaction.atomic():
        batch = store.load_sweep_batch(ids, status=Status.ACTIVE, lock=False)
        decisions = _decide(batch, moment)
        changed = [
            c.pk
            for c in batch.campaigns
            if (c.is_active, c.pause_reason) != _stored_state(c, decisions[c.pk])
        ]
        if dry_run or not changed:
            return apply_decisions(batch.campaigns, decisions, actor=actor, moment=moment, dry_run=dry_run)
        fresh = store.load_sweep_batch(changed, status=Status.ACTIVE, lock=True)
        result = apply_decisions(fresh.campaigns, _decide(fresh, moment), actor=actor, moment=moment)
    # The campaigns read without locks that did not change count as checked and unchanged.
    result.unchanged += len(batch.campaigns) - len(fresh.campaigns)
    result.checked = len(batch.campaigns)
    return result


def reconcile(
    *,
    moment: dt.datetime | None = None,
    brand_ids: Sequence[int] | None = None,
    campaign_ids: Sequence[int] | None = None,
    min_pk: int | None = None,
    max_pk: int | None = None,
    scheduled_only: bool = False,
    stopped_for: Collection[str] | None = None,
    batch_size: int | None = None,
    actor: Actor | None = None,
    dry_run: bool = False,
) -> ReconcileResult:
    """Evaluate every campaign whose status is ``active`` and apply only the differences.

    The one sweep walker: the ids of the campaigns to walk are read once, in (brand, id)
    order (one index-only scan; 8 bytes a campaign), then walked in batches of
    ``batch_size``, so a batch spans as few brands as possible (fewer brand locks and brand
    totals); each batch is its own transaction with a fixed number of statements, whatever
    the number of campaigns (``_sweep_batch``: the campaigns and their windows, their spend
    totals; where something changes, the changed ones again under their brands' locks with
    their totals, then the serving state with its events). A campaign whose status is no
    longer active when its batch is read is skipped; one made active meanwhile waits for
    the next sweep (a person's change evaluates it at once). ``brand_ids``,
    ``campaign_ids``, ``scheduled_only`` (campaigns with a dayparting schedule),
    ``stopped_for`` (campaigns the system stopped for one of these pause reasons: what a
    reset can bring back) and the inclusive ``min_pk``/``max_pk`` (a sweep's chunk) narrow
    the walk.
    """
    moment = moment or now()
    actor = actor or Actor.system("system")
    size = batch_size or settings.RECONCILE_BATCH_SIZE
    base = Campaign.objects.filter(status=Status.ACTIVE)
    if brand_ids is not None:
        base = base.filter(among(Campaign, "brand", brand_ids))
    if campaign_ids is not None:
        base = base.filter(among(Campaign, "id", campaign_ids))
    if scheduled_only:
        base = base.filter(dayparting_schedule__isnull=False)
    if stopped_for is not None:
        base = base.filter(is_active=False, pause_reason__in=list(stopped_for))
    if max_pk is not None:
        base = base.filter(pk__lte=max_pk)
    if min_pk is not None:
        base = base.filter(pk__gte=min_pk)
    result = ReconcileResult()
    ids = store.ordered_ids(base.order_by("brand_id", "pk"))
    with heap_frozen():  # the process's objects out of the collector's passes (core.collector)
        for start in range(0, len(ids), size):
            result.merge(
                _sweep_batch(
                    ids[start : start + size],
                    actor=actor,
                    moment=moment,
                    dry_run=dry_run,
                    lock_first=stopped_for is not None,  # what it reads, it mostly changes
                )
            )
    return result


def reevaluate(
    queryset: QuerySet[Campaign],
    *,
    actor: Actor | None = None,
    moment: dt.datetime | None = None,
    dry_run: bool = False,
) -> ReconcileResult:
    """``reconcile`` of the campaigns of ``queryset`` whose status is active, in one
    transaction: for the bounded sets a person's change touches (one brand, one schedule's
    users, an admin selection)."""
    with transaction.atomic():
        return reconcile(
            campaign_ids=list(queryset.values_list("pk", flat=True)),
            actor=actor,
            moment=moment,
            dry_run=dry_run,
        )
