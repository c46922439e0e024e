from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from campaigns.rules import PauseReason
from core.tests.factories import make_brand, make_campaign, make_schedule
from events.selectors import event_log
from ops.tests.helpers import (
    NOON,
    assert_list_in_fixed_queries,
    assert_serving_changes_audited,
    last_event_id,
    populate,
    serving_state,
)
from scheduling.models import DaypartingSchedule, ScheduleWindow

pytestmark = [pytest.mark.django_db]
LIST = reverse("admin:scheduling_daypartingschedule_changelist")
ADD = reverse("admin:scheduling_daypartingschedule_add")
LIST_QUERIES = 7


def _form(
    name: str, windows: list[dict[str, Any]], *, timezone: str = "", initial: int = 0
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": name,
        "timezone": timezone,
        "is_active": "on",
        "windows-TOTAL_FORMS": str(len(windows)),
        "windows-INITIAL_FORMS": str(initial),
        "windows-MIN_NUM_FORMS": "1",
        "windows-MAX_NUM_FORMS": "1000",
    }
    for index, window in enumerate(windows):
        for key, value in window.items():
            data[f"windows-{index}-{key}"] = value
    return data


@time_machine.travel(NOON, tick=False)  # a Wednesday, 12:00 UTC
def test_list_shows_days_windows_active_now_and_users(admin_client: Client) -> None:
    office = make_schedule(([0, 1, 2, 3, 4], "09:00", "17:00"), name="Office", timezone="UTC")
    make_schedule(([5, 6], "10:00", "12:00"), name="Weekend", timezone="UTC")
    per_brand = make_schedule(([0, 1, 2, 3, 4, 5, 6], "09:00", "17:00"), name="Per brand")
    make_campaign(dayparting_schedule=office)
    make_campaign(dayparting_schedule=per_brand, brand=make_brand(timezone="Asia/Tokyo"))
    make_campaign(dayparting_schedule=per_brand, brand=make_brand(timezone="Europe/Paris"))

    html = admin_client.get(LIST).content.decode()

    def row(name: str) -> str:
        return html.split(f">{name}</a>")[1].split("</tr>")[0]

    assert "Mon-Fri" in row("Office")
    assert "Mon-Fri 09:00-17:00" in row("Office")
    assert '<td class="field-active_now">Yes</td>' in row("Office")
    assert "1 campaign(s)" in row("Office")
    assert "Sat, Sun" in row("Weekend")
    assert '<td class="field-active_now">No</td>' in row("Weekend")
    assert "Yes in Europe/Paris; no in Asia/Tokyo" in row("Per brand")
    assert "each brand&#x27;s" in row("Per brand")


@pytest.mark.parametrize("rows", [5, 200])
@time_machine.travel(NOON, tick=False)
def test_list_queries_do_not_grow_with_rows(
    admin_client: Client, django_assert_max_num_queries: DjangoAssertNumQueries, rows: int
) -> None:
    populate(5)
    for index in range(rows - 1):
        make_schedule(([0, 2], "08:00", "10:00"), ([4], "22:00", "02:00"), name=f"S{index:03d}")
    assert_list_in_fixed_queries(
        admin_client, django_assert_max_num_queries, LIST, queries=LIST_QUERIES, rows=rows, per_page=50
    )


@time_machine.travel(NOON, tick=False)
def test_add_form_maps_day_checkboxes_to_the_mask(admin_client: Client) -> None:
    response = admin_client.post(
        ADD,
        _form(
            "Nights",
            [
                {"days_mask": ["4", "5"], "start_time": "22:00", "end_time": "02:00"},
                {"days_mask": ["0"], "start_time": "09:00", "end_time": "00:00"},
            ],
            timezone="Europe/Paris",
        ),
    )

    assert response.status_code == 302
    schedule = DaypartingSchedule.objects.get(name="Nights")
    assert schedule.timezone == "Europe/Paris"
    assert sorted(
        (w.days_of_week, f"{w.start_time:%H:%M}", f"{w.end_time:%H:%M}") for w in schedule.windows.all()
    ) == [
        ([0], "09:00", "00:00"),
        ([4, 5], "22:00", "02:00"),
    ]
    page = admin_client.get(reverse("admin:scheduling_daypartingschedule_change", args=[schedule.pk])).content
    assert b'value="4" checked' in page.replace(b'checked=""', b"checked") or b'value="4"' in page


@time_machine.travel(NOON, tick=False)
def test_validation_messages_are_in_words(admin_client: Client) -> None:
    response = admin_client.post(
        ADD,
        _form(
            "Broken",
            [
                {"days_mask": [], "start_time": "09:00", "end_time": "10:00"},
                {"days_mask": ["1"], "start_time": "09:00", "end_time": "09:00"},
                {"days_mask": ["2"], "start_time": "25:00", "end_time": "10:00"},
            ],
            timezone="Mars/Olympus",
        ),
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "Choose at least one day of the week." in text
    assert "The end time must differ from the start time (use 00:00 for midnight)." in text
    assert "Enter a valid time." in text
    assert "Mars/Olympus is not a known IANA time zone" in text
    assert not DaypartingSchedule.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_a_schedule_needs_a_window(admin_client: Client) -> None:
    response = admin_client.post(ADD, _form("Empty", []))
    assert response.status_code == 200
    assert "A schedule needs at least one window." in response.content.decode()
    assert not DaypartingSchedule.objects.exists()


@time_machine.travel(NOON, tick=False)
def test_saving_a_schedule_re_evaluates_its_campaigns_through_the_service(admin_client: Client) -> None:
    schedule = make_schedule(([0, 1, 2, 3, 4, 5, 6], "00:00", "23:00"), name="Day", timezone="UTC")
    campaign = make_campaign(dayparting_schedule=schedule)
    window = ScheduleWindow.objects.get(schedule=schedule)
    before, since = serving_state(), last_event_id()

    response = admin_client.post(
        reverse("admin:scheduling_daypartingschedule_change", args=[schedule.pk]),
        _form(
            "Day",
            [
                {
                    "id": str(window.pk),
                    "schedule": str(schedule.pk),
                    "days_mask": ["2"],
                    "start_time": "20:00",
                    "end_time": "22:00",
                }
            ],
            timezone="UTC",
            initial=1,
        ),
    )

    assert response.status_code == 302
    assert [(w.days_of_week, w.start_time) for w in schedule.windows.all()] == [([2], dt.time(20, 0))]
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason) == (False, PauseReason.OUTSIDE_SCHEDULE)
    assert assert_serving_changes_audited(before, since) == 1
    assert event_log(campaign_id=campaign.pk, types=["campaign.paused"]).get().actor_name == "admin"
