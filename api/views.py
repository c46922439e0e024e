"""REST API v1 views: thin callers of the services and selectors.

Each write parses its input with a serializer, calls one service, and renders the result;
errors the services raise are mapped to HTTP by ``api.exceptions``. A list computes the
budget status of its whole page in one go (``api.states``), so its number of queries does
not grow with the number of rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from brands.models import Brand
from brands.services import brand_create, brand_delete, brand_update
from campaigns.models import Campaign
from campaigns.selectors import campaign_events, campaigns_for_evaluation
from campaigns.services import (
    campaign_activate,
    campaign_create,
    campaign_delete,
    campaign_pause,
    campaign_update,
)
from core.actors import Actor
from core.exceptions import NestedValidationError
from core.timeutils import now
from scheduling.models import DaypartingSchedule
from scheduling.services import schedule_create, schedule_delete, schedule_update
from spending.models import (
    DESCRIPTION_MAX_LENGTH,
    EXTERNAL_ID_MAX_LENGTH,
    MANUAL_SOURCE,
    SOURCE_MAX_LENGTH,
    Spend,
)
from spending.services import MAX_BULK_RECORDS, SpendInput, spend_record_many

from . import examples, health
from .fields import ID_MAX, MONEY_PATTERN
from .filters import BrandFilter, CampaignFilter, ScheduleFilter, SpendFilter
from .idempotency import idempotent
from .key_auth import api_key_actor
from .serializers import (
    BrandBudgetSerializer,
    BrandSerializer,
    BrandWriteSerializer,
    CampaignCreateSerializer,
    CampaignEventSerializer,
    CampaignSerializer,
    CampaignUpdateSerializer,
    HealthSerializer,
    PingSerializer,
    ScheduleSerializer,
    ScheduleWriteSerializer,
    SpendBulkCreateSerializer,
    SpendBulkResponseSerializer,
    SpendCreateSerializer,
    SpendOutcomeSerializer,
    SpendSerializer,
    outcome_payload,
)
from .states import brand_statuses, campaign_statuses


def request_actor(request: Request) -> Actor:
    """Who is calling: a user through a session, or through an API token, or an API key."""
    # --- teams (issue 16): a request made with an API key acts as the key (name and id).
    key_actor = api_key_actor(request)
    if key_actor is not None:
        return key_actor
    # --- end teams
    return Actor.for_user(request.user, via_token=isinstance(request.auth, Token))


def parse(
    serializer_class: type[serializers.Serializer[Any]], request: Request, **kwargs: Any
) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ApiViewSet(viewsets.GenericViewSet[Any]):
    """Shared behaviour: per-page statuses for lists, idempotent creates, request actor."""

    # Actions that accept ``Idempotency-Key`` and may answer 409 (see api.schema).
    idempotent_actions: Sequence[str] = ("create",)
    conflict_actions: Sequence[str] = ()
    action_permissions: dict[str, list[str]] = {}

    _moment: dt.datetime | None = None

    @property
    def moment(self) -> dt.datetime:
        """The one "now" of this request: every row of the response is read at it."""
        if self._moment is None:
            self._moment = now()
        return self._moment

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "moment": self.moment}

    def page_context(self, rows: Sequence[Any]) -> dict[str, Any]:
        """Context for serializing ``rows``: their budget status computed in bulk."""
        return {}

    def render_list(self, queryset: QuerySet[Any]) -> Response:
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        context = self.get_serializer_context()
        context.update(self.page_context(rows))
        data = self.get_serializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.render_list(self.filter_queryset(self.get_queryset()))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def render(self, instance: Any, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(instance).data, status=status_code)


class ManagedViewSet(ApiViewSet):
    """A resource a client creates, replaces, changes and deletes through the services."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return idempotent(request, lambda: self.create_and_render(request))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update_and_render(request, self.get_object(), partial=False)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update_and_render(request, self.get_object(), partial=True)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.delete_instance(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def create_and_render(self, request: Request) -> Response:
        raise NotImplementedError

    def update_and_render(self, request: Request, instance: Any, *, partial: bool) -> Response:
        raise NotImplementedError

    def delete_instance(self, instance: Any) -> None:
        raise NotImplementedError


