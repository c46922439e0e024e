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

Built in: ``database`` (``SELECT 1``), ``broker`` (opens a connection to
``CELERY_BROKER_URL``, Redis or the embedded broker; unset: unknown) and ``beat`` (the age
of the heartbeat that Beat schedules and a worker records, ``tasks.health``; none yet:
unknown; older than ``HEALTH_BEAT_MAX_AGE_SECONDS``: stale).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.utils.module_loading import import_string

OK = "ok"
UNKNOWN = "unknown"

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
    from tasks.health import broker_ping

    url = broker_url()
    if not url:
        return UNKNOWN
    if url.startswith("memory://"):
        return OK
    error = broker_ping(url=url, timeout=float(getattr(settings, "HEALTH_BROKER_TIMEOUT_SECONDS", 1.0)))
    return OK if error is None else f"error: {error}"


@register("beat")
def beat_check() -> str:
    from tasks.health import beat_check as heartbeat_check

    return heartbeat_check()
