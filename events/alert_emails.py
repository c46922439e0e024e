"""Alert e-mails: from the log to a brand's ``alert_emails`` (API.md "Alerts").

A brand's ``budget.threshold_reached``, ``budget.forecast_exceeded`` and ``campaign.paused``
events reach its ``alert_emails`` through Django's e-mail backend: one message per brand
and type per ``ALERT_EMAIL_MIN_INTERVAL``, summarising what happened meanwhile. One run
(a nudge after a commit that wrote such an event, the Beat job every minute, or
``alert_emails_dispatch()``):

1. position the committed events (``events_position``), as the webhook dispatcher does;
2. **scan**: under the row lock of ``AlertEmailFeed``, read the events of those types of
   brands with addresses between its cursor and the high-water mark (one grouped query:
   brands without addresses, and other types, cost nothing), raise each (brand, type)
   state's ``pending_through`` (one upsert), move the cursor. Positions grow in commit
   order, so an event committed late with a smaller insertion number is read by a later
   scan, never skipped;
3. **send** each state with news that is due (never sent, or the last message at least
   the interval ago): lock its row (``SKIP LOCKED``: another worker sends it), read its
   events ``sent_through < id <= pending_through``, send ONE message, then record
   ``sent_through``, ``last_sent_at`` in the same transaction. A failed send rolls back:
   the next run tries again.

At least once: a process killed between the SMTP server's acceptance and the commit sends
that message again on the next run (nothing records that the server accepted it). Anything
else (a broker outage, a killed worker, an SMTP outage) delays messages, never loses them.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, F, Max, Q, Window
from django.template.loader import render_to_string

from brands.models import Brand
from core.timeutils import now
from events.append import events_position
from events.digest import ALERT_EMAIL_TYPES, BUDGET_PAUSE_REASONS, AlertFact, Digest, digest_for
from events.models import AlertEmailFeed, AlertEmailState, Event
from events.selectors import feed_high_water
from events.types import EventType

logger = logging.getLogger("budget.alert_emails")

LISTED_MAX = 50  # events listed in one message; the rest are counted
SEND_BATCH = 200  # messages per run at most (the Beat job goes on a minute later)
RUN_SECONDS = 60.0  # a run starts no new message after this long (well inside the task limits)
TEMPLATE = "events/email/alert_digest"


@dataclass
class AlertEmailSummary:
    scanned: int = 0  # (brand, type) pairs with news found by the scan
    sent: int = 0  # messages sent
    events: int = 0  # events summarised in them
    skipped: int = 0  # states advanced without a message (no address left, brand gone)
    failed: int = 0  # sends that failed (tried again on the next run)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def min_interval() -> dt.timedelta:
    """``ALERT_EMAIL_MIN_INTERVAL``: a ``timedelta``, or a number of seconds (default 15 min)."""
    value = getattr(settings, "ALERT_EMAIL_MIN_INTERVAL", 900)
    return value if isinstance(value, dt.timedelta) else dt.timedelta(seconds=float(value))


def recipients(addresses: object) -> list[str]:
    """The usable addresses of a brand's ``alert_emails`` (strings with an ``@``), once each."""
    if not isinstance(addresses, list):
        return []
    found = (str(address).strip() for address in addresses if isinstance(address, str))
    return list(dict.fromkeys(address for address in found if "@" in address))


# --- Scan ----------------------------------------------------------------------------------


def _feed_row_ensure() -> None:
    """The scan's cursor exists: made at the high-water mark of before this run's positioning
    (a new installation e-mails what commits from now on, not the log's past)."""
    if not AlertEmailFeed.objects.filter(pk=1).exists():
        AlertEmailFeed.objects.bulk_create(
            [AlertEmailFeed(pk=1, scanned_through=feed_high_water())], ignore_conflicts=True
        )


def _mailed() -> Q:
    """The alert events that are mailed: every threshold and forecast alert, and the pauses
    for a budget (``BUDGET_PAUSE_REASONS``)."""
    paused = EventType.CAMPAIGN_PAUSED.value
    return Q(type__in=[kind for kind in ALERT_EMAIL_TYPES if kind != paused]) | Q(
        type=paused, data__reason__in=BUDGET_PAUSE_REASONS
    )


def alert_emails_scan(*, high_water: int) -> int:
    """Read the log up to ``high_water`` into the per (brand, type) states; returns how many
    states got news. Serialized by the cursor's row lock; a constant number of queries."""
    with transaction.atomic():
        feed = AlertEmailFeed.objects.select_for_update().get(pk=1)
        if feed.scanned_through >= high_water:
            return 0
        with_addresses = Brand.objects.exclude(alert_emails=[]).values("pk")
        news = list(
            Event.objects.filter(
                _mailed(),
                position__gt=feed.scanned_through,
                position__lte=high_water,
                endpoint__isnull=True,
                brand_id__in=with_addresses,
            )
            .values("brand_id", "type")
            .annotate(last=Max("position"))
            .order_by()
        )
        if news:
            # The scan is serialized and positions only grow: ``last`` is above what the state
            # holds, so the upsert may simply overwrite it (and keeps an existing state's
            # ``sent_through``).
            AlertEmailState.objects.bulk_create(
                [
                    AlertEmailState(
                        brand_id=row["brand_id"],
                        event_type=row["type"],
                        pending_through=row["last"],
                        # a new state starts at the cursor: what the brand had before it had
                        # addresses was read (and left) by earlier scans
                        sent_through=feed.scanned_through,
                    )
                    for row in news
                ],
                update_conflicts=True,
                unique_fields=["brand", "event_type"],
                update_fields=["pending_through"],
            )
        AlertEmailFeed.objects.filter(pk=1).update(scanned_through=high_water)
    return len(news)


