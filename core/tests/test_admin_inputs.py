"""The admin refuses what the API refuses: its money, time-zone, currency, text and time
fields come from the models (``core.fields``, ``core.validators``), and its spend form goes
through the spend validator. Each bad value is named on the form and nothing is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from brands.models import Brand
from core.tests.factories import make_brand, make_campaign
from scheduling.models import DaypartingSchedule
from spending.models import Spend

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


def form_errors(response: Any) -> dict[str, Any]:
    assert response.status_code == 200  # the form again, not a redirect
    form = response.context["adminform"].form
    errors: dict[str, Any] = dict(form.errors)
    for formset in response.context.get("inline_admin_formsets", []):
        for index, item in enumerate(formset.formset.errors):
            errors.update({f"{formset.formset.prefix}-{index}-{key}": value for key, value in item.items()})
    return errors


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("daily_budget", "1e3"),
        ("daily_budget", "\u0661\u0662"),
        ("monthly_budget", "1_000"),
        ("monthly_budget", "+5.00"),
        ("daily_budget", "5."),
        ("currency", "XYZ"),
        ("timezone", "localtime"),
        ("timezone", "Factory"),
        ("name", "Acme\u0007"),
    ],
)
def test_the_brand_form_refuses_what_the_api_refuses(admin_client: Client, field: str, value: str) -> None:
    brand = make_brand(name="Acme", daily_budget=Decimal("100.00"))
    data = {
        "name": brand.name,
        "timezone": brand.timezone,
        "currency": brand.currency,
        "daily_budget": "100.00",
        "monthly_budget": "",
        "is_active": "on",
        "campaigns-TOTAL_FORMS": "0",
        "campaigns-INITIAL_FORMS": "0",
        field: value,
    }

    response = admin_client.post(reverse("admin:brands_brand_change", args=[brand.pk]), data)

    assert field in form_errors(response)
    assert Brand.objects.values_list("name", "daily_budget").get() == ("Acme", Decimal("100.00"))


@pytest.mark.parametrize("time", ["9:00", "09:00:00", "24:00"])
def test_the_schedule_form_takes_only_hh_mm(admin_client: Client, time: str) -> None:
    data = {
        "name": "Office",
        "timezone": "",
        "is_active": "on",
        "windows-TOTAL_FORMS": "1",
        "windows-INITIAL_FORMS": "0",
        "windows-MIN_NUM_FORMS": "1",
        "windows-MAX_NUM_FORMS": "1000",
        "windows-0-days_mask": ["0"],
        "windows-0-start_time": time,
        "windows-0-end_time": "17:00",
    }

    response = admin_client.post(reverse("admin:scheduling_daypartingschedule_add"), data)

    assert "windows-0-start_time" in form_errors(response)
    assert not DaypartingSchedule.objects.exists()


@time_machine.travel(NOON, tick=False)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "1e3"),
        ("amount", "\uff11.00"),
        ("amount", ".5"),
        ("description", "a\u0000b"),
        ("source", "g\u001b"),
    ],
)
def test_the_spend_form_goes_through_the_spend_validator(
    admin_client: Client, field: str, value: str
) -> None:
    campaign = make_campaign()
    data = {"campaign": campaign.pk, "amount": "5.00", "source": "manual", "description": "", field: value}

    response = admin_client.post(reverse("admin:spending_spend_add"), data)

    assert field in form_errors(response)
    assert not Spend.objects.exists()
