"""Spend: reads of the ledger, and single and bulk ingestion.

Ingestion hands the JSON values of the body, untouched, to the record-spend service
(``SpendInput.from_json``): its one validator (``spending.validation``) checks every
field, so the API, the admin, the commands and the spend sources accept exactly the same
records, and no DRF field machinery runs on this hot path. The request serializers only
document the schema.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api import examples
from api.base import ApiViewSet, request_actor
from api.filters import SpendFilter
from api.idempotency import idempotent
from api.serializers import (
    SpendBulkCreateSerializer,
    SpendBulkResponseSerializer,
    SpendCreateSerializer,
    SpendOutcomeSerializer,
    SpendSerializer,
    outcome_payload,
)
from core.exceptions import NestedValidationError
from spending.models import Spend
from spending.services import spend_record_many
from spending.validation import SpendInput, spend_inputs_from_json


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
        item = SpendInput.from_json(request.data)
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
        items = spend_inputs_from_json(request.data)
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
