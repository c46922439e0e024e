"""Limits that hold under parallel load: requests per user, failed authentication per
client address.

* ``UserRateThrottle``: per user (an anonymous request: per client address), reads and
  writes apart, at ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``read``/``write``, from
  ``API_THROTTLE_READ_RATE``/``API_THROTTLE_WRITE_RATE``; read at request time). Fixed
  windows aligned on the clock (a minute, an hour, ...), counted atomically in the shared
  store of ``core.hitcounters`` (Redis ``INCR``, or a SQLite file on one machine): however
  many parallel clients and processes, a window lets through at most the rate; the rest
  answer 429 with ``Retry-After`` (the seconds left in the window).
* ``AuthFailureLimit``: failed token authentications per client address
  (``API_AUTH_FAILURE_RATE``, default ``20/minute``); past the limit the address gets 429
  with ``Retry-After`` until the window ends, valid credentials included, so a guesser
  learns nothing more. A process that has seen the limit passed answers from memory; the
  store is only touched on a failure, so a valid request pays nothing.

The client address is ``REMOTE_ADDR``, or with ``API_NUM_PROXIES`` (DRF's ``NUM_PROXIES``)
set, the address that many proxies from the right of ``X-Forwarded-For``.
"""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from rest_framework import exceptions, throttling
from rest_framework.settings import api_settings

from core.hitcounters import counters

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/minute"`` -> (600, 60): DRF's syntax (second, minute, hour, day)."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period[:1]]


def client_address(request: Request) -> str:
    """The client's address (``API_NUM_PROXIES`` trusted proxies in front)."""
    return str(throttling.BaseThrottle().get_ident(request))


def window_hit(key: str, duration: int) -> tuple[int, float]:
    """Count one hit of ``key`` in the current fixed window of ``duration`` seconds;
    return the count and the seconds left in the window."""
    now = time.time()
    window = int(now // duration)
    count = counters().hit(f"{key}:{duration}:{window}", duration + 1)
    return count, (window + 1) * duration - now


class UserRateThrottle(throttling.BaseThrottle):
    """Throttle each authenticated user (anonymous requests by client address)."""

    _wait: float | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        scope = "read" if request.method in SAFE_METHODS else "write"
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        rate = rates.get(scope)
        if rate is None:
            return True
        limit, duration = parse_rate(str(rate))
        user: Any = request.user
        ident = f"user:{user.pk}" if user and user.is_authenticated else f"address:{client_address(request)}"
        count, left = window_hit(f"throttle:{scope}:{ident}", duration)
        if count <= limit:
            return True
        self._wait = left
        return False

    def wait(self) -> float | None:
        return self._wait


class AuthFailureLimit:
    """Failed authentications per client address (see the module docstring)."""

    DETAIL = "Too many failed authentication attempts from this address; retry later."
    MAX_REMEMBERED = 10_000  # blocked addresses kept in memory before the expired ones are dropped

    def __init__(self) -> None:
        self._blocked: dict[str, float] = {}  # address -> monotonic end of its block, this process
        self._lock = threading.Lock()

    def check(self, address: str) -> None:
        """Raise 429 if this process knows ``address`` is over its limit."""
        until = self._blocked.get(address)
        if until is None:
            return
        left = until - time.monotonic()
        if left > 0:
            raise exceptions.Throttled(wait=math.ceil(left), detail=self.DETAIL)
        with self._lock:
            self._blocked.pop(address, None)

    def failed(self, address: str) -> None:
        """Count one failure of ``address``; raise 429 once it is past the limit."""
        limit, duration = parse_rate(settings.API_AUTH_FAILURE_RATE)
        count, left = window_hit(f"auth-failures:{address}", duration)
        if count > limit:
            now = time.monotonic()
            with self._lock:
                if len(self._blocked) >= self.MAX_REMEMBERED:
                    self._blocked = {key: until for key, until in self._blocked.items() if until > now}
                self._blocked[address] = now + left
            raise exceptions.Throttled(wait=math.ceil(left), detail=self.DETAIL)

    def reset(self) -> None:
        """Forget every block this process knows (tests)."""
        with self._lock:
            self._blocked.clear()


auth_failures = AuthFailureLimit()
