"""Dayparting schedules with their nested windows."""

from __future__ import annotations

from rest_framework import serializers

from api.fields import BooleanField, MinuteTimeField, TextField, TimezoneField, WeekdayField
from scheduling.models import DaypartingSchedule
from scheduling.services import MAX_WINDOWS

from .common import InputSerializer, RecordsSerializer, context_moment


class WindowSerializer(InputSerializer):
    days_of_week = serializers.ListField(
        child=WeekdayField(),
        min_length=1,
        max_length=7,
        help_text="0=Monday .. 6=Sunday.",
    )
    start_time = MinuteTimeField()
    end_time = MinuteTimeField(
        help_text="00:00 means until midnight; before `start_time` means overnight; never equal."
    )


class ScheduleSerializer(serializers.ModelSerializer[DaypartingSchedule]):
    timezone = serializers.SerializerMethodField()
    windows = WindowSerializer(many=True, read_only=True)
    days_display = serializers.CharField(read_only=True)
    is_currently_active = serializers.SerializerMethodField()

    class Meta:
        model = DaypartingSchedule
        fields = [
            "id",
            "name",
            "timezone",
            "is_active",
            "windows",
            "days_display",
            "is_currently_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_timezone(self, schedule: DaypartingSchedule) -> str | None:
        """The schedule's IANA time zone; ``null``: each campaign's brand time zone."""
        return schedule.timezone or None

    def get_is_currently_active(self, schedule: DaypartingSchedule) -> bool:
        """Whether now is inside a window (read in UTC when the schedule has no time zone);
        an inactive schedule restricts nothing, so it is always true."""
        return schedule.is_currently_active(context_moment(self.context))


class ScheduleWriteSerializer(InputSerializer):
    name = TextField(max_length=200)
    timezone = TimezoneField(
        allow_blank=True,
        allow_null=True,
        default=None,
        help_text="IANA time zone; `null` or empty: read in each campaign's brand time zone.",
    )
    is_active = BooleanField(default=True, help_text="An inactive schedule restricts nothing.")
    windows = RecordsSerializer(
        child=WindowSerializer(),
        min_length=1,
        max_length=MAX_WINDOWS,
        help_text=f"1 to {MAX_WINDOWS} windows; on PUT or PATCH they replace every window.",
    )
