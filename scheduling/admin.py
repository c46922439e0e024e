"""Dayparting schedules in the ops console: windows with days as checkboxes, and saves
through the scheduling services (which re-evaluate the campaigns that use the schedule)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from campaigns.models import Campaign
from core.actors import Actor
from core.timeutils import now
from ops.admin_base import ServiceModelAdmin, live_forms
from ops.generics import ModelForm, TabularInline
from scheduling.models import DaypartingSchedule, ScheduleWindow
from scheduling.services import schedule_create, schedule_update
from scheduling.windows import DAY_NAMES, days_to_mask, is_within, mask_to_days


class DaysOfWeekField(forms.TypedMultipleChoiceField):
    """Weekdays as checkboxes (Mon..Sun), cleaned to the ``days_mask`` bitmask."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("max_value", None)
        kwargs.pop("min_value", None)
        kwargs.pop("step_size", None)
        super().__init__(
            choices=[(str(day), name) for day, name in enumerate(DAY_NAMES)],
            coerce=int,
            error_messages={"required": "Choose at least one day of the week."},
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int):
            return [str(day) for day in mask_to_days(value)]
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        return super().has_changed(self.prepare_value(initial), data)

    def clean(self, value: Any) -> int:
        days: list[int] = super().clean(value)
        return days_to_mask(days)


class WindowForm(ModelForm[ScheduleWindow]):
    days_mask = DaysOfWeekField(label="Days")

    class Meta:
        model = ScheduleWindow
        fields = ("days_mask", "start_time", "end_time")
        widgets = {
            "start_time": forms.TimeInput(format="%H:%M", attrs={"placeholder": "HH:MM", "size": 6}),
            "end_time": forms.TimeInput(format="%H:%M", attrs={"placeholder": "HH:MM", "size": 6}),
        }
        help_texts = {
            "end_time": "00:00 means until midnight; an end before the start runs overnight.",
        }


class WindowInline(TabularInline[ScheduleWindow, DaypartingSchedule]):
    model = ScheduleWindow
    form = WindowForm
    extra = 0
    min_num = 1
    validate_min = True


class ScheduleForm(ModelForm[DaypartingSchedule]):
    class Meta:
        model = DaypartingSchedule
        fields = ("name", "timezone", "is_active")
        help_texts = {
            "timezone": "IANA name such as Europe/Paris; empty: each campaign's brand time zone.",
            "is_active": "An inactive schedule restricts nothing.",
        }


@admin.register(DaypartingSchedule)
class ScheduleAdmin(ServiceModelAdmin[DaypartingSchedule]):
    form = ScheduleForm
    inlines = (WindowInline,)
    list_display = ("name", "timezone_display", "is_active", "days", "windows_display", "active_now", "users")
    list_filter = ("is_active",)
    search_fields = ("name",)
    list_per_page = 50
    readonly_fields = ("days", "active_now", "users")

    def get_fields(self, request: HttpRequest, obj: DaypartingSchedule | None = None) -> Any:
        fields = ("name", "timezone", "is_active")
        return fields if obj is None else (*fields, *self.readonly_fields)

    def get_queryset(self, request: HttpRequest) -> QuerySet[DaypartingSchedule]:
        return (
            super()
            .get_queryset(request)
            .prefetch_related("windows")
            .annotate(campaign_count=Count("campaigns", distinct=True))
        )

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> Any:
        return ScheduleChangeList

    # --- Columns -------------------------------------------------------------------------

    @admin.display(description="Time zone", ordering="timezone")
    def timezone_display(self, obj: DaypartingSchedule) -> str:
        return obj.timezone or "each brand's"

    @admin.display(description="Days")
    def days(self, obj: DaypartingSchedule) -> str:
        return obj.days_display

    @admin.display(description="Windows")
    def windows_display(self, obj: DaypartingSchedule) -> str:
        return "; ".join(str(window) for window in obj.windows.all())

    @admin.display(description="Active now")
    def active_now(self, obj: DaypartingSchedule) -> str:
        timezones = getattr(obj, "user_timezones", None)
        if timezones is None:
            timezones = sorted(
                set(
                    Campaign.objects.filter(dayparting_schedule_id=obj.pk).values_list(
                        "brand__timezone", flat=True
                    )
                )
            )
        return active_now_text(obj, timezones)

    @admin.display(description="Campaigns using it")
    def users(self, obj: DaypartingSchedule) -> SafeString:
        count = getattr(obj, "campaign_count", None)
        if count is None:
            count = Campaign.objects.filter(dayparting_schedule_id=obj.pk).count()
        return format_html(
            '<a href="{}?dayparting_schedule__id__exact={}">{} campaign(s)</a>',
            reverse("admin:campaigns_campaign_changelist"),
            obj.pk,
            count,
        )

    # --- Writes: through the services ------------------------------------------------------

    def service_save(
        self, request: HttpRequest, form: Any, formsets: list[Any], change: bool
    ) -> DaypartingSchedule:
        data = form.cleaned_data
        windows = [
            {
                "days_of_week": mask_to_days(window.cleaned_data["days_mask"]),
                "start_time": window.cleaned_data["start_time"],
                "end_time": window.cleaned_data["end_time"],
            }
            for window in live_forms(formsets)
        ]
        if not change:
            return schedule_create(
                name=data["name"],
                timezone=data["timezone"],
                is_active=data["is_active"],
                windows=windows,
                actor=Actor.for_user(request.user),
            )
        return schedule_update(
            schedule_id=form.instance.pk,
            actor=Actor.for_user(request.user),
            name=data["name"],
            timezone=data["timezone"],
            is_active=data["is_active"],
            windows=windows,
        )


def active_now_text(schedule: DaypartingSchedule, user_timezones: list[str]) -> str:
    """Whether the schedule lets campaigns serve now, in the time zone(s) it is read in."""
    if not schedule.is_active:
        return "Yes (inactive: restricts nothing)"
    windows = [window.as_window() for window in schedule.windows.all()]
    moment = now()
    zones = [schedule.timezone] if schedule.timezone else (user_timezones or ["UTC"])
    answers = {zone: is_within(windows, zone, moment) for zone in zones}
    if len(set(answers.values())) == 1:
        answer = "Yes" if next(iter(answers.values())) else "No"
        return answer if schedule.timezone or user_timezones else f"{answer} (in UTC; no campaign uses it)"
    inside = [zone for zone, yes in answers.items() if yes]
    outside = [zone for zone, yes in answers.items() if not yes]
    return f"Yes in {', '.join(inside)}; no in {', '.join(outside)}"


class ScheduleChangeList(ChangeList):
    """Loads the time zones of each listed schedule's campaigns in one query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        schedules = list(self.result_list)
        zones: dict[int, set[str]] = defaultdict(set)
        rows = (
            Campaign.objects.filter(dayparting_schedule_id__in=[s.pk for s in schedules])
            .order_by()
            .values_list("dayparting_schedule_id", "brand__timezone")
            .distinct()
        )
        for schedule_id, zone in rows:
            if schedule_id is not None:
                zones[schedule_id].add(zone)
        for schedule in schedules:
            schedule.user_timezones = sorted(zones[schedule.pk])
        self.result_list = schedules
