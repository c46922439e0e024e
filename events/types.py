"""The event types of the log and the ``data`` each one carries (API.md, "Events").

Pure: no database. ``DATA_KEYS`` is the contract of each type's ``data``; ``event_append``
checks it, so a caller cannot write an event a receiver would not understand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import models

from core.money import to_money


class EventType(models.TextChoices):
    CAMPAIGN_PAUSED = "campaign.paused", "Campaign paused by the system"
    CAMPAIGN_RESUMED = "campaign.resumed", "Campaign resumed by the system"
    CAMPAIGN_REASON_CHANGED = "campaign.reason_changed", "Campaign pause reason changed"
    CAMPAIGN_CREATED = "campaign.created", "Campaign created"
    CAMPAIGN_UPDATED = "campaign.updated", "Campaign updated"
    BRAND_CREATED = "brand.created", "Brand created"
    BRAND_UPDATED = "brand.updated", "Brand updated"
    SCHEDULE_CREATED = "schedule.created", "Schedule created"
    SCHEDULE_UPDATED = "schedule.updated", "Schedule updated"
    BUDGET_THRESHOLD_REACHED = "budget.threshold_reached", "Budget threshold reached"
    BUDGET_FORECAST_EXCEEDED = "budget.forecast_exceeded", "Budget forecast exceeded"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint.disabled", "Webhook endpoint disabled"
    TEAM_CREATED = "team.created", "Team created"
    TEAM_UPDATED = "team.updated", "Team updated"
    API_KEY_CREATED = "api_key.created", "API key created"
    API_KEY_REVOKED = "api_key.revoked", "API key revoked"
    PING = "ping", "Test ping of a webhook endpoint"


class ActorKind(models.TextChoices):
    USER = "user", "User"
    API_KEY = "api_key", "API key"
    TOKEN = "token", "API token"
    SYSTEM = "system", "System"


# The keys of each type's ``data`` (required; more may be added, none renamed).
DATA_KEYS: dict[str, frozenset[str]] = {
    EventType.CAMPAIGN_PAUSED: frozenset({"reason", "reasons"}),
    EventType.CAMPAIGN_RESUMED: frozenset({"reason", "reasons"}),
    EventType.CAMPAIGN_REASON_CHANGED: frozenset({"reason", "reasons"}),
    EventType.CAMPAIGN_CREATED: frozenset({"changes"}),
    EventType.CAMPAIGN_UPDATED: frozenset({"changes"}),
    EventType.BRAND_CREATED: frozenset({"changes"}),
    EventType.BRAND_UPDATED: frozenset({"changes"}),
    EventType.SCHEDULE_CREATED: frozenset({"changes"}),
    EventType.SCHEDULE_UPDATED: frozenset({"changes"}),
    EventType.BUDGET_THRESHOLD_REACHED: frozenset(
        {"scope", "period", "threshold", "spend", "budget", "date"}
    ),
    EventType.BUDGET_FORECAST_EXCEEDED: frozenset(
        {"month", "projected_spend", "budget", "projected_exhaustion"}
    ),
    EventType.WEBHOOK_ENDPOINT_DISABLED: frozenset({"endpoint", "failing_since"}),
    EventType.TEAM_CREATED: frozenset({"changes"}),
    EventType.TEAM_UPDATED: frozenset({"changes"}),
    # Never the key itself: its prefix (shown in every list) tells keys apart.
    EventType.API_KEY_CREATED: frozenset(
        {"api_key", "name", "prefix", "team", "role", "brands", "expires_at"}
    ),
    EventType.API_KEY_REVOKED: frozenset({"api_key", "name", "prefix", "team"}),
    EventType.PING: frozenset({"endpoint"}),
}

# Types an endpoint may subscribe to (``ping`` goes to the endpoint under test only).
SUBSCRIBABLE_TYPES: tuple[str, ...] = tuple(t.value for t in EventType if t != EventType.PING)
ALL_TYPES = "*"

# Fields whose change makes an event part of the budget audit (kept AUDIT_RETENTION_DAYS).
BUDGET_FIELDS = frozenset({"daily_budget", "monthly_budget"})
_CHANGE_TYPES = frozenset(
    {
        EventType.CAMPAIGN_CREATED,
        EventType.CAMPAIGN_UPDATED,
        EventType.BRAND_CREATED,
        EventType.BRAND_UPDATED,
    }
)


def data_errors(event_type: str, data: Mapping[str, Any]) -> str | None:
    """Why ``data`` does not fit ``event_type`` (``None``: it fits)."""
    keys = DATA_KEYS.get(event_type)
    if keys is None:
        return f"unknown event type {event_type!r}"
    missing = keys - data.keys()
    if missing:
        return f"{event_type} data lacks {', '.join(sorted(missing))}"
    changes = data.get("changes")
    if "changes" in keys and not isinstance(changes, Mapping):
        return f"{event_type} data 'changes' must be {{field: [from, to]}}"
    return None


def is_budget_audit(event_type: str, data: Mapping[str, Any]) -> bool:
    """Whether the event records a budget change (kept longer: ``AUDIT_RETENTION_DAYS``)."""
    changes = data.get("changes")
    return (
        event_type in _CHANGE_TYPES and isinstance(changes, Mapping) and bool(BUDGET_FIELDS & changes.keys())
    )


def change_value(value: Any) -> Any:
    """A field's value as ``changes`` carries it (JSON-ready): money as ``"12.50"``, dates and
    moments in ISO 8601, times as ``HH:MM``, a model instance as its id, sets as sorted lists."""
    if isinstance(value, Decimal):
        return str(to_money(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, set | frozenset):
        return sorted(change_value(item) for item in value)
    if isinstance(value, list | tuple):
        return [change_value(item) for item in value]
    return value


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [from, to]}`` for every field of ``after`` whose value differs from its value in
    ``before`` (a field ``before`` lacks changes from ``None``: a creation passes ``{}``).
    Generic over the fields passed: a service names the fields it audits."""
    changes: dict[str, list[Any]] = {}
    for name, value in after.items():
        old, new = change_value(before.get(name)), change_value(value)
        if old != new or name not in before:
            changes[name] = [old, new]
    return changes


