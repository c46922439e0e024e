"""Celery tasks of the events app: thin callers of ``events.dispatch``, ``events.alert_emails``
and ``events.services``, and the after-commit nudges of the two dispatchers."""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from events.alert_emails import alert_emails_dispatch
from events.dispatch import webhooks_dispatch
from events.services import events_purge

logger = logging.getLogger("budget.webhooks")

DISPATCH_TASK = "events.dispatch_webhooks"
ALERT_EMAIL_TASK = "events.dispatch_alert_emails"
NUDGE_EXPIRES_SECONDS = 60


@shared_task(
    name=DISPATCH_TASK, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=3
)
def dispatch_webhooks() -> dict[str, int]:
    """Position new events and deliver what is due (Beat kicks it; commits nudge it)."""
    return webhooks_dispatch().as_dict()


@shared_task(
    name=ALERT_EMAIL_TASK, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=3
)
def dispatch_alert_emails() -> dict[str, int]:
    """Send the alert e-mails that are due (Beat kicks it every minute; commits of alert
    events nudge it)."""
    return alert_emails_dispatch().as_dict()


@shared_task(
    name="events.purge_events",
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def purge_events() -> dict[str, Any]:
    """Retention: EVENT_RETENTION_DAYS, and AUDIT_RETENTION_DAYS for budget changes."""
    counts = events_purge()
    logger.info("job purge_events finished: %s", counts, extra={"job": "purge_events", **counts})
    return counts


def send_nudge() -> None:
    """Enqueue a dispatcher run now. A broker outage only delays the delivery until Beat's
    next kick finds the events in the log: logged, never raised."""
    try:
        dispatch_webhooks.apply_async(expires=NUDGE_EXPIRES_SECONDS, retry=False)
    except Exception as error:  # the change has committed; the log keeps the event
        logger.warning("could not nudge the webhook dispatcher (%s); Beat's next run will deliver", error)


def send_alert_email_nudge() -> None:
    """Enqueue an alert e-mail run now; a lost nudge waits for Beat's next minute."""
    try:
        dispatch_alert_emails.apply_async(expires=NUDGE_EXPIRES_SECONDS, retry=False)
    except Exception as error:  # the change has committed; the log keeps the event
        logger.warning("could not nudge the alert e-mails (%s); Beat's next run will send them", error)


class Nudger:
    """Sends the after-commit nudges from a daemon thread of the process, so that a
    committing request never waits for the broker (a publish costs milliseconds: as much
    as the whole spend transaction), and a burst of commits coalesces into few nudges.

    Every ``request()`` is followed by at least one send that starts after it, and sends
    are at least ``min_interval`` seconds apart: under a stream of commits (hundreds of
    spends a second in one process) the thread publishes a few times a second instead of
    once per commit, and its CPU stays out of the requests' way; a quiet process's first
    nudge goes at once. The thread starts on first use in each process (so a fork, e.g. a
    gunicorn or Celery worker, gets its own). A nudge lost with the process is only an
    optimisation lost: Beat kicks the dispatcher every few seconds and the log keeps the
    events.
    """

    def __init__(
        self, send: Callable[[], None], name: str = "webhook-nudger", *, min_interval: float = 0.1
    ) -> None:
        self._send = send
        self._name = name
        self._min_interval = min_interval
        self._last_sent = -math.inf
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._wanted = False
        self._busy = False
        self._pid: int | None = None

    def request(self) -> None:
        with self._lock:
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._wanted = self._busy = False
                threading.Thread(target=self._run, name=self._name, daemon=True).start()
            self._wanted = True
            self._changed.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until every requested nudge has been sent (tests); False on timeout."""
        with self._lock:
            return self._changed.wait_for(lambda: not self._wanted and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                self._changed.wait_for(lambda: self._wanted)
            pause = self._last_sent + self._min_interval - time.monotonic()
            if pause > 0:  # requests arriving meanwhile join this send
                time.sleep(pause)
            with self._lock:
                self._wanted, self._busy = False, True
                self._last_sent = time.monotonic()
            try:
                self._send()
            except Exception:  # send_nudge logs its own failures; never let the thread die
                logger.exception("%s: nudge failed", self._name)
            finally:
                with self._lock:
                    self._busy = False
                    self._changed.notify_all()


nudger = Nudger(send_nudge)


def nudge_dispatcher() -> None:
    """After a commit that wrote events: have the dispatcher run soon (in the background)."""
    nudger.request()


# Alert e-mails are batched per ALERT_EMAIL_MIN_INTERVAL anyway: one nudge a second is plenty.
alert_email_nudger = Nudger(send_alert_email_nudge, name="alert-email-nudger", min_interval=1.0)


def nudge_alert_emails() -> None:
    """After a commit that wrote alert events: have the alert e-mails go out soon."""
    alert_email_nudger.request()
