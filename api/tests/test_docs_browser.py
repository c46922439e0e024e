"""Swagger UI and ReDoc render in a real browser with no network: every asset is served by
the site itself (drf-spectacular-sidecar), pinned, and nothing is fetched from elsewhere.

Headless Debian Chromium driven by Playwright, as ``ops/tests/test_browser.py`` does; every
request to a host other than the live server is aborted and recorded.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import pytest
from pytest_django.live_server_helper import LiveServer

from ops.tests.browser import CHROMIUM_ARGS, SCREENSHOTS

pytestmark = pytest.mark.slow
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_api_docs_render_offline(
    live_server: LiveServer,
    chromium: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from playwright.sync_api import Route, expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    local = urlparse(live_server.url).netloc
    outside: list[str] = []

    def only_local(route: Route) -> None:
        if urlparse(route.request.url).netloc == local:
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(20_000)
        expect.set_options(timeout=20_000)
        page.route("**/*", only_local)

        page.goto(f"{live_server.url}/api/docs/")
        expect(page.locator("#swagger-ui .opblock-summary-path").first).to_be_visible()
        expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/spends/bulk/")
        page.screenshot(path=str(SCREENSHOTS / "api-docs-swagger.png"))

        page.goto(f"{live_server.url}/api/redoc/")
        expect(page.locator("h1").first).to_contain_text("Budget System API")
        expect(page.locator("h2", has_text="Record a spend").first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "api-docs-redoc.png"))
        browser.close()

    # Only ReDoc's "powered by" logo is requested from elsewhere; the bundle hides it when it
    # does not load. No script, stylesheet, font or schema comes from outside.
    assert set(outside) <= {REDOC_LOGO}
