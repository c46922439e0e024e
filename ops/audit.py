"""Events of the log in words, for the console: the audit trail on a campaign's page, the
event list, and the dashboard's "What happened today".

What happened, why, who did it and what changed, with schedules by name, money in the
console's format and reasons as a person reads them ("Campaign daily budget exhausted").
``schedule_ids`` lists the schedules some events name, so that a page loads all their
names in one query (``ops.selectors.schedule_names``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from campaigns.rules import PauseReason, Status
from events.models import Event
from events.types import EventType, legacy_audit_fields

from .display import money

SCHEDULE = "dayparting_schedule"
BUDGETS = ("daily_budget", "monthly_budget")
FIELD_WORDS = {
    "is_active": "serving",
    "pause_reason": "reason",
    SCHEDULE: "schedule",
    "daily_budget": "daily budget",
    "monthly_budget": "monthly budget",
}
_SERVING: dict[str, str] = {
    EventType.CAMPAIGN_PAUSED: "Stopped serving",
    EventType.CAMPAIGN_RESUMED: "Started serving",
    EventType.CAMPAIGN_REASON_CHANGED: "Pause reason changed",
}


def _changes(event: Event) -> Mapping[str, list[Any]]:
    changes = event.data.get("changes") if isinstance(event.data, dict) else None
    return changes if isinstance(changes, Mapping) else {}


def what(event: Event) -> str:
    """ "Stopped serving", "Budget changed", "Brand updated", ..."""
    if event.type in _SERVING:
        return _SERVING[event.type]
    if event.type == EventType.CAMPAIGN_CREATED:
        return "Created"
    if event.type == EventType.CAMPAIGN_UPDATED:
        fields = set(_changes(event))
        if fields == {"status"}:
            return "Status changed"
        if fields and fields <= set(BUDGETS):
            return "Budget changed"
        if fields == {SCHEDULE}:
            return "Schedule changed"
        return "Changed"
    try:
        return str(EventType(event.type).label)
    except ValueError:
        return event.type


def describe_reason(reason: str) -> str:
    """A pause reason in words; any other text as it is."""
    if reason in PauseReason.values:
        return str(PauseReason(reason).label)
    return reason


def why(event: Event) -> str:
    if event.type in _SERVING:
        return describe_reason(str(legacy_audit_fields(event.type, event.data)["reason"]))
    return str(event.data.get("reason") or "")


def who(event: Event) -> str:
    """ "admin (user)", "enforce_budgets (system)", "spend, recorded by etl (system)"."""
    recorded = event.data.get("recorded_by")
    by = f", recorded by {recorded['name']}" if isinstance(recorded, dict) and recorded.get("name") else ""
    return f"{event.actor_name}{by} ({event.get_actor_kind_display().lower()})"


def schedule_ids(events: Iterable[Event]) -> set[int]:
    """The schedules the events name by id (a campaign's schedule, before or after)."""
    ids: set[int] = set()
    for event in events:
        for value in _changes(event).get(SCHEDULE) or []:
            if isinstance(value, int):
                ids.add(value)
    return ids


def change(event: Event, schedules: Mapping[int, str] | None = None) -> str:
    """What changed, in words: "daily budget: 100.00 → 50.00", "serving: yes, reason: - →
    serving: no, reason: Campaign daily budget exhausted", the creation's values."""
    names = schedules or {}
    if event.type in _SERVING:
        legacy = legacy_audit_fields(event.type, event.data)
        return f"{_plain(legacy['from_value'], names)} → {_plain(legacy['to_value'], names)}"
    changes = _changes(event)
    created = event.type.endswith(".created")
    parts = []
    for field, pair in changes.items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        before, after = pair
        word = FIELD_WORDS.get(field, field.replace("_", " "))
        if created:
            parts.append(f"{word}: {_value(field, after, names)}")
        else:
            parts.append(f"{word}: {_value(field, before, names)} → {_value(field, after, names)}")
    return "; ".join(parts) if not created else ", ".join(parts)


def _value(field: str, value: Any, names: Mapping[int, str]) -> str:
    if field == SCHEDULE:
        if value is None:
            return "no schedule"
        return names.get(value, f"schedule {value}") if isinstance(value, int) else str(value)
    if field.endswith("_budget") and isinstance(value, str):
        try:
            return money(Decimal(value))  # the console's number format, as everywhere else
        except InvalidOperation:
            return value
    if field == "status" and value in Status.values:
        return str(Status(value).label).lower()
    return _plain(value, names)


def _plain(value: Any, names: Mapping[int, str]) -> str:
    if isinstance(value, dict):
        return ", ".join(
            f"{FIELD_WORDS.get(key, key.replace('_', ' '))}: {_value(key, item, names)}"
            for key, item in value.items()
            if key != "reasons"
        )
    if isinstance(value, list):
        return ", ".join(_plain(item, names) for item in value) or "-"
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return describe_reason(str(value))
