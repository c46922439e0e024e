"""Every state change of a campaign, and the reconcile engine behind the periodic jobs.

Concurrency contract: every write of a campaign's ``status``, ``is_active`` or
``pause_reason`` happens while the transaction holds its brand's row lock
(``SELECT ... FOR NO KEY UPDATE``), taken brand-first and in primary-key order. So
evaluation and write of one brand never interleave with another writer's, each
crossing of a budget yields exactly one pause, and lock order cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.base import ModelState
from django.utils import timezone

from brands.models import Brand
from campaigns.alerts import ServingChange, notify_serving_changes
from campaigns.models import Campaign, CampaignEvent
from campaigns.rules import Decision, ScheduleSnapshot, Status, evaluate
from campaigns.selectors import build_snapshots, campaigns_for_evaluation, schedule_snapshot
from core import prepared
from core.actors import Actor
from core.timeutils import now
from scheduling.windows import Window

UNSET: Any = object()


@dataclass
class ReconcileResult:
    """Counts by outcome (and pauses by reason) of one evaluation pass."""

    checked: int = 0
    paused: Counter[str] = field(default_factory=Counter)
    resumed: int = 0
    reason_changed: int = 0
    unchanged: int = 0
    errors: int = 0
    changes: list[ServingChange] = field(default_factory=list, repr=False)

    def merge(self, other: ReconcileResult) -> ReconcileResult:
        self.checked += other.checked
        self.paused.update(other.paused)
        self.resumed += other.resumed
        self.reason_changed += other.reason_changed
        self.unchanged += other.unchanged
        self.errors += other.errors
        self.changes.extend(other.changes)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "checked": self.checked,
            "paused": dict(sorted(self.paused.items())),
            "resumed": self.resumed,
            "reason_changed": self.reason_changed,
            "unchanged": self.unchanged,
            "errors": self.errors,
        }


def _actor(actor: Actor | None) -> Actor:
    return actor or Actor.system("system")


def _event(
    campaign: Campaign,
    kind: str,
    *,
    actor: Actor,
    from_value: Any = None,
    to_value: Any = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> CampaignEvent:
    event = CampaignEvent(
        campaign_id=campaign.pk,
        kind=kind,
        from_value=from_value,
        to_value=to_value,
        reason=reason[:200],
        actor_kind=actor.kind,
        actor_label=actor.label[:150],
        actor_user_id=actor.user_id,
    )
    if at is not None:
        event.created_at = at
    return event


def lock_brands(brand_ids: Iterable[int]) -> list[Brand]:
    """Lock brand rows in primary-key order (the first lock of every campaign write).

    ``FOR NO KEY UPDATE``: writers of one brand queue behind each other, while inserts
    that merely reference the brand (its spends, new campaigns) are not blocked.
    Returns the locked rows, read after the lock was granted.
    """
    ids = sorted(set(brand_ids))
    if not ids:
        return []
    return list(Brand.objects.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk"))


def lock_brands_of_campaigns(campaign_ids: Iterable[int]) -> list[Brand]:
    """``lock_brands`` for the brands of these campaigns, found in the same query."""
    ids = sorted(set(campaign_ids))
    if not ids:
        return []
    return list(
        Brand.objects.select_for_update(no_key=True)
        .filter(pk__in=Campaign.objects.filter(pk__in=ids).values("brand_id"))
        .order_by("pk")
    )


@cache
def _columns(model: type[Brand] | type[Campaign], alias: str) -> tuple[str, list[str]]:
    """The columns the rule and the writes need (timestamps stay deferred: parsing them
    is a measurable part of a sweep)."""
    fields = [f for f in model._meta.concrete_fields if f.name not in ("created_at", "updated_at")]
    columns = ", ".join(f"{alias}.{connection.ops.quote_name(str(f.column))}" for f in fields)
    return columns, [f.attname for f in fields]


LoadedModel = TypeVar("LoadedModel", Brand, Campaign)


def _loaded(model: type[LoadedModel], attnames: list[str], values: Sequence[Any]) -> LoadedModel:
    """A model instance from a row, as ``Model.from_db`` makes it minus ``__init__`` and the
    init signals (nobody listens to them here): a third of a sweep's Python time.
    The columns not read stay deferred, loaded on first access like any deferred field."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    instance._state = ModelState()
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


