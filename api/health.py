"""Health checks behind ``GET /api/v1/health/``: a registry of small functions.

A check takes no argument and returns ``"ok"``, or ``"unknown"`` when it cannot tell yet
(reported, never a failure), or any other text naming the problem (a failure, answered
with 503). An exception counts as a failure too, reported by its class and message.

Plug a check in from any app, without editing this module, either with the decorator::

    from api.health import register

    @register("beat")
    def beat_heartbeat() -> str: ...

or through settings: ``HEALTH_CHECKS = {"beat": "tasks.health.beat_check"}`` (dotted
paths, resolved at request time; a settings entry wins over a registered one).

Built in: ``database`` (``SELECT 1``), ``broker`` (pings ``CELERY_BROKER_URL`` when it is a
Redis URL; ``memory://`` is in-process and always ok; unset or another scheme: unknown)
and ``beat`` (reads the heartbeat Celery Beat's scheduler records with
``record_beat_heartbeat()`` in the default cache; none yet: unknown; older than
``HEALTH_BEAT_MAX_AGE_SECONDS``: stale).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

OK = "ok"
UNKNOWN = "unknown"
BEAT_HEARTBEAT_CACHE_KEY = "health:beat:heartbeat"

Check = Callable[[], str]
_REGISTRY: dict[str, Check] = {}


def register(name: str) -> Callable[[Check], Check]:
    """Register ``func`` as the check ``name`` (replacing any earlier one)."""

    def decorator(func: Check) -> Check:
        _REGISTRY[name] = func
        return func

    return decorator


def _configured(path: str) -> Check:
    def check() -> str:
        return str(import_string(path)())

    return check


def checks() -> dict[str, Check]:
    """The registered checks, with ``settings.HEALTH_CHECKS`` added or replacing them."""
    found = dict(_REGISTRY)
    configured: dict[str, str] = getattr(settings, "HEALTH_CHECKS", {})
    for name, path in configured.items():
        found[name] = _configured(path)
    return found


def run_checks() -> tuple[bool, dict[str, str]]:
    """Run every check; returns (healthy, {name: outcome})."""
    results: dict[str, str] = {}
    for name, check in checks().items():
        try:
            outcome = str(check())
        except Exception as error:  # a failing check is a result, not a crash
            outcome = f"error: {type(error).__name__}: {error}"[:300]
        results[name] = outcome
    healthy = all(outcome in (OK, UNKNOWN) for outcome in results.values())
    return healthy, results


@register("database")
def database_check() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def broker_url() -> str:
    """``settings.CELERY_BROKER_URL`` when settings define it, else the environment's."""
    configured = getattr(settings, "CELERY_BROKER_URL", None)
    if configured is None:
        configured = os.environ.get("CELERY_BROKER_URL", "")
    return str(configured)


@register("broker")
def broker_check() -> str:
    url = broker_url()
    if not url:
        return UNKNOWN
    if url.startswith("memory://"):
        return OK
    if url.startswith(("redis://", "rediss://", "unix://")):
        import redis

        timeout = float(getattr(settings, "HEALTH_BROKER_TIMEOUT_SECONDS", 1.0))
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            client.ping()
        finally:
            client.close()
        return OK
    return UNKNOWN


def record_beat_heartbeat(moment: dt.datetime | None = None) -> None:
    """Celery Beat (or a task it schedules every minute) calls this to say it is alive."""
    stamp = moment or timezone.now()
    cache.set(BEAT_HEARTBEAT_CACHE_KEY, stamp.isoformat(), timeout=None)


@register("beat")
def beat_check() -> str:
    raw = cache.get(BEAT_HEARTBEAT_CACHE_KEY)
    if raw is None:
        return UNKNOWN
    age = (timezone.now() - dt.datetime.fromisoformat(str(raw))).total_seconds()
    max_age = int(getattr(settings, "HEALTH_BEAT_MAX_AGE_SECONDS", 180))
    if age > max_age:
        return f"stale: last heartbeat {int(age)}s ago (max {max_age}s)"
    return OK
