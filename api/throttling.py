"""Per-user throttling, one budget for reads and one for writes.

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``read`` and ``write``), which
settings fill from ``API_THROTTLE_READ_RATE`` / ``API_THROTTLE_WRITE_RATE``. They are read at
request time, so a settings override takes effect at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import throttling
from rest_framework.settings import api_settings

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UserRateThrottle(throttling.SimpleRateThrottle):
    """Throttle each authenticated user (anonymous requests by client address)."""

    def __init__(self) -> None:
        # The rate depends on the request (read or write): chosen in ``allow_request``.
        pass

    def get_rate(self) -> str | None:
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        rate = rates.get(self.scope or "")
        return None if rate is None else str(rate)

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.scope = "read" if request.method in SAFE_METHODS else "write"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        user: Any = request.user
        ident = str(user.pk) if user and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
