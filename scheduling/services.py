"""Schedule changes; each appends its event (``schedule.created``/``schedule.updated`` with
``changes: {field: [from, to]}``, the windows as text) and re-evaluates the campaigns that
use the schedule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from campaigns.engine import reevaluate
from campaigns.models import Campaign
from campaigns.rules import Status
from core.actors import Actor
from core.exceptions import ConflictError, NestedValidationError
from core.sentinels import UNSET
from core.timeutils import parse_hhmm
from events.services import event_append
from events.types import EventType, field_changes
from scheduling.models import DaypartingSchedule, ScheduleWindow
from scheduling.windows import days_to_mask

MAX_WINDOWS = 50


def _parse_time(value: Any, field: str, errors: dict[str, list[str]]) -> dt.time | None:
    """``core.timeutils.parse_hhmm``: exactly ``HH:MM``, as every entry point accepts it."""
    try:
        return parse_hhmm(value)
    except ValueError as error:
        errors.setdefault(field, []).append(str(error))
        return None


def _build_windows(windows: Sequence[Mapping[str, Any]]) -> list[ScheduleWindow]:
    """Validate window specs (``days_of_week``, ``start_time``, ``end_time``) into rows."""
    if not windows:
        raise ValidationError({"windows": ["A schedule needs at least one window."]})
    if len(windows) > MAX_WINDOWS:
        raise ValidationError({"windows": [f"A schedule has at most {MAX_WINDOWS} windows."]})
    built: list[ScheduleWindow] = []
    all_errors: list[dict[str, list[str]]] = []
    for spec in windows:
        errors: dict[str, list[str]] = {}
        days = spec.get("days_of_week")
        mask = 0
        if (
            not isinstance(days, list | tuple)
            or not days
            or not all(isinstance(d, int) and not isinstance(d, bool) for d in days)
        ):
            errors["days_of_week"] = ["Give a non-empty list of weekdays, 0=Monday .. 6=Sunday."]
        else:
            try:
                mask = days_to_mask(days)
            except ValueError:
                errors["days_of_week"] = ["Each weekday must be 0 (Monday) .. 6 (Sunday)."]
        start = _parse_time(spec.get("start_time"), "start_time", errors)
        end = _parse_time(spec.get("end_time"), "end_time", errors)
        if start is not None and end is not None and start == end:
            errors.setdefault("end_time", []).append(
                "The end time must differ from the start time (use 00:00 for midnight)."
            )
        all_errors.append(errors)
        if not errors and start is not None and end is not None:
            built.append(ScheduleWindow(days_mask=mask, start_time=start, end_time=end))
    if any(all_errors):
        raise NestedValidationError("windows", all_errors)
    return built


def windows_text(windows: Sequence[ScheduleWindow]) -> str:
    """The windows as one line, as events carry them: ``"Mon-Fri 09:00-17:00; Fri 22:00-02:00"``."""
    return "; ".join(str(window) for window in windows)


def _audited(schedule: DaypartingSchedule, windows: Sequence[ScheduleWindow]) -> dict[str, Any]:
    return {
        "name": schedule.name,
        "timezone": schedule.timezone or None,
        "is_active": schedule.is_active,
        "windows": windows_text(windows),
    }


def _reevaluate_users(schedule_id: int, actor: Actor | None, moment: dt.datetime | None) -> None:
    reevaluate(
        Campaign.objects.filter(dayparting_schedule_id=schedule_id, status=Status.ACTIVE),
        actor=actor,
        moment=moment,
    )


def schedule_create(
    *,
    name: str,
    windows: Sequence[Mapping[str, Any]],
    timezone: str = "",
    is_active: bool = True,
    actor: Actor | None = None,
) -> DaypartingSchedule:
    rows = _build_windows(windows)
    with transaction.atomic():
        schedule = DaypartingSchedule(name=name, timezone=timezone or "", is_active=is_active)
        schedule.full_clean()
        schedule.save()
        for row in rows:
            row.schedule = schedule
        ScheduleWindow.objects.bulk_create(rows)
        event_append(
            type=EventType.SCHEDULE_CREATED,
            actor=actor,
            data={"schedule": schedule.pk, "changes": field_changes({}, _audited(schedule, rows))},
        )
    return schedule


def schedule_update(
    *,
    schedule_id: int,
    actor: Actor | None = None,
    moment: dt.datetime | None = None,
    name: str = UNSET,
    timezone: str | None = UNSET,
    is_active: bool = UNSET,
    windows: Sequence[Mapping[str, Any]] = UNSET,
) -> DaypartingSchedule:
    """Change a schedule (``windows`` replaces them all) and re-evaluate its campaigns."""
    rows = _build_windows(windows) if windows is not UNSET else None
    with transaction.atomic():
        schedule = DaypartingSchedule.objects.select_for_update().get(pk=schedule_id)
        current = list(schedule.windows.order_by("pk"))
        before = _audited(schedule, current)
        if name is not UNSET:
            schedule.name = name
        if timezone is not UNSET:
            schedule.timezone = timezone or ""
        if is_active is not UNSET:
            schedule.is_active = is_active
        schedule.full_clean()
        schedule.save()
        if rows is not None:
            schedule.windows.all().delete()
            for row in rows:
                row.schedule = schedule
            ScheduleWindow.objects.bulk_create(rows)
        changes = field_changes(before, _audited(schedule, current if rows is None else rows))
        if changes:
            event_append(
                type=EventType.SCHEDULE_UPDATED,
                actor=actor,
                data={"schedule": schedule.pk, "changes": changes},
            )
        _reevaluate_users(schedule.pk, actor, moment)
    return schedule


def schedule_delete(*, schedule_id: int) -> None:
    with transaction.atomic():
        schedule = DaypartingSchedule.objects.select_for_update().get(pk=schedule_id)
        if Campaign.objects.filter(dayparting_schedule_id=schedule_id).exists():
            raise ConflictError(
                "Campaigns use this schedule; detach them first or deactivate the schedule.",
                code="in_use",
            )
        schedule.delete()
