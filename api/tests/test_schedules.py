"""Dayparting schedules with nested windows: CRUD and its 4xx rows."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from core.tests.factories import make_campaign, make_schedule
from scheduling.models import DaypartingSchedule

pytestmark = pytest.mark.django_db
FRIDAY_2330_UTC = dt.datetime(2026, 11, 20, 23, 30, tzinfo=dt.UTC)
WINDOWS = [
    {"days_of_week": [0, 1, 2, 3, 4], "start_time": "09:00", "end_time": "17:00"},
    {"days_of_week": [4], "start_time": "22:00", "end_time": "02:00"},
]


@time_machine.travel(FRIDAY_2330_UTC, tick=False)
def test_create_with_windows(ops: APIClient) -> None:
    body = {"name": "Business hours", "timezone": None, "windows": WINDOWS}

    response = ops.post("/api/v1/schedules/", body)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["windows"] == WINDOWS
    assert (body["timezone"], body["is_active"], body["days_display"]) == (None, True, "Mon-Fri")
    assert body["is_currently_active"] is True  # inside the overnight window
    assert DaypartingSchedule.objects.get(pk=body["id"]).windows.count() == 2


def test_list_and_filters(ops: APIClient) -> None:
    make_schedule(([0], "09:00", "10:00"), name="Mornings")
    make_schedule(([5, 6], "10:00", "00:00"), name="Weekends", is_active=False)

    everything = ops.get("/api/v1/schedules/").json()
    inactive = ops.get("/api/v1/schedules/", {"is_active": "false"}).json()

    assert [s["name"] for s in everything["results"]] == ["Mornings", "Weekends"]
    assert everything["results"][1]["windows"] == [
        {"days_of_week": [5, 6], "start_time": "10:00", "end_time": "00:00"}
    ]
    assert [s["name"] for s in inactive["results"]] == ["Weekends"]
    assert [s["name"] for s in ops.get("/api/v1/schedules/", {"search": "morn"}).json()["results"]] == [
        "Mornings"
    ]


def test_retrieve(ops: APIClient) -> None:
    schedule = make_schedule(([0, 2, 5, 6], "09:00", "10:00"), timezone="Europe/Paris")

    body = ops.get(f"/api/v1/schedules/{schedule.pk}/").json()

    assert (body["timezone"], body["days_display"]) == ("Europe/Paris", "Mon, Wed, Sat, Sun")


@time_machine.travel(FRIDAY_2330_UTC, tick=False)
def test_put_replaces_the_windows_and_re_evaluates_its_campaigns(ops: APIClient) -> None:
    schedule = make_schedule(([4], "22:00", "02:00"))
    campaign = make_campaign(dayparting_schedule=schedule)

    response = ops.put(
        f"/api/v1/schedules/{schedule.pk}/",
        {"name": "Mornings", "windows": [{"days_of_week": [0], "start_time": "06:00", "end_time": "09:00"}]},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["windows"] == [{"days_of_week": [0], "start_time": "06:00", "end_time": "09:00"}]
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason) == (False, "outside_schedule")


@time_machine.travel(FRIDAY_2330_UTC, tick=False)
def test_patch_deactivating_lifts_the_restriction(ops: APIClient) -> None:
    schedule = make_schedule(([0], "06:00", "09:00"))
    campaign = make_campaign(dayparting_schedule=schedule)
    ops.patch(f"/api/v1/schedules/{schedule.pk}/", {"name": "Mornings"})
    campaign.refresh_from_db()
    assert campaign.pause_reason == "outside_schedule"

    response = ops.patch(f"/api/v1/schedules/{schedule.pk}/", {"is_active": False})

    assert response.status_code == 200
    assert response.json()["is_currently_active"] is True
    assert response.json()["windows"] == [{"days_of_week": [0], "start_time": "06:00", "end_time": "09:00"}]
    campaign.refresh_from_db()
    assert (campaign.is_active, campaign.pause_reason) == (True, "")


def test_delete(ops: APIClient) -> None:
    unused = make_schedule(([0], "06:00", "09:00"))
    used = make_schedule(([0], "06:00", "09:00"))
    make_campaign(dayparting_schedule=used)

    assert ops.delete(f"/api/v1/schedules/{unused.pk}/").status_code == 204
    refused = ops.delete(f"/api/v1/schedules/{used.pk}/")

    assert refused.status_code == 409
    assert refused.json()["code"] == "in_use"
    assert list(DaypartingSchedule.objects.values_list("pk", flat=True)) == [used.pk]


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_unknown_schedule_is_404(ops: APIClient, method: str) -> None:
    response = getattr(ops, method)("/api/v1/schedules/424242/", {"name": "x", "windows": WINDOWS})

    assert response.status_code == 404