# --- Brands -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List brands", description="Filters: `is_active`, `search` (name)."),
    retrieve=extend_schema(summary="Read a brand with its budget status"),
    create=extend_schema(
        summary="Create a brand",
        request=BrandWriteSerializer,
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

    def page_context(self, rows: Sequence[Any]) -> dict[str, Any]:
        return {"brand_statuses": brand_statuses(rows, self.moment)}

    def create_and_render(self, request: Request) -> Response:
        brand = brand_create(**parse(BrandWriteSerializer, request))
        return self.render(brand, status.HTTP_201_CREATED)

    def update_and_render(self, request: Request, instance: Any, *, partial: bool) -> Response:
        brand: Brand = instance
        fields = parse(BrandWriteSerializer, request, partial=partial)
        updated = brand_update(brand_id=brand.pk, actor=request_actor(request), **fields)
        return self.render(updated)

    def delete_instance(self, instance: Brand) -> None:
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
        context["brand_statuses"] = brand_statuses([brand], self.moment)
        context["campaign_statuses"] = campaign_statuses(campaigns, self.moment)
        data = BrandBudgetSerializer({"brand": brand, "campaigns": campaigns}, context=context).data
        return Response(data)


# --- Campaigns --------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List campaigns",
        description="Filters: `brand`, `status`, `is_active`, `pause_reason`, `search` (name).",
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
    action_permissions = {
        "activate": ["campaigns.change_campaign"],
        "pause": ["campaigns.change_campaign"],
        "events": ["campaigns.view_campaign", "campaigns.view_campaignevent"],
    }

    def page_context(self, rows: Sequence[Any]) -> dict[str, Any]:
        return {"campaign_statuses": campaign_statuses(rows, self.moment)}

    def create_and_render(self, request: Request) -> Response:
        fields = parse(CampaignCreateSerializer, request)
        campaign = campaign_create(
            brand_id=fields.pop("brand"),
            dayparting_schedule_id=fields.pop("dayparting_schedule"),
            actor=request_actor(request),
            **fields,
        )
        return self.render(campaign, status.HTTP_201_CREATED)

    def update_and_render(self, request: Request, instance: Any, *, partial: bool) -> Response:
        campaign: Campaign = instance
        fields = parse(CampaignUpdateSerializer, request, instance=campaign, partial=partial)
        fields.pop("brand", None)
        if "dayparting_schedule" in fields:
            fields["dayparting_schedule_id"] = fields.pop("dayparting_schedule")
        updated = campaign_update(campaign_id=campaign.pk, actor=request_actor(request), **fields)
        return self.render(updated)

    def delete_instance(self, instance: Campaign) -> None:
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
        return self.render(campaign_pause(campaign_id=campaign.pk, actor=request_actor(request)))

    @extend_schema(
        summary="The campaign's audit trail, newest first",
        responses={200: CampaignEventSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], serializer_class=CampaignEventSerializer, filterset_class=None)
    def events(self, request: Request, pk: str | None = None) -> Response:
        campaign: Campaign = self.get_object()
        queryset = campaign_events(campaign=campaign).order_by("-created_at", "-pk")
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        return self.get_paginated_response(CampaignEventSerializer(rows, many=True).data)


# --- Schedules --------------------------------------------------------------------------


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
        )
        return self.render(self.get_queryset().get(pk=schedule.pk), status.HTTP_201_CREATED)

    def update_and_render(self, request: Request, instance: Any, *, partial: bool) -> Response:
        schedule: DaypartingSchedule = instance
        fields = parse(ScheduleWriteSerializer, request, partial=partial)
        schedule_update(schedule_id=schedule.pk, actor=request_actor(request), **fields)
        return self.render(self.get_queryset().get(pk=schedule.pk))

    def delete_instance(self, instance: DaypartingSchedule) -> None:
        schedule_delete(schedule_id=instance.pk)


