"""``api-keys/``: a team manager lists, creates and revokes the team's API keys.

Who: a person (token or session) who manages the key's team (role ``manager``), or ops staff
and superusers for every team. Requests made with an API key are refused (403): a key never
mints or revokes keys; so are creating and revoking by a person who manages no team. Model
permissions do not apply here: the team role decides.

* ``GET``: the keys of the teams the caller manages (never a secret or a hash); filters
  ``team``, ``revoked``.
* ``POST``: a new key; the response carries ``key`` (``<prefix>.<secret>``), shown this once
  (``Cache-Control: no-store``). Not idempotent: an ``Idempotency-Key`` would store the
  response, secret included, so it is ignored here; a retried POST makes a second key.
* ``DELETE {id}``: revoke (for good; 204, again 204). Another team's key answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters  # type: ignore[import-untyped]
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.models import ApiKey
from access.roles import Action, Role, parse_expires_in
from access.selectors import api_keys_managed_by, principal_of, teams_in_scope
from access.services import NAME_MAX_LENGTH, api_key_create, api_key_revoke
from core.timeutils import now

from .base import request_actor
from .fields import IdField
from .filters import BooleanFilter, IdFilter

MAX_BRANDS = 500


class ApiKeySerializer(serializers.ModelSerializer[ApiKey]):
    """A key as listed: what it is and how it was used; never its secret or hash."""

    team_name = serializers.CharField(source="team.name", read_only=True)
    brands: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="The key's brand subset; empty: every brand of the team."
    )
    expires_at = serializers.DateTimeField(source="expiry_date", read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(source="created", read_only=True)
    prefix = serializers.CharField(read_only=True, help_text="The part of the key before the dot.")

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "prefix",
            "name",
            "team",
            "team_name",
            "role",
            "brands",
            "expires_at",
            "created_at",
            "created_by",
            "last_used_at",
            "revoked",
            "revoked_at",
            "revoked_by",
        ]
        read_only_fields = fields


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(
        read_only=True, help_text="`<prefix>.<secret>`: shown once, never again. Send as `Api-Key <key>`."
    )

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=NAME_MAX_LENGTH, help_text="Who or what uses the key.")
    team = IdField(help_text="A team you manage.")
    role = serializers.ChoiceField(choices=Role.choices)
    brands = serializers.ListField(
        child=IdField(),
        required=False,
        max_length=MAX_BRANDS,
        help_text="Limit the key to these brands of the team (default: every brand of the team).",
    )
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="When the key stops working."
    )
    expires_in = serializers.CharField(
        required=False,
        max_length=16,
        help_text="Or a duration from now: `90d`, `12h`, `2w`, `30m` (one minute to ten years).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        expires_in = attrs.pop("expires_in", None)
        if expires_in is not None:
            if attrs.get("expires_at") is not None:
                raise serializers.ValidationError(
                    {"expires_in": ["Give expires_at or expires_in, not both."]}
                )
            try:
                attrs["expires_at"] = now() + parse_expires_in(expires_in)
            except ValueError as error:
                raise serializers.ValidationError({"expires_in": [str(error)]}) from None
        return attrs


class ApiKeyFilter(filters.FilterSet):  # type: ignore[misc]
    team = IdFilter(field_name="team_id", label="Team id")
    revoked = BooleanFilter()

    class Meta:
        model = ApiKey
        fields = ["team", "revoked"]


class TeamManagers(BasePermission):
    """People only (an API key never manages keys); to create or revoke, a manager of at least
    one team (or ops staff). Which team's keys is the queryset's business: another team's
    key is simply not there (404)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user: Any = request.user
        if not (user and user.is_authenticated):
            return False
        if isinstance(request.auth, ApiKey):
            self.message = "API keys cannot manage API keys: use a team manager's token or session."
            return False
        if request.method in SAFE_METHODS:
            return True
        self.message = "Only a team's managers create and revoke its API keys."
        return teams_in_scope(principal_of(user, request.auth), Action.CHANGE).exists()


_CREATED_EXAMPLE = OpenApiExample(
    "Created",
    value={
        "id": 4,
        "prefix": "Ab3dE5gH",
        "name": "google-ads sync",
        "team": 2,
        "team_name": "Acme team",
        "role": "integration",
        "brands": [1],
        "expires_at": "2027-02-19T10:00:00Z",
        "created_at": "2026-11-21T10:00:00Z",
        "created_by": "token: alice",
        "last_used_at": None,
        "revoked": False,
        "revoked_at": None,
        "revoked_by": "",
        "key": "Ab3dE5gH.kq0P9rT2vX4yZ6bD8fH1jL3nQ5sU7wY9",
    },
    response_only=True,
    status_codes=["201"],
)


@extend_schema_view(
    list=extend_schema(
        summary="List the API keys of the teams you manage",
        description="Filters: `team`, `revoked`. Never shows a key's secret.",
    ),
    create=extend_schema(
        summary="Create an API key for a team you manage",
        description=(
            "The response's `key` is shown this once: store it. Not idempotent (a retry makes a "
            "second key; revoke the unused one). `team` must be a team you manage and `brands` "
            "its brands; anything else answers 400 without saying whether it exists."
        ),
        request=ApiKeyCreateSerializer,
        responses={201: OpenApiResponse(ApiKeyCreatedSerializer, description="Created; `key` shown once.")},
        examples=[
            OpenApiExample(
                "Integration key",
                value={
                    "name": "google-ads sync",
                    "team": 2,
                    "role": "integration",
                    "brands": [1],
                    "expires_in": "90d",
                },
                request_only=True,
            ),
            _CREATED_EXAMPLE,
        ],
    ),
    destroy=extend_schema(
        summary="Revoke an API key",
        description="For good: the key answers 401 from now on. Revoking a revoked key is harmless (204).",
        responses={204: OpenApiResponse(description="Revoked.")},
    ),
)
class ApiKeyViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[ApiKey]):
    serializer_class = ApiKeySerializer
    filterset_class = ApiKeyFilter
    permission_classes = [TeamManagers]

    def get_queryset(self) -> QuerySet[ApiKey]:
        if getattr(self, "swagger_fake_view", False):
            return ApiKey.objects.none()
        return api_keys_managed_by(principal_of(self.request.user, self.request.auth))

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data
        principal = principal_of(request.user, request.auth)
        if not teams_in_scope(principal, Action.CHANGE).filter(pk=fields["team"]).exists():
            raise serializers.ValidationError({"team": ["No team you manage has this id."]})
        expires_at: dt.datetime | None = fields.get("expires_at")
        created = api_key_create(
            team_id=fields["team"],
            role=fields["role"],
            name=fields["name"],
            brand_ids=fields.get("brands", []),
            expires_at=expires_at,
            actor=request_actor(request),
        )
        api_key = self.get_queryset().get(pk=created.api_key.pk)
        api_key.key = created.key  # type: ignore[attr-defined]
        data = ApiKeyCreatedSerializer(api_key, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        api_key = self.get_object()
        api_key_revoke(api_key_id=api_key.pk, actor=request_actor(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
