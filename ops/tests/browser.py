"""Debian's Chromium for the browser tests (Playwright drives it; no browser downloads) and
where their screenshots go (``artifacts/screenshots/``, git-ignored; CI keeps them)."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings

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
