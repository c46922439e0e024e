"""What an alert e-mail says (pure: no database, no templates).

``digest_for`` turns a brand's events of one alert type, in id order, into the subject and
the lines the templates (``events/templates/events/email/``) render: one message per brand
and type, summarising everything that happened since the last one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from events.types import EventType

# The types that reach a brand's ``alert_emails`` (API.md "Alerts"); every other is ignored.
ALERT_EMAIL_TYPES: tuple[str, ...] = (
    EventType.BUDGET_THRESHOLD_REACHED.value,
    EventType.BUDGET_FORECAST_EXCEEDED.value,
    EventType.CAMPAIGN_PAUSED.value,
)

# The pauses that are alerts: a budget stopped the campaign. A person's pause (no reason) and
# a schedule's edge (``outside_schedule``, every day) are routine, not mailed. The budget
# reasons of ``campaigns.rules.PauseReason`` (a test keeps the two lists equal).
BUDGET_PAUSE_REASONS: tuple[str, ...] = (
    "brand_monthly_budget",
    "brand_daily_budget",
    "campaign_monthly_budget",
    "campaign_daily_budget",
)

# What the subject calls each type (singular, plural).
_NAMES: dict[str, tuple[str, str]] = {
    EventType.BUDGET_THRESHOLD_REACHED: ("budget threshold reached", "budget thresholds reached"),
    EventType.BUDGET_FORECAST_EXCEEDED: ("budget forecast exceeded", "budget forecasts exceeded"),
    EventType.CAMPAIGN_PAUSED: ("campaign paused", "campaigns paused"),
}

SUBJECT_PREFIX = "[Budget alert]"


@dataclass(frozen=True, slots=True)
class AlertItem:
    """One event as the e-mail lists it."""

    event_id: int
    at: str  # local time of the brand, "2026-11-21 18:04"
    text: str


@dataclass(frozen=True, slots=True)
class Digest:
    brand_name: str
    brand_id: int
    event_type: str
    title: str  # "Budget threshold reached"
    subject: str
    count: int  # every event summarised (more than ``items`` when the list is cut)
    items: list[AlertItem]
    timezone: str

    @property
    def more(self) -> int:
        return self.count - len(self.items)

    def context(self) -> dict[str, Any]:
        """What the templates read."""
        return {
            "brand_name": self.brand_name,
            "brand_id": self.brand_id,
            "event_type": self.event_type,
            "title": self.title,
            "subject": self.subject,
            "count": self.count,
            "items": self.items,
            "more": self.more,
            "timezone": self.timezone,
        }


@dataclass(frozen=True, slots=True)
class AlertFact:
    """An event, with what the e-mail needs of it (read by the dispatcher)."""

    event_id: int
    occurred_at: dt.datetime
    data: Mapping[str, Any]
    campaign_id: int | None
    campaign_name: str | None


def subject_for(*, brand_name: str, event_type: str, count: int) -> str:
    """``[Budget alert] Acme: 3 budget thresholds reached``: brand, type and count."""
    singular, plural = _NAMES.get(event_type, (event_type, event_type))
    return f"{SUBJECT_PREFIX} {brand_name}: {count} {singular if count == 1 else plural} ({event_type})"


def _words(code: object) -> str:
    return str(code).replace("_", " ") if code else "no reason given"


def _campaign(fact: AlertFact) -> str:
    if fact.campaign_name:
        return f"Campaign \u201c{fact.campaign_name}\u201d"
    return f"Campaign {fact.campaign_id}" if fact.campaign_id is not None else "A campaign"


def describe(event_type: str, fact: AlertFact, *, currency: str) -> str:
    """One line about one event, from its ``data`` (API.md's table)."""
    data = fact.data
    if event_type == EventType.BUDGET_THRESHOLD_REACHED:
        owner = "Brand" if data.get("scope") == "brand" else _campaign(fact)
        return (
            f"{owner}: {data.get('threshold')}% of the {data.get('period')} budget reached on "
            f"{data.get('date')} (spend {data.get('spend')} of {data.get('budget')} {currency})"
        )
    if event_type == EventType.BUDGET_FORECAST_EXCEEDED:
        exhaustion = data.get("projected_exhaustion")
        return (
            f"Month {data.get('month')}: projected spend {data.get('projected_spend')} exceeds the "
            f"monthly budget of {data.get('budget')} {currency}"
            + (f"; projected to run out on {exhaustion}" if exhaustion else "")
        )
    if event_type == EventType.CAMPAIGN_PAUSED:
        reasons = [str(reason) for reason in data.get("reasons") or []]
        extra = [reason for reason in reasons if reason != data.get("reason")]
        text = f"{_campaign(fact)} stopped serving: {_words(data.get('reason') or data.get('status'))}"
        return text + (f" (also: {', '.join(_words(reason) for reason in extra)})" if extra else "")
    return f"{event_type}: {dict(data)}"


def digest_for(
    *,
    brand_id: int,
    brand_name: str,
    timezone: str,
    currency: str,
    event_type: str,
    facts: Sequence[AlertFact],
    count: int,
) -> Digest:
    """The message about ``count`` events of ``event_type`` (``facts``: the first of them,
    in id order; the rest are counted, not listed)."""
    zone = ZoneInfo(timezone or "UTC")
    items = [
        AlertItem(
            event_id=fact.event_id,
            at=fact.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
            text=describe(event_type, fact, currency=currency),
        )
        for fact in facts
    ]
    count = max(count, len(items))
    title = EventType(event_type).label if event_type in EventType.values else event_type
    return Digest(
        brand_name=brand_name,
        brand_id=brand_id,
        event_type=event_type,
        title=str(title),
        subject=subject_for(brand_name=brand_name, event_type=event_type, count=count),
        count=count,
        items=items,
        timezone=timezone or "UTC",
    )