# Lock the brands of the campaigns (ids: one array parameter), in id order.
LOCK_BRANDS_OF_CAMPAIGNS_SQL = (
    "SELECT 1 FROM brands_brand WHERE id = ANY(ARRAY("
    "SELECT brand_id FROM campaigns_campaign WHERE id = ANY(%s))) ORDER BY id FOR NO KEY UPDATE"
)


@cache
def _load_campaigns_sql() -> str:
    """Campaigns with their brand and their schedule's windows, one row per window."""
    campaign_sql, _ = _columns(Campaign, "c")
    brand_sql, _ = _columns(Brand, "b")
    return (
        f"SELECT {campaign_sql}, s.timezone, s.is_active, w.days_mask, w.start_time, w.end_time, "  # noqa: S608
        f"{brand_sql} FROM campaigns_campaign c JOIN brands_brand b ON b.id = c.brand_id "
        "LEFT JOIN scheduling_daypartingschedule s ON s.id = c.dayparting_schedule_id "
        "LEFT JOIN scheduling_schedulewindow w ON w.schedule_id = s.id "
        "WHERE c.id = ANY(%s) ORDER BY c.id, w.id"
    )


def lock_and_load_campaigns(
    campaign_ids: Iterable[int], *, lock: bool = True
) -> tuple[dict[int, Brand], dict[int, Campaign], dict[int, ScheduleSnapshot | None]]:
    """Lock the brands of the campaigns (``FOR NO KEY UPDATE``, in id order; with
    ``lock=False`` only read them), then read the campaigns fresh with their brands and
    their schedules' windows: one round trip, whatever the number of campaigns.

    Hand-written, prepared SQL on PostgreSQL because this runs for every spend and every
    sweep batch (psycopg2 returns the Python types the fields hold, so the rows become
    ordinary model instances). The lock and the read are two statements sent together:
    the read takes its snapshot after the lock is granted, so it sees what the lock
    waited for. The ORM elsewhere (SQLite, for development).
    """
    ids = sorted(set(campaign_ids))
    if not ids:
        return {}, {}, {}
    if connection.vendor != "postgresql":
        return _lock_and_load_orm(ids, lock=lock)
    _, campaign_fields = _columns(Campaign, "c")
    _, brand_fields = _columns(Brand, "b")
    width = len(campaign_fields)
    brands: dict[int, Brand] = {}
    campaigns: dict[int, Campaign] = {}
    windows: dict[int, list[Window]] = {}
    schedule_zone: dict[int, tuple[str, bool] | None] = {}
    load = (_load_campaigns_sql(), [ids])
    with connection.cursor() as cursor:
        if lock:
            prepared.execute_together(cursor, [(LOCK_BRANDS_OF_CAMPAIGNS_SQL, [ids]), load])
        else:
            prepared.execute(cursor, *load)
        for row in cursor.fetchall():
            campaign_id = row[0]
            if campaign_id not in campaigns:
                campaign = _loaded(Campaign, campaign_fields, row[:width])
                brand = brands.get(campaign.brand_id)
                if brand is None:
                    brand = brands[campaign.brand_id] = _loaded(Brand, brand_fields, row[width + 5 :])
                campaign._state.fields_cache["brand"] = brand
                campaigns[campaign_id] = campaign
                zone, active = row[width], row[width + 1]
                schedule_zone[campaign_id] = None if zone is None else (zone, bool(active))
                windows[campaign_id] = []
            days_mask, start, end = row[width + 2 : width + 5]
            if days_mask is not None:
                windows[campaign_id].append(Window.from_mask(int(days_mask), start, end))
    schedules: dict[int, ScheduleSnapshot | None] = {}
    for campaign_id, campaign in campaigns.items():
        spec = schedule_zone[campaign_id]
        if spec is None or not spec[1]:
            schedules[campaign_id] = None
        else:
            schedules[campaign_id] = ScheduleSnapshot(
                windows=tuple(windows[campaign_id]), timezone=spec[0] or campaign.brand.timezone
            )
    return dict(sorted(brands.items())), campaigns, schedules


def _lock_and_load_orm(
    campaign_ids: list[int], *, lock: bool
) -> tuple[dict[int, Brand], dict[int, Campaign], dict[int, ScheduleSnapshot | None]]:
    if lock:
        brands = {brand.pk: brand for brand in lock_brands_of_campaigns(campaign_ids)}
    else:
        brands = {b.pk: b for b in Brand.objects.filter(campaigns__pk__in=campaign_ids).distinct()}
    campaigns: dict[int, Campaign] = {}
    for campaign in campaigns_for_evaluation(Campaign.objects.filter(pk__in=campaign_ids)):
        campaign.brand = brands[campaign.brand_id]
        campaigns[campaign.pk] = campaign
    return brands, campaigns, {pk: schedule_snapshot(campaign) for pk, campaign in campaigns.items()}


