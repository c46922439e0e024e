from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import models

from core.fields import MinuteTimeField
from core.models import TimeStampedModel
from core.validators import validate_single_line_text, validate_timezone
from scheduling.windows import (
    ALL_DAYS_MASK,
    Window,
    active_hours,
    days_display,
    days_to_mask,
    is_within,
    mask_to_days,
)

if TYPE_CHECKING:
    from django.db.models.fields.related_descriptors import RelatedManager


class DaypartingSchedule(TimeStampedModel):
    """A reusable set of windows in which campaigns may serve.

    An inactive schedule restricts nothing. ``timezone`` empty means: read the windows
    in the time zone of the brand of the campaign that uses the schedule.
    """

    name = models.CharField(max_length=200, validators=[validate_single_line_text])
    timezone = models.CharField(max_length=64, blank=True, default="", validators=[validate_timezone])
    is_active = models.BooleanField(default=True)

    if TYPE_CHECKING:
        windows: RelatedManager[ScheduleWindow]

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def window_specs(self) -> list[Window]:
        return [w.as_window() for w in self.windows.all()]

    def effective_timezone(self, brand_timezone: str = "UTC") -> str:
        return self.timezone or brand_timezone

    def is_currently_active(self, moment: dt.datetime | None = None, *, brand_timezone: str = "UTC") -> bool:
        """Whether ``moment`` (default: now) is inside one of the windows.

        An inactive schedule restricts nothing, so it is "active" at every moment.
        """
        from core.timeutils import now

        if not self.is_active:
            return True
        return is_within(self.window_specs(), self.effective_timezone(brand_timezone), moment or now())

    def get_active_hours(self, weekday: int | None = None) -> set[int]:
        return active_hours(self.window_specs(), weekday)

    def get_days_display(self) -> str:
        mask = 0
        for window in self.windows.all():
            mask |= window.days_mask
        return days_display(mask)

    @property
    def days_display(self) -> str:
        return self.get_days_display()


class ScheduleWindow(models.Model):
    """One window of a schedule, at minute resolution (see ``scheduling.windows``)."""

    schedule = models.ForeignKey(DaypartingSchedule, on_delete=models.CASCADE, related_name="windows")
    days_mask = models.PositiveSmallIntegerField(
        help_text="Bit d set means weekday d (0=Monday .. 6=Sunday)."
    )
    start_time = MinuteTimeField()
    end_time = MinuteTimeField(help_text="00:00 means until midnight; before start means overnight.")

    class Meta:
        ordering = ["schedule_id", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days_mask__gte=1, days_mask__lte=ALL_DAYS_MASK),
                name="window_days_mask_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(start_time=models.F("end_time")),
                name="window_start_differs_from_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{days_display(self.days_mask)} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    @property
    def days_of_week(self) -> list[int]:
        return mask_to_days(self.days_mask)

    @days_of_week.setter
    def days_of_week(self, days: list[int]) -> None:
        self.days_mask = days_to_mask(days)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for field in ("start_time", "end_time"):
            value = getattr(self, field)
            if value is not None and (value.second or value.microsecond):
                errors.setdefault(field, []).append("Use whole minutes (HH:MM).")
        if self.start_time is not None and self.start_time == self.end_time:
            errors.setdefault("end_time", []).append(
                "The end time must differ from the start time (use 00:00 for midnight)."
            )
        if not self.days_mask:
            errors.setdefault("days_mask", []).append("Choose at least one day of the week.")
        if errors:
            raise ValidationError(errors)

    def as_window(self) -> Window:
        return Window(
            self.days_mask,
            self.start_time.hour * 60 + self.start_time.minute,
            self.end_time.hour * 60 + self.end_time.minute,
        )
