"""Exports of the admin lists (exactly the filtered rows, in the console's number format) and
the totals of a filtered spend list."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from campaigns.rules import Status
from core.tests.factories import make_brand, make_campaign
from ops.tests.helpers import NOON, populate
from spending.services import SpendInput, spend_record_many

pytestmark = pytest.mark.django_db
CSV_FORMAT, XLSX_FORMAT = "0", "1"


def export(client: Client, model: str, query: str = "", file_format: str = CSV_FORMAT) -> bytes:
    """What the list's Export button gives for the list filtered by ``query``."""
    url = reverse(f"admin:{model}_export")
    page = client.get(f"{url}?{query}")
    assert page.status_code == 200
    response = client.post(f"{url}?{query}", {"format": file_format, "resource": "0"})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Disposition"].startswith("attachment;")
    return bytes(response.content)


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def ledger() -> Iterator[dict[str, int]]:
    with time_machine.travel(NOON, tick=False):
        yield _ledger()


def _ledger() -> dict[str, int]:
    acme = make_brand(name="Acme", daily_budget=Decimal("5000.00"), monthly_budget=Decimal("90000.00"))
    globex = make_brand(name="Globex", currency="EUR", timezone="Europe/Berlin")
    black_friday = make_campaign(
        brand=acme, name="Black Friday", daily_budget=Decimal("1500.00"), monthly_budget=Decimal("20000.00")
    )
    always_on = make_campaign(brand=acme, name="Always on")
    make_campaign(brand=acme, name="Draft idea", status=Status.DRAFT)
    elsewhere = make_campaign(brand=globex, name="Black Friday")
    spend_record_many(
        items=[
            SpendInput(black_friday.pk, "1026.82"),
            SpendInput(black_friday.pk, "2000.00", dt.date(2026, 11, 2)),
            SpendInput(always_on.pk, "10.00"),
            SpendInput(elsewhere.pk, "7.50"),
        ]
    )
    return {"acme": acme.pk, "globex": globex.pk, "black_friday": black_friday.pk}


@time_machine.travel(NOON, tick=False)
def test_the_csv_of_a_filtered_campaign_list_holds_exactly_its_rows(
    admin_client: Client, ledger: dict[str, int]
) -> None:
    """Acceptance: the CSV of a filtered campaign list holds exactly the filtered rows, with the
    brand, the caps, today's and the month's spend."""
    query = f"brand__id__exact={ledger['acme']}&status__exact=active"

    listed = {
        c.pk
        for c in admin_client.get(f"{reverse('admin:campaigns_campaign_changelist')}?{query}")
        .context["cl"]
        .result_list
    }
    exported = rows(export(admin_client, "campaigns_campaign", query))

    assert len(exported) == len(listed) == 2
    by_name = {row["Campaign"]: row for row in exported}
    assert set(by_name) == {"Black Friday", "Always on"}
    assert by_name["Black Friday"] == {
        "Brand": "Acme",
        "Campaign": "Black Friday",
        "Status": "active",
        "Serving": "yes",
        "Pause reason": "",
        "Currency": "USD",
        "Daily budget": "1,500.00",
        "Today's spend": "1,026.82",
        "Monthly budget": "20,000.00",
        "Month's spend": "3,026.82",
        # 17.5 of November's 30 days gone: 11,666.67 expected; a campaign created today runs
        # at today's spend: 3,026.82 + 12 x 1,026.82
        "Pacing": "under_pace",
        "Month pace": "25%",
        "Largest share of a cap used": "68%",  # today: 1,026.82 of 1,500.00
        "Projected month-end spend": "15,348.66",
        "Projected exhaustion": "",
        "Dayparting schedule": "",
    }
    assert by_name["Always on"]["Daily budget"] == ""  # no cap
    assert by_name["Always on"]["Today's spend"] == "10.00"


@time_machine.travel(NOON, tick=False)
def test_brand_and_spend_exports_follow_the_filters_too(admin_client: Client, ledger: dict[str, int]) -> None:
    brands = rows(export(admin_client, "brands_brand", "q=acme"))
    assert [row["Brand"] for row in brands] == ["Acme"]
    assert brands[0]["Today's spend"] == "1,036.82"
    assert brands[0]["Daily remaining"] == "3,963.18"
    assert brands[0]["Serving campaigns"] == "2"

    spends = rows(
        export(admin_client, "spending_spend", f"brand__id__exact={ledger['acme']}&date=2026-11-18")
    )
    assert sorted((row["Campaign"], row["Amount"], row["Currency"]) for row in spends) == [
        ("Always on", "10.00", "USD"),
        ("Black Friday", "1,026.82", "USD"),
    ]
    everything = rows(export(admin_client, "spending_spend"))
    assert len(everything) == 4


@time_machine.travel(NOON, tick=False)
def test_the_xlsx_export_keeps_numbers_as_numbers(admin_client: Client, ledger: dict[str, int]) -> None:
    content = export(admin_client, "campaigns_campaign", f"brand__id__exact={ledger['acme']}", XLSX_FORMAT)

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    values = list(sheet.iter_rows(values_only=True))
    header, body = values[0], values[1:]
    assert len(body) == 3
    black_friday = dict(zip(header, next(row for row in body if row[1] == "Black Friday"), strict=True))
    assert Decimal(str(black_friday["Today's spend"])) == Decimal("1026.82")


def test_nothing_can_be_imported(admin_client: Client) -> None:
    html = admin_client.get(reverse("admin:spending_spend_changelist")).content.decode()
    assert reverse("admin:spending_spend_export") in html
    assert "import" not in html.lower().replace("import_export", "")


@pytest.mark.parametrize("count", [3, 60])
@time_machine.travel(NOON, tick=False)
def test_an_export_is_a_fixed_number_of_queries(
    admin_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries, count: int
) -> None:
    populate(count)
    url = reverse("admin:campaigns_campaign_export")
    with django_assert_max_num_queries(7):  # the rows' pacing: one query
        response = admin_client.post(url, {"format": CSV_FORMAT, "resource": "0"})
    assert len(rows(response.content)) == count


@time_machine.travel(NOON, tick=False)
def test_the_spend_list_shows_the_totals_of_the_filtered_rows(
    admin_client: Client, ledger: dict[str, int]
) -> None:
    url = reverse("admin:spending_spend_changelist")

    everything = admin_client.get(url).content.decode()
    black_friday = admin_client.get(f"{url}?q=black").content.decode()
    acme_today = admin_client.get(f"{url}?brand__id__exact={ledger['acme']}&date=2026-11-18").content.decode()

    assert "3,036.82 USD</strong> (3 spends)" in everything
    assert "7.50 EUR</strong> (1 spend)" in everything
    assert "3,026.82 USD</strong> (2 spends)" in black_friday
    assert "7.50 EUR</strong> (1 spend)" in black_friday
    assert "1,036.82 USD</strong> (2 spends)" in acme_today
    assert "EUR" not in acme_today.split('id="ops-spend-totals"')[1].split("</p>")[0]
