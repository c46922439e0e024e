"""Test-wide rules: in CI every test that needs PostgreSQL runs against it, never skips."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def uses_postgres() -> bool:
    return bool(settings.DATABASES["default"]["ENGINE"].endswith("postgresql"))


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not uses_postgres():
        raise pytest.UsageError(
            "CI=true but DATABASE_URL does not point at PostgreSQL: the suite must run against it."
        )
    # Passwords hashed in this process: the production algorithm with few rounds
    # (core.tests.hashers); Django's default hashers stay after it, so hashes made elsewhere
    # still verify.
    settings.PASSWORD_HASHERS = [
        "core.tests.hashers.FewRoundsPBKDF2PasswordHasher",
        *(name for name in settings.PASSWORD_HASHERS if not name.endswith("FewRoundsPBKDF2PasswordHasher")),
    ]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if uses_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _private_counters(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Every test counts its throttles in a file of its own (``core.hitcounters``), and starts
    with no address blocked for failed authentication."""
    from api.throttling import auth_failures

    settings.COUNTER_FILE = tmp_path / "counters.sqlite3"
    auth_failures.reset()
    yield
    auth_failures.reset()


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Debian's Chromium (never a downloaded browser); screenshots' folder made."""
    from ops.tests.browser import CHROMIUM, SCREENSHOTS

    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("/usr/bin/chromium is missing: .ci/prepare installs Debian's chromium package")
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    # Playwright's sync API runs an event loop in this thread; the tests touch the database
    # only outside the browser session.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return CHROMIUM
