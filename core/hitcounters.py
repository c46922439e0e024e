"""Atomic fixed-window counters shared by every process of the site (API throttling).

Two stores, chosen by the configuration:

* **Redis**, when the default cache is Redis (production: ``CACHE_URL``/``REDIS_URL``):
  ``INCR`` and ``EXPIRE`` in one pipeline on the cache's server. ``INCR`` is atomic, so
  any number of gunicorn workers and hosts count together and none can overwrite another's
  count (Django's cache API is read-modify-write: concurrent requests lose increments).
* **A SQLite file** otherwise (``make run``, a single machine with no Redis):
  ``COUNTER_FILE`` (default ``.run/counters.sqlite3``), one
  ``INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`` per hit.
  SQLite runs each statement under its write lock, so the processes and threads of one
  machine (runserver's threads, gunicorn's workers) share one exact count. It is a file of
  its own, not the application's database: counting never waits on the application's
  transactions (``make run``'s SQLite is written by the worker and Beat too).

Both fail open, like the cache: if the store cannot be reached a hit counts 0 (logged at
most every 30 s), so a lost counter never refuses a request or loses a spend.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger("budget.counters")
WARN_EVERY_SECONDS = 30.0
_last_warning = 0.0


def _failed(store: str, error: Exception) -> int:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= WARN_EVERY_SECONDS:
        _last_warning = now
        logger.warning(
            "%s counters unavailable, not counting: %s",
            store,
            error,
            extra={"event": "counters_unavailable", "reason": f"{type(error).__name__}: {error}"},
        )
    return 0


class Counters(Protocol):
    def hit(self, key: str, ttl: int) -> int:
        """Add one to ``key`` (which expires ``ttl`` seconds after its first hit at the
        latest) and return its new value; 0 when the store is unreachable."""
        ...


class RedisCounters:
    def __init__(self, cache: RedisCache) -> None:
        self.cache = cache

    def hit(self, key: str, ttl: int) -> int:
        name = self.cache.make_and_validate_key(f"counter:{key}")
        try:
            client = self.cache._cache.get_client(name, write=True)
            pipeline = client.pipeline(transaction=True)
            pipeline.incr(name)
            pipeline.expire(name, ttl)
            count, _ = pipeline.execute()
        except RedisError as error:
            return _failed("redis", error)
        return int(count)


class FileCounters:
    """Counters in a SQLite file (WAL, no fsync: counters may be lost, never a request)."""

    PURGE_EVERY_SECONDS = 60.0
    #: SQLite answers "database is locked" without waiting in a few cases the busy timeout
    #: does not cover (another connection switching the file to WAL or recovering it, as
    #: when many threads or processes open it at once); such a hit is tried again.
    ATTEMPTS = 5

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._opening = threading.Lock()
        self._purged = 0.0

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or getattr(self._local, "pid", None) != os.getpid():
            with self._opening:  # one thread of this process sets the file up at a time
                connection = self._open()
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute(
            "CREATE TABLE IF NOT EXISTS counter "
            "(key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires REAL NOT NULL)"
        )
        return connection

    def hit(self, key: str, ttl: int) -> int:
        for attempt in range(1, self.ATTEMPTS + 1):
            try:
                return self._hit(key, ttl)
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == self.ATTEMPTS:
                    return _failed("file", error)
                time.sleep(0.01 * attempt)
            except sqlite3.Error as error:
                return _failed("file", error)
        raise AssertionError("unreachable")

    def _hit(self, key: str, ttl: int) -> int:
        now = time.time()
        connection = self._connection()
        if now - self._purged >= self.PURGE_EVERY_SECONDS:
            self._purged = now
            connection.execute("DELETE FROM counter WHERE expires < ?", (now,))
        row = connection.execute(
            "INSERT INTO counter (key, count, expires) VALUES (?, 1, ?) "
            "ON CONFLICT (key) DO UPDATE SET count = count + 1 RETURNING count",
            (key, now + ttl),
        ).fetchone()
        return int(row[0])


@lru_cache(maxsize=8)
def _file_counters(path: str) -> FileCounters:
    return FileCounters(Path(path))


def counters() -> Counters:
    """The store of this configuration (read at call time, so tests may change it)."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        return RedisCounters(cache)
    return _file_counters(str(settings.COUNTER_FILE))
