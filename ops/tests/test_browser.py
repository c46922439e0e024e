"""The ops console in a real browser: headless Debian Chromium driven by Playwright.

Logs in, sees the red bar of an over-budget brand, pauses a campaign with the list
action, and opens the dashboard from the admin index to find the chart's SVG with one
bar per day. Screenshots go to ``artifacts/screenshots/`` (git-ignored; CI keeps them).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from pytest_django.live_server_helper import LiveServer

from campaigns.models import Campaign
from campaigns.rules import Status
from core.tests.factories import make_brand, make_campaign
from core.timeutils import local_date
from events.selectors import event_log
from ops.tests.browser import CHROMIUM_ARGS, PASSWORD, SCREENSHOTS, USERNAME, log_in
from spending.services import SpendInput, spend_record_many

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_ops_console_in_a_browser(live_server: LiveServer, chromium: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    # given
    get_user_model().objects.create_superuser(USERNAME, "ops@example.com", PASSWORD)
    over = make_brand(name="Overspent Brand", daily_budget=Decimal("100.00"), timezone="Europe/Paris")
    healthy = make_brand(name="Healthy Brand", daily_budget=Decimal("1000.00"))
    spender = make_campaign(brand=over, name="Big spender")
    target = make_campaign(brand=healthy, name="Pause me")
    make_campaign(brand=healthy, name="Keep serving", daily_budget=Decimal("40.00"))
    today = local_date(over.timezone)
    spend_record_many(
        items=[
            SpendInput(spender.pk, f"{40 + 7 * (n % 9)}.00", today - dt.timedelta(days=n))
            for n in range(1, 30)
        ]
        + [SpendInput(spender.pk, "150.00"), SpendInput(target.pk, "120.00")]
    )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 900})
        page.set_default_timeout(15_000)

        # log in
        log_in(page, f"{live_server.url}/admin/login/?next=/admin/")
        expect(page.locator("#ops-dashboard-link")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "01-index.png"), full_page=True)

        # the brand list: a red bar for the over-budget brand, green for the other
        page.goto(f"{live_server.url}/admin/brands/brand/")
        over_row = page.locator("#result_list tbody tr", has_text="Overspent Brand")
        expect(over_row.locator(".ops-bar--red").first).to_be_visible()
        expect(over_row).to_contain_text("150.00 / 100.00")
        expect(
            page.locator("#result_list tbody tr", has_text="Healthy Brand").locator(".ops-bar--green").first
        ).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "02-brand-list.png"), full_page=True)

        # pause a campaign with the list action
        page.goto(f"{live_server.url}/admin/campaigns/campaign/")
        row = page.locator("#result_list tbody tr", has_text="Pause me")
        expect(row.locator("td.field-status")).to_have_text("Active")
        row.locator("input.action-select").check()
        page.select_option("select[name=action]", "pause_campaigns")
        page.click("button[name=index]")
        expect(page.locator("ul.messagelist")).to_contain_text("Paused 1 campaign(s).")
        row = page.locator("#result_list tbody tr", has_text="Pause me")
        expect(row.locator("td.field-status")).to_have_text("Paused")
        expect(row.locator("td.field-pause_reason_words")).to_contain_text("set by a person")
        page.screenshot(path=str(SCREENSHOTS / "03-campaign-paused.png"), full_page=True)

        # the campaign's audit trail shows the pause
        row.locator("th a").click()
        expect(page.locator(".ops-audit")).to_contain_text("Status changed")
        page.screenshot(path=str(SCREENSHOTS / "04-campaign-audit.png"), full_page=True)

        # the dashboard, from the index, with the chart of the chosen brand
        page.goto(f"{live_server.url}/admin/")
        page.click("#ops-dashboard-link a")
        page.select_option("#ops-brand", label="Overspent Brand")
        page.click("#ops-chart input[type=submit]")
        expect(page.locator("#ops-chart h2")).to_contain_text("Overspent Brand")
        chart = page.locator("svg#spend-chart")
        expect(chart).to_be_visible()
        expect(chart.locator("rect.bar")).to_have_count(30)
        expect(chart.locator(f'rect.bar[data-date="{today.isoformat()}"]')).to_have_attribute(
            "fill", "#c62828"
        )
        page.screenshot(path=str(SCREENSHOTS / "05-dashboard.png"), full_page=True)

        # the forms that write through the services
        page.goto(f"{live_server.url}/admin/scheduling/daypartingschedule/add/")
        expect(page.locator("input[name=windows-0-days_mask]")).to_have_count(7)
        page.screenshot(path=str(SCREENSHOTS / "06-schedule-add.png"), full_page=True)
        page.goto(f"{live_server.url}/admin/spending/spend/add/")
        expect(page.locator("#id_amount")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "07-spend-add.png"), full_page=True)
        browser.close()

    # then: the pause went through the service
    paused = Campaign.objects.get(pk=target.pk)
    assert (paused.status, paused.is_active) == (Status.PAUSED, False)
    assert [
        event.data["changes"]["status"]
        for event in event_log(campaign_id=paused.pk, types=["campaign.updated"])
        if event.actor_name == "ops"
    ] == [["active", "paused"]]


# Each list's columns, as the admin heads them (every one must be on screen at 1440x900).
LIST_COLUMNS = {
    "brands/brand": [
        "Name",
        "Time zone, currency",
        "Today vs daily budget",
        "Month vs monthly budget",
        "Pacing (month)",
        "Remaining (day / month)",
        "Serving campaigns",
        "Is active",
    ],
    "campaigns/campaign": [
        "Name",
        "Brand",
        "Status",
        "Serving",
        "Pause reason",
        "Today vs daily cap",
        "Month vs monthly cap",
        "Pacing (month)",
        "Dayparting schedule",
    ],
}


def test_brand_and_campaign_lists_show_every_column_at_1440x900(
    live_server: LiveServer, chromium: Path
) -> None:
    """Acceptance: at 1440x900 the brand and campaign lists show every column, with the
    demo data's widest figures (lakhs of rupees, yen) in them."""
    from playwright.sync_api import sync_playwright

    get_user_model().objects.create_superuser(USERNAME, "ops@example.com", PASSWORD)
    call_command("seed_demo_data", stdout=StringIO(), stderr=StringIO())

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(15_000)
        log_in(page, f"{live_server.url}/admin/login/?next=/admin/")
        page.wait_for_url(f"{live_server.url}/admin/")

        for path, columns in LIST_COLUMNS.items():
            page.goto(f"{live_server.url}/admin/{path}/")
            headers = page.locator("#result_list thead th:not(.action-checkbox-column)")
            assert [text.strip().lower() for text in headers.all_inner_texts()] == [
                c.lower() for c in columns
            ]
            assert page.locator("#result_list tbody tr").count() >= 8
            for index in range(headers.count()):
                box = headers.nth(index).bounding_box()
                assert box is not None, columns[index]
                assert box["width"] > 0, columns[index]
                assert box["x"] >= 0, columns[index]
                assert box["x"] + box["width"] <= 1440, columns[index]
            widths = page.evaluate(
                "() => { const r = document.querySelector('#changelist .results');"
                " return [r.scrollWidth, r.clientWidth, document.documentElement.scrollWidth]; }"
            )
            assert widths[0] <= widths[1], f"{path}: the list scrolls sideways {widths}"
            assert widths[2] <= 1440, f"{path}: the page scrolls sideways {widths}"
            page.screenshot(path=str(SCREENSHOTS / f"1440-{path.replace('/', '-')}.png"))
        browser.close()


