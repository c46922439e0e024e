"""Dayparting schedules with their windows, written through the scheduling services."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api import examples
from api.base import ManagedViewSet, parse, request_actor
from api.filters import ScheduleFilter
from api.serializers import ScheduleSerializer, ScheduleWriteSerializer
from scheduling.models import DaypartingSchedule
from scheduling.services import schedule_create, schedule_delete, schedule_update


@extend_schema_view(
    list=extend_schema(summary="List dayparting schedules", description="Filters: `is_active`, `search`."),
    retrieve=extend_schema(summary="Read a dayparting schedule"),
    create=extend_schema(
        summary="Create a dayparting schedule",
        request=ScheduleWriteSerializer,
        examples=[examples.SCHEDULE_REQUEST, examples.SCHEDULE_RESPONSE],
    ),
    update=extend_schema(
        summary="Replace a dayparting schedule",
        description="`windows` replaces every window; campaigns using the schedule are re-evaluated.",
        request=ScheduleWriteSerializer,
        examples=[examples.SCHEDULE_REQUEST, examples.SCHEDULE_RESPONSE],
    ),
    partial_update=extend_schema(
        summary="Change some fields of a dayparting schedule",
        request=ScheduleWriteSerializer,
        examples=[examples.SCHEDULE_PATCH, examples.SCHEDULE_RESPONSE],
    ),
    destroy=extend_schema(
        summary="Delete an unused dayparting schedule",
        description="Refused with 409 while campaigns use it: detach them or deactivate it.",
    ),
)
class ScheduleViewSet(ManagedViewSet):
    queryset = DaypartingSchedule.objects.prefetch_related("windows")
    serializer_class = ScheduleSerializer
    filterset_class = ScheduleFilter
    conflict_actions = ("destroy",)

    def create_and_render(self, request: Request) -> Response:
        fields = parse(ScheduleWriteSerializer, request)
        schedule = schedule_create(
            name=fields["name"],
            timezone=fields["timezone"] or "",
            is_active=fields["is_active"],
            windows=fields["windows"],
            actor=request_actor(request),
        )
        return self.render(self.get_queryset().get(pk=schedule.pk), status.HTTP_201_CREATED)

    def update_and_render(self, request: Request, instance: Any, *, partial: bool) -> Response:
        schedule: DaypartingSchedule = instance
        fields = parse(ScheduleWriteSerializer, request, partial=partial)
        schedule_update(schedule_id=schedule.pk, actor=request_actor(request), **fields)
        return self.render(self.get_queryset().get(pk=schedule.pk))

    def delete_instance(self, instance: DaypartingSchedule) -> None:
        schedule_delete(schedule_id=instance.pk)