def apply_decisions(
    campaigns: Sequence[Campaign],
    decisions: dict[int, Decision],
    *,
    actor: Actor,
    moment: dt.datetime,
    dry_run: bool = False,
) -> ReconcileResult:
    """Write only the differences between stored serving state and ``decisions``.

    Two queries at most (one bulk update, one bulk insert of audit events); alerts go
    out after commit. The caller holds the brand locks.
    """
    result = ReconcileResult(checked=len(campaigns))
    changed: list[Campaign] = []
    events: list[CampaignEvent] = []
    for campaign in campaigns:
        decision = decisions[campaign.pk]
        new_reason = decision.pause_reason if campaign.status == Status.ACTIVE else ""
        old = (campaign.is_active, campaign.pause_reason)
        new = (decision.serves, new_reason)
        if old == new:
            result.unchanged += 1
            continue
        if decision.serves:
            kind = CampaignEvent.Kind.SERVING_STARTED
            result.resumed += 1
        elif campaign.is_active:
            kind = CampaignEvent.Kind.SERVING_STOPPED
            result.paused[new_reason or campaign.status] += 1
        else:
            kind = CampaignEvent.Kind.PAUSE_REASON_CHANGED
            result.reason_changed += 1
        reasons = [reason.value for reason in decision.reasons]
        events.append(
            _event(
                campaign,
                kind,
                actor=actor,
                from_value={"is_active": old[0], "pause_reason": old[1] or None},
                to_value={"is_active": new[0], "pause_reason": new[1] or None, "reasons": reasons},
                reason=new_reason or ("all rules pass" if decision.serves else f"status {campaign.status}"),
                at=moment if dry_run else None,
            )
        )
        result.changes.append(
            ServingChange(
                campaign_id=campaign.pk,
                brand_id=campaign.brand_id,
                campaign_name=campaign.name,
                kind=kind,
                was_active=old[0],
                is_active=new[0],
                pause_reason=new[1],
                reasons=tuple(reasons),
                actor=actor.label,
            )
        )
        campaign.is_active, campaign.pause_reason = new
        changed.append(campaign)
    if dry_run or not changed:
        return result
    stamp = timezone.now()
    for campaign in changed:
        campaign.updated_at = stamp
    Campaign.objects.bulk_update(changed, ["is_active", "pause_reason", "updated_at"])
    CampaignEvent.objects.bulk_create(events)
    changes = list(result.changes)
    transaction.on_commit(lambda: notify_serving_changes(changes))
    return result


def evaluate_campaigns(
    campaigns: Sequence[Campaign],
    *,
    actor: Actor,
    moment: dt.datetime,
    dry_run: bool = False,
    brand_totals: dict[int, tuple[Decimal, Decimal]] | None = None,
    campaign_totals: dict[int, tuple[Decimal, Decimal]] | None = None,
    schedules: dict[int, ScheduleSnapshot | None] | None = None,
) -> ReconcileResult:
    """Evaluate loaded campaigns (see ``campaigns_for_evaluation``) and apply the differences.

    Totals (day, month-to-date by id) and schedule snapshots may be passed when the
    caller has just read them, saving their queries.
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
    return apply_decisions(campaigns, decisions, actor=actor, moment=moment, dry_run=dry_run)


def reevaluate(
    queryset: QuerySet[Campaign],
    *,
    actor: Actor | None = None,
    moment: dt.datetime | None = None,
    dry_run: bool = False,
) -> ReconcileResult:
    """``reconcile`` of the campaigns of ``queryset`` whose status is active, in one
    transaction: for the bounded sets a person's change touches (one brand, one
    schedule's users, an admin selection)."""
    with transaction.atomic():
        return reconcile(
            campaign_ids=list(queryset.values_list("pk", flat=True)),
            actor=actor,
            moment=moment,
            dry_run=dry_run,
        )


