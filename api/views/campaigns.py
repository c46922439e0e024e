"""Campaigns: CRUD through the campaign services, activate, pause, and the audit trail.

Only the campaigns of the caller's brands are listed and found (``scope_field``). Creating,
changing, activating, pausing or deleting one needs a role that changes campaigns on its
brand; a brand the caller may not see is refused as one that does not exist, and so is a
schedule (which must be shared or one of a team holding the brand)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access.roles import Action
from access.selectors import brands_in_scope, check_schedule_for_campaign
from api import examples
from api.base import ManagedViewSet, no_body, parse, request_actor
from api.filters import CampaignFilter
from api.serializers import (
    CampaignCreateSerializer,
    CampaignEventSerializer,
    CampaignSerializer,
    CampaignUpdateSerializer,
)
from api.states import campaign_statuses
from campaigns.models import Campaign
from campaigns.selectors import campaigns_for_evaluation
from campaigns.services import (
    campaign_activate,
    campaign_create,
    campaign_delete,
    campaign_pause,
    campaign_update,
)
from events.selectors import campaign_events
from events.services import events_position


@extend_schema_view(
    list=extend_schema(
        summary="List campaigns",
        description=(
            "Filters: `brand`, `status`, `is_active`, `pause_reason`, `search` (name), and by "
            "pacing (the campaign's own caps): `pacing` (statuses), `used_at_least` (percent of a "
            "cap), `projected_to_exhaust`."
        ),
    ),
    retrieve=extend_schema(summary="Read a campaign with its serving state and budget status"),
    create=extend_schema(
        summary="Create a campaign",
        description="A new campaign is `draft` unless `status` says otherwise; it is evaluated at once.",
        request=CampaignCreateSerializer,
        examples=[examples.CAMPAIGN_REQUEST, examples.CAMPAIGN_RESPONSE],
    ),
    update=extend_schema(
        summary="Replace a campaign",
        description="`is_active` and `pause_reason` are read-only; the campaign is re-evaluated at once.",
        request=CampaignUpdateSerializer,
        examples=[examples.CAMPAIGN_REQUEST, examples.CAMPAIGN_RESPONSE],
    ),
    partial_update=extend_schema(
        summary="Change some fields of a campaign",
        description="Raising a budget resumes what it had stopped; lowering it pauses.",
        request=CampaignUpdateSerializer,
        examples=[examples.CAMPAIGN_PATCH, examples.CAMPAIGN_RESPONSE],
    ),
    destroy=extend_schema(
        summary="Delete a campaign without spend",
        description="Refused with 409 while the campaign has recorded spend: archive it instead.",
    ),
)
class CampaignViewSet(ManagedViewSet):
    queryset = campaigns_for_evaluation(Campaign.objects.all())
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    conflict_actions = ("destroy",)
    scope_field = "brand"
    action_permissions = {
        "activate": ["campaigns.change_campaign"],
        "pause": ["campaigns.change_campaign"],
        "events": ["campaigns.view_campaign", "events.view_event"],
    }

    def page_context(self, rows: Sequence[Any]) -> dict[str, Any]:
        return {"campaign_statuses": campaign_statuses(rows, self.moment)}

    def check_schedule(self, schedule_id: int | None, brand_id: int) -> None:
        if schedule_id is not None:
            check_schedule_for_campaign(self.principal, schedule_id=schedule_id, brand_id=brand_id)

    def create_and_render(self, request: Request) -> Response:
        fields = parse(CampaignCreateSerializer, request)
        brand_id = fields.pop("brand")
        if not brands_in_scope(self.principal).filter(pk=brand_id).exists():
            raise ValidationError({"brand": [f"Brand {brand_id} does not exist."]})
        self.require(Action.CHANGE, brand_id=brand_id)
        schedule_id = fields.pop("dayparting_schedule")
        self.check_schedule(schedule_id, brand_id)
        campaign = campaign_create(
            brand_id=brand_id,
            dayparting_schedule_id=schedule_id,
            actor=request_actor(request),
            **fields,
        )
        return self.render(campaign, status.HTTP_201_CREATED)

    def update_and_render(self, request: Request, instance: Any, *, partial: bool) -> Response:
        campaign: Campaign = instance
        self.require(Action.CHANGE, brand_id=campaign.brand_id)
        fields = parse(CampaignUpdateSerializer, request, instance=campaign, partial=partial)
        fields.pop("brand", None)
        if "dayparting_schedule" in fields:
            fields["dayparting_schedule_id"] = fields.pop("dayparting_schedule")
            if fields["dayparting_schedule_id"] != campaign.dayparting_schedule_id:
                self.check_schedule(fields["dayparting_schedule_id"], campaign.brand_id)
        updated = campaign_update(campaign_id=campaign.pk, actor=request_actor(request), **fields)
        return self.render(updated)

    def delete_instance(self, instance: Campaign) -> None:
        self.require(Action.CHANGE, brand_id=instance.brand_id)
        campaign_delete(campaign_id=instance.pk)

    @extend_schema(
        summary="Activate a campaign",
        description=(
            "Sets status `active` (a person's intent) and evaluates at once: `is_active` tells "
            "whether it now serves, `blocking_reasons` why not."
        ),
        request=None,
        responses={200: CampaignSerializer},
        examples=[examples.CAMPAIGN_RESPONSE],
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def activate(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()
        self.require(Action.CHANGE, brand_id=campaign.brand_id)
        no_body(request)
        return self.render(campaign_activate(campaign_id=campaign.pk, actor=request_actor(request)))

    @extend_schema(
        summary="Pause a campaign (a person's pause)",
        description="Sets status `paused`; no automatic job ever resumes it.",
        request=None,
        responses={200: CampaignSerializer},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def pause(self, request: Request, pk: str | None = None) -> Response:
        campaign = self.get_object()
        self.require(Action.CHANGE, brand_id=campaign.brand_id)
        no_body(request)
        return self.render(campaign_pause(campaign_id=campaign.pk, actor=request_actor(request)))

    @extend_schema(
        summary="The campaign's audit trail, newest first",
        description=(
            "The campaign's events in the event log (the same events as `GET events/?campaign=`), "
            "newest first, paginated; each also carries the older audit fields (`kind`, "
            "`from_value`, `to_value`, `reason`, `created_at`)."
        ),
        responses={200: CampaignEventSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], serializer_class=CampaignEventSerializer, filterset_class=None)
    def events(self, request: Request, pk: str | None = None) -> Response:
        campaign: Campaign = self.get_object()
        events_position()  # the events committed by now get their ids before the read
        queryset = campaign_events(campaign_id=campaign.pk)
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        return self.get_paginated_response([CampaignEventSerializer(row).data for row in rows])