def test_pacing_column_and_at_risk_panel_with_the_demo_data(live_server: LiveServer, chromium: Path) -> None:
    """Acceptance: with the seeded demo data, the brand list shows the pacing column (each
    state in words) and the dashboard the "At risk" panel and the chart's expected pace."""
    from playwright.sync_api import expect, sync_playwright

    get_user_model().objects.create_superuser(USERNAME, "ops@example.com", PASSWORD)
    call_command("seed_demo_data", stdout=StringIO(), stderr=StringIO())

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(15_000)
        log_in(page, f"{live_server.url}/admin/login/?next=/admin/")
        page.wait_for_url(f"{live_server.url}/admin/")

        # the brand list: a pacing band in words in every row
        page.goto(f"{live_server.url}/admin/brands/brand/")
        bands = page.locator("#result_list td.field-pacing .ops-pace-band")
        expect(bands.first).to_be_visible()
        assert bands.count() == page.locator("#result_list tbody tr").count()
        words = set(bands.all_inner_texts())
        assert {"Under pace", "On pace", "Over pace", "Exhausted", "No budget"} <= words, words
        expect(
            page.locator("#result_list tbody tr", has_text="Initech").locator(".ops-pace--over_pace")
        ).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "08-brand-list-pacing.png"), full_page=True)

        # the filter "projected to exhaust this month"
        page.click("#changelist-filter a:has-text('Projected to exhaust this month')")
        expect(page.locator("#result_list tbody tr", has_text="Initech")).to_be_visible()

        # the dashboard's "At risk" panel and the chart's expected pace
        page.goto(f"{live_server.url}/admin/dashboard/")
        panel = page.locator("#ops-at-risk")
        expect(panel).to_be_visible()
        rows = panel.locator("tr.ops-at-risk-row")
        expect(rows.first).to_be_visible()
        dates = [rows.nth(n).locator("time").get_attribute("datetime") or "" for n in range(rows.count())]
        assert dates == sorted(dates)
        expect(panel).to_contain_text("Initech")
        panel.scroll_into_view_if_needed()
        panel.screenshot(path=str(SCREENSHOTS / "09-dashboard-at-risk.png"))
        page.select_option("#ops-brand", label="Acme")
        page.click("#ops-chart input[type=submit]")
        expect(page.locator("svg#spend-chart polyline.pace")).to_have_count(1)
        page.locator("#ops-chart").screenshot(path=str(SCREENSHOTS / "10-dashboard-pace-chart.png"))
        page.screenshot(path=str(SCREENSHOTS / "11-dashboard.png"), full_page=True)
        browser.close()
