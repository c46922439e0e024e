"""The shared cache of production: Django's built-in Redis cache, failing open.

The cache only holds what can be lost (API throttling counters): when Redis is down a read
is a miss and a write is skipped (logged), so the API keeps accepting spend while the broker
and the cache are away (the ledger in PostgreSQL is the source of truth). Configure it with
``CACHE_URL`` (or ``REDIS_URL``) in ``budget_system.settings_production``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger("budget.cache")

WARN_EVERY_SECONDS = 30.0


class FailOpenRedisCacheClient(RedisCacheClient):
    _last_warning = 0.0

    def _failed(self, operation: str, error: Exception) -> None:
        now = time.monotonic()
        if now - FailOpenRedisCacheClient._last_warning >= WARN_EVERY_SECONDS:
            FailOpenRedisCacheClient._last_warning = now
            logger.warning(
                "cache %s failed, continuing without the cache: %s",
                operation,
                error,
                extra={"event": "cache_unavailable", "reason": f"{type(error).__name__}: {error}"},
            )

    def get(self, key: Any, default: Any) -> Any:
        try:
            return super().get(key, default)
        except RedisError as error:
            self._failed("get", error)
            return default

    def get_many(self, keys: Iterable[Any]) -> dict[Any, Any]:
        try:
            return super().get_many(keys)
        except RedisError as error:
            self._failed("get_many", error)
            return {}

    def has_key(self, key: Any) -> bool:
        try:
            return super().has_key(key)
        except RedisError as error:
            self._failed("has_key", error)
            return False

    def set(self, key: Any, value: Any, timeout: Any) -> None:
        try:
            super().set(key, value, timeout)
        except RedisError as error:
            self._failed("set", error)

    def set_many(self, data: Mapping[Any, Any], timeout: Any) -> None:
        try:
            super().set_many(data, timeout)
        except RedisError as error:
            self._failed("set_many", error)

    def add(self, key: Any, value: Any, timeout: Any) -> bool:
        try:
            return super().add(key, value, timeout)
        except RedisError as error:
            self._failed("add", error)
            return False

    def touch(self, key: Any, timeout: Any) -> bool:
        try:
            return super().touch(key, timeout)
        except RedisError as error:
            self._failed("touch", error)
            return False

    def delete(self, key: Any) -> bool:
        try:
            return super().delete(key)
        except RedisError as error:
            self._failed("delete", error)
            return False

    def delete_many(self, keys: Iterable[Any]) -> None:
        try:
            super().delete_many(keys)
        except RedisError as error:
            self._failed("delete_many", error)


class FailOpenRedisCache(RedisCache):
    """``django.core.cache.backends.redis.RedisCache`` whose reads miss and writes are skipped
    while Redis is unreachable, instead of raising into the request."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = FailOpenRedisCacheClient