# --- Spend ------------------------------------------------------------------------------


_MONEY = re.compile(MONEY_PATTERN)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SPEND_KEYS = frozenset({"campaign", "amount", "date", "description", "source", "external_id"})


def _plain_spend(record: Any) -> SpendInput | None:
    """A record whose every field already has the type and form the serializer would
    accept, as the service's input; ``None`` for anything else.

    Bulk ingestion is the hot path of integrations, and DRF's per-field machinery costs
    more than the write there. Only well-formed records take this path; a body with any
    other record goes through ``SpendBulkCreateSerializer``, so every error message is
    the serializer's. What remains to check (the campaign exists, the amount is above
    zero, the date is not too far ahead) is the service's, on both paths.
    """
    if not isinstance(record, dict) or not record.keys() <= _SPEND_KEYS:
        return None
    campaign, amount = record.get("campaign"), record.get("amount")
    if type(campaign) is not int or not 1 <= campaign <= ID_MAX:
        return None
    if type(amount) is not str or not _MONEY.match(amount):
        return None
    day = record.get("date")
    if day is not None:
        if type(day) is not str or not _DATE.match(day):
            return None
        try:
            day = dt.date.fromisoformat(day)
        except ValueError:
            return None
    description = record.get("description", "")
    source = record.get("source", MANUAL_SOURCE)
    external_id = record.get("external_id")
    if type(description) is not str or len(description) > DESCRIPTION_MAX_LENGTH:
        return None
    if type(source) is not str or not source.strip() or len(source) > SOURCE_MAX_LENGTH:
        return None
    if external_id is not None and (
        type(external_id) is not str or not external_id.strip() or len(external_id) > EXTERNAL_ID_MAX_LENGTH
    ):
        return None
    return SpendInput(campaign, amount, day, description, source, external_id)


def _plain_spends(data: Any) -> list[SpendInput] | None:
    records = data.get("spends") if isinstance(data, dict) and data.keys() == {"spends"} else None
    if not isinstance(records, list) or not 1 <= len(records) <= MAX_BULK_RECORDS:
        return None
    items = []
    for record in records:
        item = _plain_spend(record)
        if item is None:
            return None
        items.append(item)
    return items


def _spend_input(fields: dict[str, Any]) -> SpendInput:
    return SpendInput(
        campaign_id=fields["campaign"],
        amount=fields["amount"],
        date=fields["date"],
        description=fields["description"],
        source=fields["source"],
        external_id=fields["external_id"],
    )


