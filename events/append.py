"""Appending to the event log and numbering it (the services layer of the log itself).

Appending (``event_append`` / ``event_append_many``) happens inside the caller's
transaction, so a change and its event commit together or not at all. Once the transaction
commits, the registered listeners run (the Celery layer registers a nudge of the webhook
dispatcher, and one of the alert e-mails for the types they carry); a lost nudge only delays
delivery, as the Beat-kicked dispatchers read the log. ``events.services`` re-exports these
names: callers import them from there.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError

from core.actors import Actor
from core.timeutils import now
from events import store
from events.models import Event
from events.selectors import feed_high_water
from events.types import ActorKind, data_errors, is_budget_audit

logger = logging.getLogger("budget.events")

POSITION_BATCH = 5000


# A value, but not frozen: one is built per campaign in a sweep, and a frozen dataclass's
# ``__init__`` (``object.__setattr__`` per field) costs about four times a plain one.
@dataclass(slots=True)
class NewEvent:
    """One event for ``event_append_many``; ``data`` as API.md's table says for ``type``."""

    type: str
    data: Mapping[str, Any] = field(default_factory=dict)
    brand_id: int | None = None
    campaign_id: int | None = None


@dataclass(frozen=True, slots=True)
class _Listener:
    call: Callable[[], None]
    types: frozenset[str] | None  # None: every type


_committed_listeners: list[_Listener] = []


def on_events_committed(listener: Callable[[], None], *, types: Collection[str] | None = None) -> None:
    """Run ``listener`` after every transaction that appended events (of one of ``types``,
    when given) commits, once per append call. Listeners must not raise; a failure is
    logged and ignored."""
    entry = _Listener(call=listener, types=None if types is None else frozenset(types))
    if all(known.call is not listener for known in _committed_listeners):
        _committed_listeners.append(entry)


def notify_committed(types: frozenset[str]) -> None:
    """Run the listeners interested in events of ``types`` (after a commit)."""
    for listener in list(_committed_listeners):
        if listener.types is not None and not listener.types & types:
            continue
        try:
            listener.call()
        except Exception:  # a nudge is an optimisation: never fail the request for it
            logger.exception("events: after-commit listener %r failed", listener.call)


def _notify_pending(types: set[str]) -> None:
    notify_committed(frozenset(types))


def notify_on_commit(types: Collection[str]) -> None:
    """Have the listeners for ``types`` run once the current transaction commits: once per
    transaction, however many appends it makes (a spend that pauses a campaign and reaches
    thresholds nudges each channel once). The types join the callback already registered
    while it is still pending (not dropped with a rolled-back savepoint)."""
    conn = transaction.get_connection()
    pending: tuple[set[str], Callable[[], None]] | None = getattr(conn, "_events_nudge", None)
    if pending is not None and any(entry[1] is pending[1] for entry in conn.run_on_commit):
        pending[0].update(types)
        return
    found = set(types)
    callback = partial(_notify_pending, found)
    conn._events_nudge = (found, callback)
    transaction.on_commit(callback)


def actor_row(actor: Actor | None) -> store.ActorRow:
    actor = actor or Actor.system("system")
    if actor.kind not in ActorKind.values:
        raise ValueError(f"unknown actor kind {actor.kind!r}")
    api_key_id = getattr(actor, "api_key_id", None)
    return store.ActorRow(
        kind=actor.kind,
        name=actor.label[:150],
        user_id=actor.user_id,
        api_key_id=int(api_key_id) if api_key_id is not None else None,
    )


def _row(event: NewEvent, endpoint_id: int | None = None) -> store.EventRow:
    problem = data_errors(event.type, event.data)
    if problem:
        raise ValueError(problem)
    return store.EventRow(
        type=event.type,
        brand_id=event.brand_id,
        campaign_id=event.campaign_id,
        data_json=json.dumps(event.data, cls=DjangoJSONEncoder, separators=(",", ":")),
        audit=is_budget_audit(event.type, event.data),
        endpoint_id=endpoint_id,
    )


def _rows(events: Sequence[NewEvent]) -> list[store.EventRow]:
    """The rows of ``events``, each distinct ``data`` object checked and encoded once (a
    sweep's thousands of pauses share a few data objects)."""
    encoded: dict[tuple[str, int], store.EventRow] = {}
    rows = []
    for event in events:
        key = (event.type, id(event.data))
        template = encoded.get(key)
        if template is None:
            template = encoded[key] = _row(event)
        rows.append(
            template
            if (template.brand_id, template.campaign_id) == (event.brand_id, event.campaign_id)
            else store.EventRow(
                template.type,
                event.brand_id,
                event.campaign_id,
                template.data_json,
                template.audit,
                template.endpoint_id,
            )
        )
    return rows


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise TransactionManagementError(
            "events are appended inside the transaction of the change they record "
            "(call inside transaction.atomic())"
        )


def events_prepare(
    *,
    events: Sequence[NewEvent],
    actor: Actor | None,
    occurred_at: dt.datetime | None = None,
) -> store.EventBatch | None:
    """Check and encode ``events`` for a caller whose store sends their insert together with
    its own statements, in the same round trip (``EventBatch.statement``, or
    ``EventBatch.insert``); ``None`` when there are none. The caller MUST insert the batch in
    the current transaction: the after-commit listeners are registered here."""
    _require_transaction()
    if not events:
        return None
    rows = _rows(events)
    notify_on_commit({row.type for row in rows})
    return store.EventBatch(rows=rows, actor=actor_row(actor), occurred_at=occurred_at or now())


def event_append_many(
    *,
    events: Sequence[NewEvent],
    actor: Actor | None,
    occurred_at: dt.datetime | None = None,
) -> int:
    """Append ``events`` (one actor, one moment) in ONE statement, inside the caller's
    transaction; returns how many. Their public ids are assigned after commit."""
    batch = events_prepare(events=events, actor=actor, occurred_at=occurred_at)
    if batch is None:
        return 0
    batch.insert()
    return len(batch.rows)


def event_append(
    *,
    type: str,
    actor: Actor | None,
    data: Mapping[str, Any],
    brand_id: int | None = None,
    campaign_id: int | None = None,
    occurred_at: dt.datetime | None = None,
) -> None:
    """Append one event inside the caller's transaction."""
    event_append_many(
        events=[NewEvent(type=type, data=data, brand_id=brand_id, campaign_id=campaign_id)],
        actor=actor,
        occurred_at=occurred_at,
    )


def events_position(*, limit: int = POSITION_BATCH) -> int:
    """Give every committed, unpositioned event its public id (in batches); returns the
    high-water mark. Cheap when nothing waits: one index probe, no lock. Call it outside
    any transaction (readers and the dispatcher do): inside one, the feed's lock would be
    held until that transaction ends."""
    high_water = feed_high_water()
    while Event.objects.filter(position__isnull=True).exists():
        with transaction.atomic():
            count, high_water = store.position_pending(limit=limit)
        if count < limit:
            break
    return high_water
