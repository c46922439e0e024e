"""Brands: CRUD through the brand services, and the budget of a brand with its campaigns.

Only the caller's brands are listed and found (``scope_field``); changing or deleting one
needs a role that changes brands on it. A new brand joins a team the caller manages
(``team``, optional when there is only one; ops staff may leave it in no team)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access.roles import Action
from access.selectors import team_for_new_object
from access.services import brand_create_in_team
from api import examples
from api.base import ManagedViewSet, parse, request_actor
from api.filters import BrandFilter
from api.serializers import (
    BrandBudgetSerializer,
    BrandCreateSerializer,
    BrandSerializer,
    BrandWriteSerializer,
)
from api.states import brand_statuses, campaign_statuses, page_pacing
from brands.models import Brand
from brands.services import brand_delete, brand_update
from campaigns.models import Campaign
from campaigns.selectors import campaigns_for_evaluation


@extend_schema_view(
    list=extend_schema(
        summary="List brands",
        description=(
            "Filters: `is_active`, `search` (name), and by pacing: `pacing` (statuses), "
            "`used_at_least` (percent of a cap), `projected_to_exhaust`."
        ),
    ),
    retrieve=extend_schema(summary="Read a brand with its budget status"),
    create=extend_schema(
        summary="Create a brand",
        description=(
            "The brand joins `team`, a team you manage (optional when you manage one team). "
            "A team you do not manage answers as one that does not exist."
        ),
        request=BrandCreateSerializer,
        examples=[examples.BRAND_REQUEST, examples.BRAND_RESPONSE],
    ),
    update=extend_schema(
        summary="Replace a brand",
        description="Re-evaluates the brand's campaigns before answering (a new cap pauses or resumes them).",
        request=BrandWriteSerializer,
        examples=[examples.BRAND_REQUEST, examples.BRAND_RESPONSE],
    ),
    partial_update=extend_schema(
        summary="Change some fields of a brand",
        description="Re-evaluates the brand's campaigns before answering.",
        request=BrandWriteSerializer,
        examples=[examples.BRAND_PATCH, examples.BRAND_RESPONSE],
    ),
    destroy=extend_schema(
        summary="Delete a brand without spend",
        description="Refused with 409 while the brand has recorded spend: deactivate it instead.",
    ),
)
class BrandViewSet(ManagedViewSet):
    queryset = Brand.objects.all()
    serializer_class = BrandSerializer
    filterset_class = BrandFilter
    conflict_actions = ("destroy",)
    scope_field = "pk"

    def page_context(self, rows: Sequence[Any]) -> dict[str, Any]:
        return {"brand_statuses": brand_statuses(rows, self.moment)}

    def create_and_render(self, request: Request) -> Response:
        fields = parse(BrandCreateSerializer, request)
        team = team_for_new_object(
            self.principal, fields.pop("team", None), what="brands", subset_keys_refused=True
        )
        brand = brand_create_in_team(
            team_id=team.pk if team else None, actor=request_actor(request), **fields
        )
        return self.render(brand, status.HTTP_201_CREATED)

    def update_and_render(self, request: Request, instance: Any, *, partial: bool) -> Response:
        brand: Brand = instance
        self.require(Action.CHANGE, brand_id=brand.pk)
        fields = parse(BrandWriteSerializer, request, partial=partial)
        updated = brand_update(brand_id=brand.pk, actor=request_actor(request), **fields)
        return self.render(updated)

    def delete_instance(self, instance: Brand) -> None:
        self.require(Action.CHANGE, brand_id=instance.pk)
        brand_delete(brand_id=instance.pk)

    @extend_schema(
        summary="Budget status of a brand and of each of its campaigns",
        responses={200: BrandBudgetSerializer},
        examples=[examples.BRAND_BUDGET_RESPONSE],
    )
    @action(detail=True, methods=["get"], serializer_class=BrandBudgetSerializer, filterset_class=None)
    def budget(self, request: Request, pk: str | None = None) -> Response:
        brand = self.get_object()
        campaigns = list(
            campaigns_for_evaluation(Campaign.objects.filter(brand_id=brand.pk)).order_by("name", "pk")
        )
        context = self.get_serializer_context()
        brand_pacing, campaign_pacing = page_pacing(brands=[brand], campaigns=campaigns, moment=self.moment)
        context["brand_statuses"] = brand_statuses([brand], self.moment, brand_pacing)
        context["campaign_statuses"] = campaign_statuses(campaigns, self.moment, campaign_pacing)
        data = BrandBudgetSerializer({"brand": brand, "campaigns": campaigns}, context=context).data
        return Response(data)
