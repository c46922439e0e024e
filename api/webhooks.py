"""``/api/v1/webhook-endpoints/``: endpoints, their secrets, delivery log, test and replay
(API.md, "Webhook endpoints"). Thin: every rule is in ``events.services``.

Scope: an endpoint is its owner's (ops staff and superusers see every one); any other answers
404, its deliveries, test, replay and rotate-secret included. Its ``brands`` must be brands
the owner may see (another team's brand is refused as an unknown one), and ``brands: []``
covers every brand the owner may see (``events.selectors.endpoint_scope``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from access.roles import Action
from access.selectors import brand_ids_out_of_scope, sees_everything
from events.models import Event, WebhookDelivery, WebhookEndpoint
from events.selectors import endpoint_deliveries, webhook_endpoints
from events.services import (
    events_position,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_ping,
    webhook_endpoint_replay,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from events.types import ALL_TYPES, SUBSCRIBABLE_TYPES

from .base import ManagedViewSet, parse, request_actor
from .fields import ID_MAX, BooleanField, IdField

EVENT_TYPE_CHOICES = [ALL_TYPES, *SUBSCRIBABLE_TYPES]

# --- Serializers -------------------------------------------------------------------------


class WebhookEndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES), help_text='`["*"]`: every type.'
    )
    brands: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="Brand ids; `[]`: every brand the owner may see."
    )
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "brands",
            "enabled",
            "owner",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "failing_since": {
                "help_text": "Since when every delivery failed (null: the last one succeeded)."
            },
            "disabled_at": {"help_text": "When it was disabled (after 5 days of failures, or by a person)."},
        }


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    """An endpoint with its signing secret: the answer to POST and to rotate-secret only."""

    secret = serializers.CharField(read_only=True, help_text="`whsec_...`: verify signatures with it.")
    previous_secret_expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="Until then deliveries are signed with the previous secret too.",
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret", "previous_secret_expires_at"]
        read_only_fields = fields


class WebhookEndpointWriteSerializer(serializers.Serializer[WebhookEndpoint]):
    url = serializers.CharField(
        max_length=2000, help_text="http(s) URL (https only in production; no private addresses)."
    )
    description = serializers.CharField(max_length=500, allow_blank=True, default="")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES),
        min_length=1,
        max_length=len(EVENT_TYPE_CHOICES),
        default=[ALL_TYPES],
        help_text='Event types to receive; `["*"]` (the default): all.',
    )
    brands = serializers.ListField(
        child=IdField(), max_length=1000, default=list, help_text="Brand ids; `[]` (the default): all."
    )
    enabled = BooleanField(default=True)


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    event = serializers.IntegerField(source="event.position", read_only=True, help_text="The event's id.")
    event_type = serializers.CharField(source="event.type", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_type",
            "attempt",
            "status_code",
            "duration_ms",
            "error",
            "at",
            "next_attempt_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "status_code": {"help_text": "The receiver's answer; null when none came (refused, timeout)."},
            "next_attempt_at": {"help_text": "When it is retried; null once delivered or given up."},
        }


class ReplaySerializer(serializers.Serializer[Any]):
    after = serializers.IntegerField(
        min_value=0, max_value=ID_MAX, help_text="Re-send the events after this id."
    )


class ReplayResultSerializer(serializers.Serializer[Any]):
    after = serializers.IntegerField()
    until = serializers.IntegerField(help_text="The last id looked at.")
    queued = serializers.IntegerField(help_text="How many events will be sent again, in id order.")
    complete = serializers.BooleanField(help_text="False: more remain; replay again with `after=until`.")


class PingResultSerializer(serializers.Serializer[Any]):
    event = serializers.IntegerField(allow_null=True, help_text="The ping event's id (its `webhook-id`).")
    type = serializers.CharField()


# --- Examples ----------------------------------------------------------------------------

_ENDPOINT = {
    "id": 3,
    "url": "https://hooks.example.com/budget",
    "description": "ad server",
    "event_types": ["campaign.paused", "campaign.resumed"],
    "brands": [],
    "enabled": True,
    "owner": 5,
    "failing_since": None,
    "disabled_at": None,
    "disabled_reason": "",
    "created_at": "2026-11-21T09:00:00Z",
    "updated_at": "2026-11-21T09:00:00Z",
}
_SECRET = {"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "previous_secret_expires_at": None}
ENDPOINT_REQUEST = OpenApiExample(
    "Endpoint",
    value={
        "url": "https://hooks.example.com/budget",
        "description": "ad server",
        "event_types": ["campaign.paused", "campaign.resumed"],
        "brands": [],
    },
    request_only=True,
)
ENDPOINT_PATCH = OpenApiExample("Disable", value={"enabled": False}, request_only=True)
ENDPOINT_RESPONSE = OpenApiExample("Endpoint", value=_ENDPOINT, response_only=True)
ENDPOINT_WITH_SECRET = OpenApiExample(
    "Endpoint with its secret", value={**_ENDPOINT, **_SECRET}, response_only=True
)
DELIVERY_RESPONSE = OpenApiExample(
    "Attempts",
    value={
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": 12,
                "event": 1042,
                "event_type": "campaign.paused",
                "attempt": 2,
                "status_code": 200,
                "duration_ms": 84,
                "error": "",
                "at": "2026-11-21T18:04:16Z",
                "next_attempt_at": None,
            },
            {
                "id": 11,
                "event": 1042,
                "event_type": "campaign.paused",
                "attempt": 1,
                "status_code": 500,
                "duration_ms": 95,
                "error": "answered 500",
                "at": "2026-11-21T18:04:05Z",
                "next_attempt_at": "2026-11-21T18:04:15Z",
            },
        ],
    },
    response_only=True,
)


# --- The viewset -------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List webhook endpoints", description="Secrets are never listed."),
    retrieve=extend_schema(summary="Read a webhook endpoint", examples=[ENDPOINT_RESPONSE]),
    create=extend_schema(
        summary="Create a webhook endpoint",
        description=(
            "It receives, signed per Standard Webhooks, the events of its `event_types` and `brands` "
            "that commit from now on. The answer carries the `secret`, shown here and after "
            "rotate-secret only."
        ),
        request=WebhookEndpointWriteSerializer,
        responses={201: WebhookEndpointSecretSerializer},
        examples=[ENDPOINT_REQUEST, ENDPOINT_WITH_SECRET],
    ),
    partial_update=extend_schema(
        summary="Change a webhook endpoint",
        description=(
            "Enabling a disabled endpoint starts from the events committing now; replay to get "
            "what it missed."
        ),
        request=WebhookEndpointWriteSerializer,
        examples=[ENDPOINT_PATCH, ENDPOINT_RESPONSE],
    ),
    destroy=extend_schema(summary="Delete a webhook endpoint (and its delivery log)"),
)
class WebhookEndpointViewSet(ManagedViewSet):
    queryset = webhook_endpoints()
    serializer_class = WebhookEndpointSerializer
    filterset_class = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_permissions = {
        "rotate_secret": ["events.change_webhookendpoint"],
        "test": ["events.change_webhookendpoint"],
        "replay": ["events.change_webhookendpoint"],
        "deliveries": ["events.view_webhookendpoint"],
    }
    conflict_actions = ("test", "replay")

    def limit_to_scope(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if sees_everything(self.principal):
            return queryset
        return queryset.filter(owner_id=self.request.user.pk)

    def check_brands(self, brand_ids: list[int] | None) -> None:
        """Brands the caller may not see are refused as unknown ones (the service's words)."""
        hidden = brand_ids_out_of_scope(self.principal, Action.READ, brand_ids or [])
        if hidden:
            raise ValidationError({"brands": [f"Unknown brand: {', '.join(map(str, sorted(hidden)))}."]})

    def create_and_render(self, request: Request) -> Response:
        fields = parse(WebhookEndpointWriteSerializer, request)
        self.check_brands(fields["brands"])
        endpoint = webhook_endpoint_create(
            url=fields["url"],
            description=fields["description"],
            event_types=fields["event_types"],
            brand_ids=fields["brands"],
            enabled=fields["enabled"],
            owner_id=request.user.pk,
        )
        data = WebhookEndpointSecretSerializer(self.get_queryset().get(pk=endpoint.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    def update_and_render(self, request: Request, instance: Any, *, partial: bool) -> Response:
        endpoint: WebhookEndpoint = instance
        fields = parse(WebhookEndpointWriteSerializer, request, partial=partial)
        self.check_brands(fields.get("brands"))
        webhook_endpoint_update(
            endpoint_id=endpoint.pk,
            url=fields.get("url"),
            description=fields.get("description"),
            event_types=fields.get("event_types"),
            brand_ids=fields.get("brands"),
            enabled=fields.get("enabled"),
        )
        return self.render(self.get_queryset().get(pk=endpoint.pk))

    def delete_instance(self, instance: WebhookEndpoint) -> None:
        webhook_endpoint_delete(endpoint_id=instance.pk)

    @extend_schema(
        summary="Rotate the signing secret",
        description="A new secret; the previous one keeps signing, beside it, for 24 hours.",
        request=None,
        responses={200: WebhookEndpointSecretSerializer},
        examples=[ENDPOINT_WITH_SECRET],
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", filterset_class=None)
    def rotate_secret(self, request: Request, pk: str | None = None) -> Response:
        endpoint = webhook_endpoint_rotate_secret(endpoint_id=self.get_object().pk)
        return Response(WebhookEndpointSecretSerializer(self.get_queryset().get(pk=endpoint.pk)).data)

    @extend_schema(
        summary="The endpoint's delivery log (one row per attempt), newest first",
        responses={200: WebhookDeliverySerializer(many=True)},
        examples=[DELIVERY_RESPONSE],
    )
    @action(detail=True, methods=["get"], serializer_class=WebhookDeliverySerializer, filterset_class=None)
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        endpoint = self.get_object()
        queryset = endpoint_deliveries(endpoint_id=endpoint.pk)
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        return self.get_paginated_response(WebhookDeliverySerializer(rows, many=True).data)

    @extend_schema(
        summary="Send a test ping",
        description=(
            "Queues a `ping` event (`data: {endpoint}`) for this endpoint alone; it is delivered "
            "like any event, signed, and logged among the deliveries. 409 while the endpoint is disabled."
        ),
        request=None,
        responses={202: PingResultSerializer},
        examples=[OpenApiExample("Queued", value={"event": 1043, "type": "ping"}, response_only=True)],
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def test(self, request: Request, pk: str | None = None) -> Response:
        ping = webhook_endpoint_ping(endpoint_id=self.get_object().pk, actor=request_actor(request))
        events_position()
        position = Event.objects.filter(seq=ping.seq).values_list("position", flat=True).first()
        return Response({"event": position, "type": ping.type}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Re-send the events after an id",
        description=(
            "Queues again, in id order, every event with a larger id that the endpoint covers "
            "(at most 10,000 a request: `complete` false says to replay again from `until`). "
            "Receivers deduplicate by `webhook-id`. 409 while the endpoint is disabled."
        ),
        request=ReplaySerializer,
        responses={202: OpenApiResponse(ReplayResultSerializer, description="Queued.")},
        examples=[
            OpenApiExample("From an id", value={"after": 1000}, request_only=True),
            OpenApiExample(
                "Queued",
                value={"after": 1000, "until": 1042, "queued": 17, "complete": True},
                response_only=True,
            ),
        ],
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def replay(self, request: Request, pk: str | None = None) -> Response:
        endpoint = self.get_object()
        after = parse(ReplaySerializer, request)["after"]
        result = webhook_endpoint_replay(endpoint_id=endpoint.pk, after=after)
        data = {
            "after": result.after,
            "until": result.until,
            "queued": result.queued,
            "complete": result.complete,
        }
        return Response(data, status=status.HTTP_202_ACCEPTED)
