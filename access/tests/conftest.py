"""A world of two teams shared by the tests of a module (``world.py``).

Building the world (two teams, five callers of team A, their keys, endpoints, spend and
events) takes a few hundred milliseconds, and the matrices run it for each of their ~300
cases. ``module_world`` builds it once per test module (and xdist worker), inside a
transaction that is rolled back after the module; each test runs in a savepoint of that
transaction (pytest-django's ``db``), so whatever a test changes in the database is undone
before the next one, as with a world of its own. ``shared_world`` hands a test the world with
its rows read again and the keys' use recorded before the test's first snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from .world import World, build_world, ready_for_a_test, reloaded


@pytest.fixture(scope="module")
def module_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    counters = tmp_path_factory.mktemp("module-counters") / "counters.sqlite3"
    with django_db_blocker.unblock(), override_settings(COUNTER_FILE=counters), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def shared_world(module_world: World, db: None) -> World:
    return ready_for_a_test(reloaded(module_world))