# --- Send ----------------------------------------------------------------------------------


def _due(moment: dt.datetime) -> Q:
    return Q(pending_through__gt=F("sent_through")) & (
        Q(last_sent_at__isnull=True) | Q(last_sent_at__lte=moment - min_interval())
    )


def due_states(*, moment: dt.datetime, limit: int = SEND_BATCH) -> list[int]:
    """The states with news whose brand may be sent a message of that type now."""
    return list(
        AlertEmailState.objects.filter(_due(moment)).order_by("pk").values_list("pk", flat=True)[:limit]
    )


def _facts(state: AlertEmailState) -> tuple[list[AlertFact], int]:
    """The first ``LISTED_MAX`` events the message summarises, and how many there are in all
    (one query: the total is a window over the whole range)."""
    rows = list(
        Event.objects.filter(
            _mailed(),
            brand_id=state.brand_id,
            type=state.event_type,
            endpoint__isnull=True,
            position__gt=state.sent_through,
            position__lte=state.pending_through,
        )
        .select_related("campaign")
        .annotate(total=Window(Count("seq")))
        .order_by("position")[:LISTED_MAX]
    )
    facts = [
        AlertFact(
            event_id=int(row.position or 0),
            occurred_at=row.occurred_at,
            data=row.data,
            campaign_id=row.campaign_id,
            campaign_name=row.campaign.name if row.campaign is not None else None,
        )
        for row in rows
    ]
    return facts, int(rows[0].total) if rows else 0


def alert_email_message(digest: Digest, to: Iterable[str]) -> EmailMultiAlternatives:
    """The message: a plain-text body and an HTML alternative, from the templates."""
    context = digest.context()
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=render_to_string(f"{TEMPLATE}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=list(to),
        headers={
            "Auto-Submitted": "auto-generated",  # RFC 3834: no vacation replies
            "X-Budget-Event-Type": digest.event_type,
            "X-Budget-Brand": str(digest.brand_id),
        },
    )
    message.attach_alternative(render_to_string(f"{TEMPLATE}.html", context), "text/html")
    return message


def alert_email_send(*, state_id: int, summary: AlertEmailSummary) -> bool:
    """Send the state's message if it is still due (re-checked under its row lock), then
    record it in the same transaction; returns whether a message went. Raises when the
    backend fails (nothing recorded: the next run sends it)."""
    with transaction.atomic():
        moment = now()
        state = (
            AlertEmailState.objects.select_for_update(skip_locked=True)
            .filter(_due(moment), pk=state_id)
            .first()
        )
        if state is None:
            return False
        brand = (
            Brand.objects.filter(pk=state.brand_id)
            .only("name", "timezone", "currency", "alert_emails")
            .first()
        )
        to = recipients(brand.alert_emails) if brand is not None else []
        facts, count = _facts(state) if to else ([], 0)
        sent = bool(to and facts)
        if sent and brand is not None:
            digest = digest_for(
                brand_id=brand.pk,
                brand_name=brand.name,
                timezone=brand.timezone,
                currency=brand.currency,
                event_type=state.event_type,
                facts=facts,
                count=count,
            )
            alert_email_message(digest, to).send(fail_silently=False)
            state.last_sent_at = moment
            state.messages_sent += 1
            summary.sent += 1
            summary.events += digest.count
        else:
            summary.skipped += 1
        state.sent_through = state.pending_through
        state.save(update_fields=["sent_through", "last_sent_at", "messages_sent"])
    return sent


def alert_emails_dispatch(*, limit: int = SEND_BATCH, time_budget: float = RUN_SECONDS) -> AlertEmailSummary:
    """One run (see the module's docstring): position, scan, send what is due (until
    ``limit`` messages or ``time_budget`` seconds; the next run goes on)."""
    deadline = time.monotonic() + time_budget
    summary = AlertEmailSummary()
    _feed_row_ensure()
    summary.scanned = alert_emails_scan(high_water=events_position())
    for state_id in due_states(moment=now(), limit=limit):
        if time.monotonic() >= deadline:
            break
        try:
            alert_email_send(state_id=state_id, summary=summary)
        except Exception:  # an SMTP failure: logged, retried by the next run
            summary.failed += 1
            logger.exception("alert e-mail of state %s failed; the next run tries again", state_id)
    if summary.sent or summary.failed or summary.skipped:
        logger.info(
            "alert e-mails dispatched: %s",
            json.dumps(summary.as_dict()),
            extra={"job": "dispatch_alert_emails"},
        )
    return summary
