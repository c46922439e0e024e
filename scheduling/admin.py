"""Dayparting schedules in the ops console: windows with days as checkboxes, and saves
through the scheduling services (which re-evaluate the campaigns that use the schedule).

Scoped by team (``access.selectors.schedules_in_scope``): staff who are not ops see the shared
schedules and their teams' own, change their teams' own as their role allows (shared ones:
ops only), add one to a team they manage, and see only their teams' campaigns among a
schedule's users (count, time zones)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from access.roles import Action
from access.selectors import brand_ids_in_scope, schedules_in_scope
from access.services import schedule_create_in_team
from campaigns.models import Campaign
from core.actors import Actor
from core.timeutils import now
from ops.admin_base import ServiceModelAdmin, live_forms
from ops.generics import ModelForm, TabularInline
from ops.scope import TEAM_PLACEHOLDER, JoinsTeamOnAdd, ScopedAdmin
from scheduling.models import DaypartingSchedule, ScheduleWindow
from scheduling.services import schedule_update
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


class ScheduleAddForm(ScheduleForm):
    team = TEAM_PLACEHOLDER  # the user's own choices: ops.scope.team_field


def campaigns_in_scope(request: HttpRequest) -> Q:
    """The campaigns of a schedule the user may see (a shared schedule serves every team)."""
    brands = brand_ids_in_scope(request.user)
    return Q() if brands is None else Q(campaigns__brand_id__in=brands)


@admin.register(DaypartingSchedule)
class ScheduleAdmin(JoinsTeamOnAdd, ScopedAdmin, ServiceModelAdmin[DaypartingSchedule]):
    form = ScheduleForm
    add_form = ScheduleAddForm
    new_what = "schedule"
    inlines = (WindowInline,)
    list_display = (
        "name",
        "team",
        "timezone_display",
        "is_active",
        "days",
        "windows_display",
        "active_now",
        "users",
    )
    list_filter = ("is_active",)
    list_select_related = ("team",)
    search_fields = ("name",)
    list_per_page = 50
    readonly_fields = ("team", "days", "active_now", "users")

    def limit_to_scope(self, request: HttpRequest, queryset: QuerySet[Any], action: Action) -> QuerySet[Any]:
        return schedules_in_scope(queryset, request.user, action)

    def get_fields(self, request: HttpRequest, obj: DaypartingSchedule | None = None) -> Any:
        fields = ("name", "timezone", "is_active")
        return ("name", "team", "timezone", "is_active") if obj is None else (*fields, *self.readonly_fields)

    def get_readonly_fields(self, request: HttpRequest, obj: DaypartingSchedule | None = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[DaypartingSchedule]:
        schedules: QuerySet[DaypartingSchedule] = super().get_queryset(request)
        users = Count("campaigns", filter=campaigns_in_scope(request), distinct=True)
        return schedules.prefetch_related("windows").annotate(campaign_count=users)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        schedule = super().get_object(request, object_id, from_field)
        if schedule is not None:
            schedule.user_timezones = user_timezones(request, [schedule.pk])[schedule.pk]
        return schedule

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> Any:
        return ScheduleChangeList

    @admin.display(description="Team", ordering="team__name")
    def team(self, obj: DaypartingSchedule) -> str:
        return obj.team.name if obj.team else "shared"

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
        # The time zones of the campaigns the user may see (ScheduleChangeList, get_object).
        return active_now_text(obj, getattr(obj, "user_timezones", []))

    @admin.display(description="Campaigns using it")
    def users(self, obj: DaypartingSchedule) -> SafeString:
        count = getattr(obj, "campaign_count", 0)  # of the user's brands (get_queryset)
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
            return schedule_create_in_team(
                team_id=self.new_team_id(request, data),
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


def user_timezones(request: HttpRequest, schedule_ids: list[int]) -> dict[int, list[str]]:
    """The time zones of the campaigns using each schedule, of the brands the user may see
    (one query)."""
    zones: dict[int, set[str]] = defaultdict(set)
    campaigns = Campaign.objects.filter(dayparting_schedule_id__in=schedule_ids)
    brands = brand_ids_in_scope(request.user)
    if brands is not None:
        campaigns = campaigns.filter(brand_id__in=brands)
    rows = campaigns.order_by().values_list("dayparting_schedule_id", "brand__timezone").distinct()
    for schedule_id, zone in rows:
        if schedule_id is not None:
            zones[schedule_id].add(zone)
    return {pk: sorted(zones[pk]) for pk in schedule_ids}


class ScheduleChangeList(ChangeList):
    """Loads the time zones of each listed schedule's campaigns in one query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        schedules = list(self.result_list)
        zones = user_timezones(request, [s.pk for s in schedules])
        for schedule in schedules:
            schedule.user_timezones = zones[schedule.pk]
        self.result_list = schedules