def reconcile(
    *,
    moment: dt.datetime | None = None,
    brand_ids: Sequence[int] | None = None,
    campaign_ids: Sequence[int] | None = None,
    min_pk: int | None = None,
    max_pk: int | None = None,
    batch_size: int | None = None,
    actor: Actor | None = None,
    dry_run: bool = False,
) -> ReconcileResult:
    """Evaluate every campaign whose status is ``active`` and apply only the differences.

    Walks campaigns in (brand, id) order in batches of ``batch_size``, so that a batch
    spans as few brands as possible (fewer brand locks and brand totals); each batch is
    its own transaction with a fixed number of queries (ids, brand locks, campaigns with
    their windows, spend totals, one update, one insert), whatever the number of
    campaigns. ``min_pk`` and ``max_pk`` (inclusive) bound the walk so that a sweep can be
    split into chunks.
    """
    moment = moment or now()
    actor = _actor(actor)
    size = batch_size or settings.RECONCILE_BATCH_SIZE
    base = Campaign.objects.filter(status=Status.ACTIVE)
    if brand_ids is not None:
        base = base.filter(brand_id__in=list(brand_ids))
    if campaign_ids is not None:
        base = base.filter(pk__in=list(campaign_ids))
    if max_pk is not None:
        base = base.filter(pk__lte=max_pk)
    if min_pk is not None:
        base = base.filter(pk__gte=min_pk)
    result = ReconcileResult()
    cursor: tuple[int, int] | None = None  # (brand_id, pk) of the last campaign done
    while True:
        page = base
        if cursor is not None:
            page = base.filter(Q(brand_id__gt=cursor[0]) | Q(brand_id=cursor[0], pk__gt=cursor[1]))
        rows = list(page.order_by("brand_id", "pk").values_list("pk", "brand_id")[:size])
        if not rows:
            break
        cursor = (rows[-1][1], rows[-1][0])
        with transaction.atomic():
            _, loaded, schedules = lock_and_load_campaigns([pk for pk, _ in rows], lock=not dry_run)
            campaigns = [c for _, c in sorted(loaded.items()) if c.status == Status.ACTIVE]
            result.merge(
                evaluate_campaigns(
                    campaigns, actor=actor, moment=moment, dry_run=dry_run, schedules=schedules
                )
            )
        if len(rows) < size:
            break
    return result


# --- A person's changes ------------------------------------------------------------------


def _clean_budget(value: object, field_name: str) -> Decimal | None:
    from core.money import MoneyError, parse_amount

    if value is None or value == "":
        return None
    try:
        return parse_amount(value, allow_zero=True)
    except MoneyError as error:
        raise ValidationError({field_name: [str(error)]}) from None


def _status_value(status: str) -> str:
    if status not in Status.values:
        raise ValidationError(
            {"status": [f'"{status}" is not a valid status; use one of {", ".join(Status.values)}.']}
        )
    return status


def campaign_create(
    *,
    brand_id: int,
    name: str,
    status: str = Status.DRAFT,
    daily_budget: object = None,
    monthly_budget: object = None,
    dayparting_schedule_id: int | None = None,
    actor: Actor | None = None,
    moment: dt.datetime | None = None,
) -> Campaign:
    """Create a campaign and decide at once whether it serves."""
    actor = _actor(actor)
    moment = moment or now()
    with transaction.atomic():
        if not lock_brands([brand_id]):
            raise ValidationError({"brand": [f"Brand {brand_id} does not exist."]})
        campaign = Campaign(
            brand_id=brand_id,
            name=name,
            status=_status_value(status),
            daily_budget=_clean_budget(daily_budget, "daily_budget"),
            monthly_budget=_clean_budget(monthly_budget, "monthly_budget"),
            dayparting_schedule_id=dayparting_schedule_id,
        )
        campaign.full_clean()
        campaign.save()
        CampaignEvent.objects.create(
            **_event_fields(
                campaign,
                CampaignEvent.Kind.CREATED,
                actor=actor,
                to_value={
                    "status": campaign.status,
                    "daily_budget": _money(campaign.daily_budget),
                    "monthly_budget": _money(campaign.monthly_budget),
                    "dayparting_schedule": campaign.dayparting_schedule_id,
                },
            )
        )
        fresh = list(campaigns_for_evaluation(Campaign.objects.filter(pk=campaign.pk)))
        evaluate_campaigns(fresh, actor=actor, moment=moment)
        return fresh[0]


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _event_fields(campaign: Campaign, kind: str, **kwargs: Any) -> dict[str, Any]:
    event = _event(campaign, kind, **kwargs)
    return {
        "campaign_id": event.campaign_id,
        "kind": event.kind,
        "from_value": event.from_value,
        "to_value": event.to_value,
        "reason": event.reason,
        "actor_kind": event.actor_kind,
        "actor_label": event.actor_label,
        "actor_user_id": event.actor_user_id,
    }


