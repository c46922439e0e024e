"""What every v1 view shares: the request's actor, strict body parsing, and the two
viewset bases (read-only resources and managed ones written through the services).

Each write parses its input with an input serializer (``api.serializers.common.
InputSerializer``: strict types, unknown fields refused), calls one service, and renders
the result; errors the services raise are mapped to HTTP by ``api.exceptions``. A list
computes the budget status of its whole page in one go (``api.states``), so its number of
queries does not grow with the number of rows.

Scope (``access.selectors``; API.md, "Teams and scoped access"): every list and every
object is limited to the brands the caller may see (``scope_field``), so an object out of
scope is absent: 404 for reads and writes alike, whatever the caller's permissions, since a
403 would confirm that it exists. An object in scope that the caller's role may read but not
change answers 403 (``require``).
"""

from __future__ import annotations

import datetime as dt
from abc import abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response

from access.roles import Action
from access.selectors import may, principal_of, scoped
from core.actors import Actor
from core.timeutils import now

from .exceptions import NON_FIELD
from .fields import UNKNOWN_FIELD
from .idempotency import idempotent
from .key_auth import api_key_actor

if TYPE_CHECKING:
    from access.selectors import Principal


def request_actor(request: Request) -> Actor:
    """Who is calling: a user through a session, or through an API token, or an API key (as
    the key: its name and id)."""
    key_actor = api_key_actor(request)
    if key_actor is not None:
        return key_actor
    return Actor.for_user(request.user, via_token=isinstance(request.auth, Token))


def parse(
    serializer_class: type[serializers.Serializer[Any]], request: Request, **kwargs: Any
) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def no_body(request: Request) -> None:
    """An action that takes no input refuses a body that carries some (never ignored)."""
    data = request.data
    if isinstance(data, dict):
        if data:
            raise serializers.ValidationError({str(key): [UNKNOWN_FIELD] for key in data})
    elif data not in (None, "", []):
        raise serializers.ValidationError({NON_FIELD: ["This action takes no request body."]})


ROLE_REFUSED = {
    Action.CHANGE: "Your role on this brand does not allow changing it.",
    Action.RECORD_SPEND: "Your role on this campaign's brand does not allow recording spend.",
}


def request_principal(request: Request) -> Principal:
    """Whose scope applies: the request's API key, else its user."""
    return principal_of(request.user, request.auth)


class AbsentBeforeForbidden(viewsets.GenericViewSet[Any]):
    """A request naming an object the caller may not see answers 404 even when the method is
    not allowed to the caller: a 403 would confirm that the object exists."""

    def hides_objects_from(self, request: Request) -> bool:
        return True

    def check_permissions(self, request: Request) -> None:
        try:
            super().check_permissions(request)
        except exceptions.PermissionDenied:
            if (self.lookup_url_kwarg or self.lookup_field) in self.kwargs and self.hides_objects_from(
                request
            ):
                self.get_object()  # raises 404 for an object out of scope (or none at all)
            raise


class ApiViewSet(AbsentBeforeForbidden):
    """Shared behaviour: per-page statuses for lists, idempotent creates, request actor, scope."""

    # Actions that accept ``Idempotency-Key`` and may answer 409 (see api.schema).
    idempotent_actions: Sequence[str] = ("create",)
    conflict_actions: Sequence[str] = ()
    action_permissions: dict[str, list[str]] = {}
    # Ids in paths are ASCII digits: ``\d`` would also take "٣" (and find object 3), the
    # router's default takes anything; a path that does not match answers the JSON 404.
    lookup_value_regex = "[0-9]+"
    # The path from a row to its brand ("pk" for brands themselves): lists and objects are
    # limited to the caller's brands. ``None``: the view limits them in ``limit_to_scope``.
    scope_field: str | None = None

    _moment: dt.datetime | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        if "" in request.query_params:  # "?=1": a parameter without a name is malformed
            raise exceptions.ValidationError({"query": ["A query parameter has no name."]})

    @property
    def principal(self) -> Principal:
        return request_principal(self.request)

    def get_queryset(self) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return queryset
        return self.limit_to_scope(queryset)

    def limit_to_scope(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.scope_field is None:
            return queryset
        return scoped(queryset, self.principal, brand_field=self.scope_field)

    def require(self, action: Action, *, brand_id: int) -> None:
        """403 unless the caller's role allows ``action`` on this brand (which it may see)."""
        if not may(self.principal, action, brand_id=brand_id):
            raise exceptions.PermissionDenied(ROLE_REFUSED.get(action))

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
    """A resource a client creates, replaces, changes and deletes through the services:
    a subclass says how (``create_and_render``, ``update_and_render``, ``delete_instance``)."""

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return idempotent(request, lambda: self.create_and_render(request))

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update_and_render(request, self.get_object(), partial=False)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update_and_render(request, self.get_object(), partial=True)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.delete_instance(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @abstractmethod
    def create_and_render(self, request: Request) -> Response: ...

    @abstractmethod
    def update_and_render(self, request: Request, instance: Any, *, partial: bool) -> Response: ...

    @abstractmethod
    def delete_instance(self, instance: Any) -> None: ...
