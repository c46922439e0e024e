"""The shared counters of ``core.hitcounters``: exact, per key, and failing open."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import override_settings

from core.hitcounters import FileCounters, RedisCounters, counters
from core.tests.servers import free_port


def test_file_counters_count_each_key_exactly_across_threads(tmp_path: Path) -> None:
    store = FileCounters(tmp_path / "counters.sqlite3")

    def hit() -> None:
        for _ in range(50):
            store.hit("a", 60)

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert store.hit("a", 60) == 8 * 50 + 1
    assert store.hit("b", 60) == 1


def test_file_counters_fail_open(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    store = FileCounters(tmp_path / "taken")  # a directory: SQLite cannot open it

    assert store.hit("a", 60) == 0


def _redis_cache(location: str) -> dict[str, object]:
    return {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": f"counters-test-{os.urandom(6).hex()}",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


def test_without_redis_the_store_is_the_counter_file() -> None:
    assert isinstance(counters(), FileCounters)


def test_redis_counters_fail_open_when_redis_is_down() -> None:
    with override_settings(CACHES=_redis_cache(f"redis://127.0.0.1:{free_port()}/0")):
        store = counters()
        assert isinstance(store, RedisCounters)
        assert store.hit("a", 60) == 0
    caches["default"].close()


def test_redis_counters_count_atomically() -> None:
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker.startswith("redis://"):
        pytest.skip("needs Redis (CELERY_BROKER_URL=redis://...)")
    with override_settings(CACHES=_redis_cache(broker)):
        store = counters()

        def hit() -> None:
            for _ in range(50):
                store.hit("a", 60)

        threads = [threading.Thread(target=hit) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert store.hit("a", 60) == 8 * 50 + 1
