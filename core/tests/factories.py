"""factory_boy factories for the core models (rows only; rules go through services)."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import factory

from brands.models import Brand
from campaigns.models import Campaign
from campaigns.rules import Status
from scheduling.models import DaypartingSchedule, ScheduleWindow


class BrandFactory(factory.django.DjangoModelFactory):  # type: ignore[misc]
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    timezone = "UTC"
    currency = "USD"
    daily_budget = None
    monthly_budget = None
    is_active = True


class CampaignFactory(factory.django.DjangoModelFactory):  # type: ignore[misc]
    """A campaign row. With status active it is written serving; call a service to evaluate."""

    class Meta:
        model = Campaign

    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    status = Status.ACTIVE
    is_active = factory.LazyAttribute(lambda o: o.status == Status.ACTIVE)
    daily_budget = None
    monthly_budget = None
    dayparting_schedule = None


class ScheduleFactory(factory.django.DjangoModelFactory):  # type: ignore[misc]
    class Meta:
        model = DaypartingSchedule

    name = factory.Sequence(lambda n: f"Schedule {n}")
    timezone = ""
    is_active = True


def add_window(
    schedule: DaypartingSchedule, days: list[int], start: str, end: str, **kwargs: Any
) -> ScheduleWindow:
    window = ScheduleWindow(
        schedule=schedule, start_time=dt.time.fromisoformat(start), end_time=dt.time.fromisoformat(end)
    )
    window.days_of_week = days
    window.save()
    return window


# Typed entry points: factory_boy's classes are untyped, so tests call these.


def make_brand(**kwargs: Any) -> Brand:
    return cast(Brand, BrandFactory(**kwargs))


def make_campaign(**kwargs: Any) -> Campaign:
    return cast(Campaign, CampaignFactory(**kwargs))


def make_schedule(*windows: tuple[list[int], str, str], **kwargs: Any) -> DaypartingSchedule:
    schedule = cast(DaypartingSchedule, ScheduleFactory(**kwargs))
    for days, start, end in windows:
        add_window(schedule, days, start, end)
    return schedule