# What ``campaigns/{id}/events/`` showed before the log (the old audit trail's ``kind``,
# ``from_value``, ``to_value``, ``reason``), derived from an event so old clients keep working.
_SERVING_KINDS: dict[str, str] = {
    EventType.CAMPAIGN_PAUSED: "serving_stopped",
    EventType.CAMPAIGN_RESUMED: "serving_started",
    EventType.CAMPAIGN_REASON_CHANGED: "pause_reason_changed",
}


def legacy_audit_fields(event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The old audit row's ``kind``, ``from_value``, ``to_value`` and ``reason`` of an event."""
    if event_type in _SERVING_KINDS:
        serves = event_type == EventType.CAMPAIGN_RESUMED
        reason = data.get("reason")
        previous = data.get("previous_reason")
        status = data.get("status")
        reasons = list(data.get("reasons") or [])
        return {
            "kind": _SERVING_KINDS[event_type],
            "from_value": {"is_active": event_type == EventType.CAMPAIGN_PAUSED, "pause_reason": previous},
            "to_value": {"is_active": serves, "pause_reason": reason, "reasons": reasons},
            "reason": "all rules pass" if serves else (reason or (f"status {status}" if status else "")),
        }
    changes: Mapping[str, Any] = data.get("changes") or {}
    if event_type == EventType.CAMPAIGN_CREATED:
        return {
            "kind": "created",
            "from_value": None,
            "to_value": {name: change[1] for name, change in changes.items() if name != "name"},
            "reason": "",
        }
    budgets = [name for name in ("daily_budget", "monthly_budget") if name in changes]
    if "status" in changes:
        kind, fields, scalar = "status_changed", ["status"], True
    elif budgets:
        kind, fields, scalar = "budget_changed", budgets, False
    elif "dayparting_schedule" in changes:
        kind, fields, scalar = "schedule_changed", ["dayparting_schedule"], True
    else:
        kind, fields, scalar = event_type, list(changes), False
    before = {name: changes[name][0] for name in fields}
    after = {name: changes[name][1] for name in fields}
    return {
        "kind": kind,
        "from_value": before[fields[0]] if scalar else before,
        "to_value": after[fields[0]] if scalar else after,
        "reason": str(data.get("reason") or ""),
    }
