"""Dayparting schedules with their windows, written through the scheduling services.

Schedules have no brand, so they are scoped by team (``access.selectors.schedules_in_scope``):
shared schedules (no team) are read by everyone and changed by ops only; a team's schedule is
read and changed by that team as its roles allow. A new schedule belongs to a team the caller
manages (``team``; ops staff may leave it shared)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from access.roles import Action
from access.selectors import schedules_in_scope, team_for_new_object
from access.services import schedule_create_in_team
from api import examples
from api.base import ManagedViewSet, parse, request_actor
from api.filters import ScheduleFilter
from api.serializers import ScheduleCreateSerializer, ScheduleSerializer, ScheduleWriteSerializer
from scheduling.models import DaypartingSchedule
from scheduling.services import schedule_delete, schedule_update

SHARED_REFUSED = "Only ops change a shared schedule; your team's own schedules are yours to change."
TEAM_ROLE_REFUSED = "Your role in this schedule's team does not allow changing it."


@extend_schema_view(
    list=extend_schema(summary="List dayparting schedules", description="Filters: `is_active`, `search`."),
    retrieve=extend_schema(summary="Read a dayparting schedule"),
    create=extend_schema(
        summary="Create a dayparting schedule",
        description=(
            "It belongs to `team`, a team you manage (optional when you manage one team); ops "
            "staff may omit it to share the schedule with every team."
        ),
        request=ScheduleCreateSerializer,
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

    def limit_to_scope(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return schedules_in_scope(queryset, self.principal)

    def require_change(self, schedule: DaypartingSchedule) -> None:
        mine = DaypartingSchedule.objects.filter(pk=schedule.pk)
        if not schedules_in_scope(mine, self.principal, Action.CHANGE).exists():
            raise PermissionDenied(SHARED_REFUSED if schedule.team_id is None else TEAM_ROLE_REFUSED)

    def create_and_render(self, request: Request) -> Response:
        fields = parse(ScheduleCreateSerializer, request)
        team = team_for_new_object(self.principal, fields.get("team"), what="schedules")
        schedule = schedule_create_in_team(
            team_id=team.pk if team else None,
            name=fields["name"],
            timezone=fields["timezone"] or "",
            is_active=fields["is_active"],
            windows=fields["windows"],
            actor=request_actor(request),
        )
        return self.render(self.get_queryset().get(pk=schedule.pk), status.HTTP_201_CREATED)

    def update_and_render(self, request: Request, instance: Any, *, partial: bool) -> Response:
        schedule: DaypartingSchedule = instance
        self.require_change(schedule)
        fields = parse(ScheduleWriteSerializer, request, partial=partial)
        schedule_update(schedule_id=schedule.pk, actor=request_actor(request), **fields)
        return self.render(self.get_queryset().get(pk=schedule.pk))

    def delete_instance(self, instance: DaypartingSchedule) -> None:
        self.require_change(instance)
        schedule_delete(schedule_id=instance.pk)