@extend_schema_view(
    list=extend_schema(
        summary="List spend records",
        description="Filters: `campaign`, `brand`, `date_after`, `date_before` (inclusive), `source`.",
    ),
    retrieve=extend_schema(summary="Read a spend record (spend is immutable: no PUT, PATCH or DELETE)"),
)
class SpendViewSet(ApiViewSet):
    queryset = Spend.objects.order_by("-date", "-pk")
    serializer_class = SpendSerializer
    filterset_class = SpendFilter
    idempotent_actions = ("create", "bulk")
    action_permissions = {"bulk": ["spending.add_spend"]}

    @extend_schema(
        summary="Record a spend",
        description=(
            "Appends to the ledger and pauses every campaign the new totals stop, before answering. "
            "201 with the new record; 200 with the original record when `external_id` (per `source`) "
            "or the `Idempotency-Key` was seen before with the same body; 409 with a different body. "
            "`campaign_state` is the campaign's serving state after the spend. Spend is recorded even "
            "for a paused campaign."
        ),
        request=SpendCreateSerializer,
        responses={
            201: OpenApiResponse(SpendOutcomeSerializer, description="Recorded."),
            200: OpenApiResponse(SpendOutcomeSerializer, description="Seen before: the original record."),
        },
        examples=[examples.SPEND_REQUEST, examples.SPEND_RESPONSE],
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return idempotent(request, lambda: self._record(request))

    def _record(self, request: Request) -> Response:
        item = _plain_spend(request.data)
        if item is None:
            item = _spend_input(parse(SpendCreateSerializer, request))
        outcome = spend_record_many(items=[item], actor=request_actor(request))[0]
        return Response(
            outcome_payload(outcome),
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="Record up to 1,000 spends, all or nothing",
        description=(
            "Every record is validated first; any error answers 400 with "
            "`{spends: [{...errors of record 0...}, {}, ...]}` and writes nothing. Otherwise all "
            "records are applied in one transaction. Each result says `created` or `duplicate` "
            "(its `external_id` was seen before with the same body)."
        ),
        request=SpendBulkCreateSerializer,
        responses={
            201: OpenApiResponse(SpendBulkResponseSerializer, description="At least one record was added."),
            200: OpenApiResponse(SpendBulkResponseSerializer, description="Every record was a duplicate."),
        },
        examples=[examples.SPEND_BULK_REQUEST, examples.SPEND_BULK_RESPONSE],
    )
    @action(detail=False, methods=["post"], filterset_class=None, pagination_class=None)
    def bulk(self, request: Request) -> Response:
        return idempotent(request, lambda: self._record_bulk(request))

    def _record_bulk(self, request: Request) -> Response:
        items = _plain_spends(request.data)
        if items is None:
            fields = parse(SpendBulkCreateSerializer, request)
            items = [_spend_input(record) for record in fields["spends"]]
        try:
            outcomes = spend_record_many(items=items, actor=request_actor(request))
        except ValidationError as error:
            # One record: the service reports its field errors unwrapped; keep the bulk shape.
            if isinstance(error, NestedValidationError) or not hasattr(error, "error_dict"):
                raise
            if "spends" in error.message_dict:
                raise
            raise NestedValidationError("spends", [error.message_dict]) from None
        created = sum(1 for outcome in outcomes if outcome.created)
        data = {
            "created": created,
            "duplicates": len(outcomes) - created,
            "results": [outcome_payload(outcome, with_result=True) for outcome in outcomes],
        }
        return Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# --- Health -----------------------------------------------------------------------------


class HealthView(APIView):
    """Liveness of the database, the broker and the scheduler (no authentication)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    documents_errors = False

    @extend_schema(
        summary="Health of the service",
        auth=[],
        responses={
            200: OpenApiResponse(HealthSerializer, description="Every check is ok (or unknown)."),
            503: OpenApiResponse(HealthSerializer, description="A check failed; it is named."),
        },
        examples=[
            OpenApiExample(
                "Healthy",
                value={"status": "ok", "checks": {"database": "ok", "broker": "ok", "beat": "ok"}},
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Broker down",
                value={
                    "status": "error",
                    "checks": {"database": "ok", "broker": "error: ConnectionError: ...", "beat": "ok"},
                },
                response_only=True,
                status_codes=["503"],
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        healthy, results = health.run_checks()
        return Response(
            {"status": "ok" if healthy else "error", "checks": results},
            status=status.HTTP_200_OK if healthy else status.HTTP_503_SERVICE_UNAVAILABLE,
        )


class PingView(APIView):
    """Are these credentials good? The cheapest authenticated request (and the benchmark's
    baseline: it runs the same authentication, throttling and rendering as every endpoint)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Check credentials",
        description="200 with who you are when the token (or session) is valid; 401 otherwise.",
        responses={200: PingSerializer},
        examples=[
            OpenApiExample("Token", value={"user": "etl", "authentication": "token"}, response_only=True)
        ],
    )
    def get(self, request: Request) -> Response:
        via = "token" if isinstance(request.auth, Token) else "session"
        return Response({"user": request.user.get_username(), "authentication": via})
