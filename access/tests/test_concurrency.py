"""``last_used_at`` under concurrency: of many simultaneous requests, one writes."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from access.models import ApiKey
from access.roles import Role
from access.services import api_key_record_use

from .helpers import make_key, make_team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)
THREADS = 8


def test_concurrent_uses_of_a_key_write_last_used_at_once() -> None:
    key = make_key(make_team("A"), Role.INTEGRATION).api_key
    barrier = threading.Barrier(THREADS)

    def use(index: int) -> bool:
        try:
            barrier.wait(timeout=30)
            return api_key_record_use(api_key_id=key.pk, moment=NOON + dt.timedelta(milliseconds=index))
        finally:
            connection.close()  # each thread's own connection

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        wrote = list(pool.map(use, range(THREADS)))

    assert wrote.count(True) == 1
    stored = ApiKey.objects.get(pk=key.pk).last_used_at
    assert stored is not None
    assert NOON <= stored < NOON + dt.timedelta(milliseconds=THREADS)
