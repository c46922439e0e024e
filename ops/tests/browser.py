"""Debian's Chromium for the browser tests (Playwright drives it; no browser downloads) and
where their screenshots go (``artifacts/screenshots/``, git-ignored; CI keeps them)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

USERNAME, PASSWORD = "ops", "a-long-test-password"


def log_in(page: Page, url: str, username: str = USERNAME, password: str = PASSWORD) -> None:
    """Open ``url`` (the login form, or a page that leads to it) and log in there."""
    page.goto(url)
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
