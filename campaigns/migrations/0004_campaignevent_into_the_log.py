"""One log: the old audit trail (``campaigns.CampaignEvent``) is copied into the event log
(``events.Event``), in its own order, before the next migration drops it.

Each old row becomes the event it would be written as today (``serving_stopped`` ->
``campaign.paused``, ``serving_started`` -> ``campaign.resumed``, ``pause_reason_changed`` ->
``campaign.reason_changed``, ``created`` -> ``campaign.created``, ``status_changed`` /
``budget_changed`` / ``schedule_changed`` -> ``campaign.updated`` with ``changes: {field:
[from, to]}``), with its actor and moment, and ``data.campaign_event`` = the old row's id.

Idempotent: rows already copied (found by that id) are skipped, so running it again (or
after an interrupted run) copies nothing twice. The copies get their public ids here, after
every event already in the log, under the feed's lock; webhook endpoints that had queued
everything are moved past them, so the history is in the feed but not re-sent as news.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.models import Max

LEGACY_KEY = "campaign_event"
BATCH = 2000
BUDGET_FIELDS = ("daily_budget", "monthly_budget")
SERVING_TYPES = {
    "serving_stopped": "campaign.paused",
    "serving_started": "campaign.resumed",
    "pause_reason_changed": "campaign.reason_changed",
}
SCALAR_CHANGES = {"status_changed": "status", "schedule_changed": "dayparting_schedule"}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def event_of(kind: str, from_value: Any, to_value: Any, reason: str) -> tuple[str, dict[str, Any]] | None:
    """(type, data) of an old audit row; ``None`` for a kind this code does not know."""
    if kind in SERVING_TYPES:
        before, after = _dict(from_value), _dict(to_value)
        pause_reason = after.get("pause_reason") or None
        reasons = after.get("reasons")
        data: dict[str, Any] = {
            "reason": pause_reason,
            "reasons": list(reasons) if isinstance(reasons, list) else ([pause_reason] if pause_reason else []),
            "previous_reason": before.get("pause_reason") or None,
        }
        if kind == "serving_stopped" and pause_reason is None and reason.startswith("status "):
            data["status"] = reason.removeprefix("status ")  # a person's status stopped it
        return SERVING_TYPES[kind], data
    if kind == "created":
        return "campaign.created", {"changes": {name: [None, value] for name, value in _dict(to_value).items()}}
    if kind in SCALAR_CHANGES:
        changes = {SCALAR_CHANGES[kind]: [from_value, to_value]}
    elif kind == "budget_changed":
        before, after = _dict(from_value), _dict(to_value)
        changes = {name: [before.get(name), after.get(name)] for name in sorted({*before, *after})}
    else:
        return None
    updated: dict[str, Any] = {"changes": changes}
    if reason:
        updated["reason"] = reason
    return "campaign.updated", updated


def copy_audit_trail(apps: Any, schema_editor: Any) -> None:
    CampaignEvent = apps.get_model("campaigns", "CampaignEvent")
    Campaign = apps.get_model("campaigns", "Campaign")
    Event = apps.get_model("events", "Event")
    FeedState = apps.get_model("events", "FeedState")
    WebhookEndpoint = apps.get_model("events", "WebhookEndpoint")

    copied = set(
        Event.objects.filter(data__has_key=LEGACY_KEY).values_list(f"data__{LEGACY_KEY}", flat=True)
    )
    state = FeedState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        highest = Event.objects.aggregate(highest=Max("position"))["highest"] or 0
        state = FeedState.objects.create(pk=1, last_position=highest)
    start = last = state.last_position
    cursor = 0
    while True:
        rows = list(CampaignEvent.objects.filter(pk__gt=cursor).order_by("pk")[:BATCH])
        if not rows:
            break
        cursor = rows[-1].pk
        brands = dict(
            Campaign.objects.filter(pk__in={row.campaign_id for row in rows}).values_list("pk", "brand_id")
        )
        events = []
        for row in rows:
            mapped = event_of(row.kind, row.from_value, row.to_value, row.reason or "")
            if row.pk in copied or mapped is None:
                continue
            event_type, data = mapped
            data[LEGACY_KEY] = row.pk
            changes = data.get("changes", {})
            last += 1
            events.append(
                Event(
                    position=last,
                    type=event_type,
                    occurred_at=row.created_at,
                    brand_id=brands.get(row.campaign_id),
                    campaign_id=row.campaign_id,
                    actor_kind=row.actor_kind,
                    actor_name=row.actor_label,
                    actor_user_id=row.actor_user_id,
                    data=data,
                    audit=event_type in ("campaign.created", "campaign.updated")
                    and any(name in changes for name in BUDGET_FIELDS),
                )
            )
        Event.objects.bulk_create(events)
    if last != start:
        FeedState.objects.filter(pk=1).update(last_position=last)
        # Endpoints that had queued every event: the copies are history, not news.
        WebhookEndpoint.objects.filter(queued_through__gte=start).update(queued_through=last)


class Migration(migrations.Migration):
    dependencies = [
        ("campaigns", "0003_strict_input"),
        ("events", "0002_event_types_of_access"),
    ]

    operations = [migrations.RunPython(copy_audit_trail, migrations.RunPython.noop)]
