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
    _list_static_files_once()


def _list_static_files_once() -> None:
    """WhiteNoise lists and stats every static file (the admin's, the API docs') each time Django
    builds its middleware, which the test client does once per ``Client``: ~40 ms, thousands of
    times a run. The files do not change during a run, so each configuration's listing is made
    once and the middleware of every later client gets the same entries (the same URL to
    ``StaticFile`` map a fresh listing would build)."""
    from whitenoise.middleware import WhiteNoiseMiddleware  # type: ignore[import-untyped]

    listed: dict[tuple[Any, ...], dict[str, Any]] = {}
    list_from_finders = WhiteNoiseMiddleware.add_files_from_finders

    def add_files_from_finders(self: WhiteNoiseMiddleware) -> None:
        key = (
            self.static_prefix,
            self.max_age,
            self.allow_all_origins,
            self.charset,
            self.add_headers_function,
            self.index_file,
            tuple(settings.INSTALLED_APPS),
            tuple(map(str, settings.STATICFILES_DIRS)),
            tuple(settings.STATICFILES_FINDERS),
            repr(getattr(settings, "WHITENOISE_MIMETYPES", None)),
            repr(getattr(settings, "WHITENOISE_IMMUTABLE_FILE_TEST", None)),
        )
        if key not in listed:
            before = dict(self.files)
            list_from_finders(self)
            listed[key] = {url: entry for url, entry in self.files.items() if before.get(url) is not entry}
        else:
            self.files.update(listed[key])

    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders


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
