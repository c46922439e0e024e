"""Fixtures of the ops tests: Debian's Chromium for the browser tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ops.tests.browser import CHROMIUM, IN_CI, SCREENSHOTS


@pytest.fixture
def chromium(monkeypatch: pytest.MonkeyPatch) -> Path:
    """Debian's Chromium (never a downloaded browser); screenshots' folder made."""
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("/usr/bin/chromium is missing: .ci/prepare installs Debian's chromium package")
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    # Playwright's sync API runs an event loop in this thread; the tests touch the database
    # only outside the browser session.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return CHROMIUM
