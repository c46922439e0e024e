"""The first hour of a new user: `make run` in a fresh clone, nothing in the environment.

Acceptance: a fresh copy of the repository (the files a clone holds: tracked and not
ignored; no database, no .run/) runs `make run` with a clean environment (no DATABASE_URL,
no broker: SQLite and the embedded broker), reusing this virtualenv (VENV=...) instead of
installing again. Headless Chromium then logs in with the credentials `make run` printed,
checks that the pages are styled (computed styles, not only a 200 on the CSS), that the API
docs render, records a manual spend that crosses a cap through the campaign autocomplete,
and sees the campaign stopped. Screenshots go to ``artifacts/screenshots/first-hour-*``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from core.tests.servers import MakeRun, free_port
from ops.tests.browser import CHROMIUM_ARGS, SCREENSHOTS, log_in

pytestmark = pytest.mark.slow

START_DEADLINE_SECONDS = 300  # install check, migrate, demo data, three processes


def fresh_clone(source: Path, target: Path) -> None:
    """What `git clone` of the working tree would hold: the tracked and the not-ignored files,
    as they are now (so uncommitted work is tested too); no database, no .run/."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=source,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in filter(None, listed):
        name = raw.decode()
        origin = source / name
        if origin.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target / name)


def test_make_run_from_a_fresh_clone_gives_a_working_styled_console(tmp_path: Path, chromium: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    clone = tmp_path / "clone"
    fresh_clone(Path(settings.BASE_DIR), clone)
    assert not (clone / "db.sqlite3").exists()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    clean = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(tmp_path)), "LANG": "C.UTF-8"}
    with MakeRun(clone, [f"PORT={port}", f"VENV={sys.prefix}"], clean) as run:
        # given: the server is up and says how to log in, last
        login = run.wait_for(r"^devstack\| log in as (\S+) with password (\S+)$", START_DEADLINE_SECONDS)
        username, password = login.groups()
        lines = run.lines
        ready = next(i for i, line in enumerate(lines) if line.startswith("devstack| ready:"))
        assert lines[ready + 1].startswith(f"devstack| ops dashboard {base}/")
        assert lines[ready + 2] == login.group(0)
        assert any(line.startswith("devstack| broker: embedded filesystem broker") for line in lines)
        assert (clone / "db.sqlite3").exists()  # SQLite, in the clone

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(20_000)

            # "/" leads to the dashboard, through the login
            log_in(page, f"{base}/", username, password)
            expect(page.locator("#ops-closest")).to_be_visible()
            assert page.url == f"{base}/admin/dashboard/"

            # styled: the admin's stylesheet applies (custom properties, the header's layout)
            style = page.evaluate(
                "() => { const h = getComputedStyle(document.querySelector('#header'));"
                " return {bg: h.backgroundColor, display: h.display,"
                " variable: getComputedStyle(document.documentElement).getPropertyValue('--header-bg')}; }"
            )
            assert style["variable"].strip(), style
            assert style["bg"] not in ("", "rgba(0, 0, 0, 0)", "transparent"), style
            assert style["display"] == "flex", style
            expect(page.locator("#ops-closest .ops-bar--red").first).to_be_visible()
            page.screenshot(path=str(SCREENSHOTS / "first-hour-1-dashboard.png"), full_page=True)

            # the API docs render (their scripts are served by the site itself)
            page.goto(f"{base}/api/docs/")
            expect(page.locator(".swagger-ui .info .title")).to_contain_text("Budget System API")
            page.screenshot(path=str(SCREENSHOTS / "first-hour-2-api-docs.png"))

            # a campaign of the demo data that serves, and its daily cap
            page.goto(f"{base}/admin/campaigns/campaign/?q=acme+black")
            row = page.locator("#result_list tbody tr", has_text="Black Friday")
            expect(row.locator("td.field-serving img")).to_have_attribute("alt", "True")
            figures = re.search(
                r"([\d,]+\.\d\d) / ([\d,]+\.\d\d) USD", row.locator("td.field-today").inner_text()
            )
            assert figures, row.inner_text()
            spent, cap = (Decimal(figures.group(n).replace(",", "")) for n in (1, 2))
            crossing = cap - spent + Decimal("1.00")

            # a manual spend through the autocomplete: search by brand and campaign name
            page.goto(f"{base}/admin/spending/spend/add/")
            page.click(".field-campaign .select2-selection")
            page.fill(".select2-search__field", "acme black")
            option = page.locator(".select2-results__option", has_text="Acme / Black Friday")
            expect(option).to_have_count(1)
            page.screenshot(path=str(SCREENSHOTS / "first-hour-3-autocomplete.png"))
            option.click()
            expect(page.locator(".field-campaign .select2-selection__rendered")).to_have_text(
                re.compile("Acme / Black Friday")
            )
            page.fill("#id_amount", f"{crossing}")
            page.click("input[name=_save]")
            expect(page.locator("ul.messagelist")).to_contain_text(
                "Campaign Acme / Black Friday is not serving: Campaign daily budget exhausted."
            )
            page.screenshot(path=str(SCREENSHOTS / "first-hour-4-spend-recorded.png"), full_page=True)

            # then: the campaign is stopped
            page.goto(f"{base}/admin/campaigns/campaign/?q=acme+black")
            row = page.locator("#result_list tbody tr", has_text="Black Friday")
            expect(row.locator("td.field-serving img")).to_have_attribute("alt", "False")
            expect(row.locator("td.field-pause_reason_words")).to_have_text("Campaign daily budget exhausted")
            expect(row.locator(".ops-bar--red")).to_be_visible()
            page.screenshot(path=str(SCREENSHOTS / "first-hour-5-campaign-stopped.png"), full_page=True)
            browser.close()

        # Ctrl-C stops everything
        run.stop()
        assert "devstack| stopped" in run.lines
