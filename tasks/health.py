"""What a health check reads about automation: Beat's heartbeat and the broker.

- ``beat_heartbeat_age()``: time since the periodic ``heartbeat`` task last ran, or
  ``None`` if it never ran. It runs every 30 seconds, so an age above
  ``HEARTBEAT_STALE_AFTER`` means Beat, the broker or every worker is down.
- ``broker_ping()``: ``None`` when the broker accepts a connection, else the error text.
- ``beat_check()`` and ``broker_check()``: the same as checks for the API's pluggable health
  endpoint (no argument; ``"ok"``, ``"unknown"`` or the problem): plug them in with
  ``HEALTH_CHECKS = {"beat": "tasks.health.beat_check", "broker": "tasks.health.broker_check"}``.
"""

from __future__ import annotations

import datetime as dt
import math

from celery import current_app
from django.conf import settings

from core.timeutils import now
from tasks.models import BEAT_HEARTBEAT, Heartbeat

HEARTBEAT_STALE_AFTER = dt.timedelta(seconds=getattr(settings, "HEALTH_BEAT_MAX_AGE_SECONDS", 180))


def beat_heartbeat_age(*, moment: dt.datetime | None = None) -> dt.timedelta | None:
    """How long ago the heartbeat task last ran (one indexed query), or ``None``: never."""
    beat_at = Heartbeat.objects.filter(name=BEAT_HEARTBEAT).values_list("beat_at", flat=True).first()
    if beat_at is None:
        return None
    return max((moment or now()) - beat_at, dt.timedelta(0))


def beat_is_alive(*, max_age: dt.timedelta = HEARTBEAT_STALE_AFTER) -> bool:
    age = beat_heartbeat_age()
    return age is not None and age <= max_age


def broker_ping(*, url: str | None = None, timeout: float = 2) -> str | None:
    """Open a connection to the broker (default: the configured one): ``None`` when it
    works, else the error."""
    try:
        # No retry and a connect timeout: a health check must answer within about ``timeout``
        # seconds when Redis is down, not wait out kombu's retry interval.
        with current_app.connection_for_write(
            url=url or settings.CELERY_BROKER_URL, connect_timeout=timeout
        ) as connection:
            connection.ensure_connection(max_retries=0, timeout=math.ceil(timeout))
    except Exception as error:  # the health check reports any failure, it must not raise
        return f"{type(error).__name__}: {error}"
    return None


def beat_check() -> str:
    """``ok`` while the heartbeat is fresh, ``unknown`` before the first one, else the problem."""
    age = beat_heartbeat_age()
    if age is None:
        return "unknown"
    if age > HEARTBEAT_STALE_AFTER:
        return f"stale: the Beat heartbeat last ran {int(age.total_seconds())}s ago"
    return "ok"


def broker_check() -> str:
    """``ok`` when the broker (Redis or the embedded one) accepts a connection, else the error."""
    error = broker_ping(timeout=1)
    return "ok" if error is None else error