def campaign_update(
    *,
    campaign_id: int,
    actor: Actor | None = None,
    moment: dt.datetime | None = None,
    name: str = UNSET,
    status: str = UNSET,
    daily_budget: object = UNSET,
    monthly_budget: object = UNSET,
    dayparting_schedule_id: int | None = UNSET,
    reason: str = "",
) -> Campaign:
    """Change what a person may change, audit each change, and re-evaluate at once.

    Raising a budget resumes what it had stopped; lowering it pauses; a status other
    than ``active`` stops serving with no system reason.
    """
    actor = _actor(actor)
    moment = moment or now()
    with transaction.atomic():
        brand_id = Campaign.objects.filter(pk=campaign_id).values_list("brand_id", flat=True).first()
        if brand_id is None:
            raise Campaign.DoesNotExist(f"Campaign {campaign_id} does not exist.")
        lock_brands([brand_id])
        campaign = Campaign.objects.get(pk=campaign_id)
        events: list[CampaignEvent] = []
        if name is not UNSET:
            campaign.name = name
        if status is not UNSET and _status_value(status) != campaign.status:
            events.append(
                _event(
                    campaign,
                    CampaignEvent.Kind.STATUS_CHANGED,
                    actor=actor,
                    from_value=campaign.status,
                    to_value=status,
                    reason=reason,
                )
            )
            campaign.status = status
        budgets: dict[str, tuple[str | None, str | None]] = {}
        for field_name, value in (("daily_budget", daily_budget), ("monthly_budget", monthly_budget)):
            if value is UNSET:
                continue
            new_value = _clean_budget(value, field_name)
            old_value = getattr(campaign, field_name)
            if new_value != old_value:
                budgets[field_name] = (_money(old_value), _money(new_value))
                setattr(campaign, field_name, new_value)
        if budgets:
            events.append(
                _event(
                    campaign,
                    CampaignEvent.Kind.BUDGET_CHANGED,
                    actor=actor,
                    from_value={k: v[0] for k, v in budgets.items()},
                    to_value={k: v[1] for k, v in budgets.items()},
                    reason=reason,
                )
            )
        if dayparting_schedule_id is not UNSET and dayparting_schedule_id != campaign.dayparting_schedule_id:
            events.append(
                _event(
                    campaign,
                    CampaignEvent.Kind.SCHEDULE_CHANGED,
                    actor=actor,
                    from_value=campaign.dayparting_schedule_id,
                    to_value=dayparting_schedule_id,
                    reason=reason,
                )
            )
            campaign.dayparting_schedule_id = dayparting_schedule_id
        if campaign.status != Status.ACTIVE:
            was_active = campaign.is_active
            campaign.is_active = False
            campaign.pause_reason = ""
            if was_active:
                events.append(
                    _event(
                        campaign,
                        CampaignEvent.Kind.SERVING_STOPPED,
                        actor=actor,
                        from_value={"is_active": True, "pause_reason": None},
                        to_value={"is_active": False, "pause_reason": None, "reasons": []},
                        reason=f"status {campaign.status}",
                    )
                )
        campaign.full_clean()
        campaign.save()
        CampaignEvent.objects.bulk_create(events)
        fresh = list(campaigns_for_evaluation(Campaign.objects.filter(pk=campaign.pk)))
        evaluate_campaigns(fresh, actor=actor, moment=moment)
        return fresh[0]


def campaign_activate(
    *, campaign_id: int, actor: Actor | None = None, moment: dt.datetime | None = None
) -> Campaign:
    """A person sets status ``active``; the rule decides whether it serves now."""
    return campaign_update(campaign_id=campaign_id, status=Status.ACTIVE, actor=actor, moment=moment)


def campaign_pause(*, campaign_id: int, actor: Actor | None = None, reason: str = "") -> Campaign:
    """A person's pause: status ``paused``. No job ever resumes it."""
    return campaign_update(campaign_id=campaign_id, status=Status.PAUSED, actor=actor, reason=reason)


def campaign_delete(*, campaign_id: int) -> None:
    """Delete a campaign that has no spend (spend history is never lost)."""
    from core.exceptions import ConflictError
    from spending.models import Spend

    with transaction.atomic():
        campaign = Campaign.objects.get(pk=campaign_id)
        lock_brands([campaign.brand_id])
        if Spend.objects.filter(campaign_id=campaign_id).exists():
            raise ConflictError(
                "This campaign has recorded spend; archive it instead of deleting it.",
                code="has_spend",
            )
        campaign.delete()
