"""``GET /api/v1/events/``: the event log as a cursor feed (API.md, "Events").

Ascending by ``id``; ``?after=`` resumes where the reader left off and ``next_after`` says
where to resume next. Ids are assigned after commit in commit order (``events.store``), so a
reader that follows ``next_after`` sees every committed event exactly once, in order.

Scope: a reader sees the events of the brands it may see; events of no brand (schedules,
teams, keys, endpoints) are seen by ops staff and superusers only. An event out of scope is
absent from the feed and answers 404 by id; a ``brand`` filter naming another team's brand
returns nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from access.selectors import brand_ids_in_scope
from events.models import Event
from events.selectors import event_feed
from events.services import events_position
from events.types import SUBSCRIBABLE_TYPES

from .base import ApiViewSet
from .fields import ID_MAX
from .schema import AutoSchema
from .serializers.events import EVENT_EXAMPLE, EventSerializer

FEED_DEFAULT_LIMIT = 100


class EventFeedSerializer(serializers.Serializer[Any]):
    results = EventSerializer(many=True)
    next_after = serializers.IntegerField(
        help_text="Pass as `after` to read on. Every event up to it has been seen (filters included)."
    )


class EventFeedQuerySerializer(serializers.Serializer[Any]):
    after = serializers.IntegerField(min_value=0, max_value=ID_MAX, default=0)
    # Above 500 is read as 500, as `page_size` is on the paginated lists.
    limit = serializers.IntegerField(min_value=1, max_value=ID_MAX, default=FEED_DEFAULT_LIMIT)
    type = serializers.ListField(child=serializers.ChoiceField(choices=SUBSCRIBABLE_TYPES), default=list)
    brand = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False)
    campaign = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False)
    occurred_after = serializers.DateTimeField(required=False)
    occurred_before = serializers.DateTimeField(required=False)


def _query(request: Request) -> dict[str, Any]:
    raw: dict[str, Any] = {key: request.query_params.get(key) for key in request.query_params}
    raw.pop("type", None)
    types = [part.strip() for value in request.query_params.getlist("type") for part in value.split(",")]
    raw["type"] = [part for part in types if part]
    query = EventFeedQuerySerializer(data=raw)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


FEED_PARAMETERS = [
    OpenApiParameter("after", OpenApiTypes.INT, description="Only events with a larger id (default 0)."),
    OpenApiParameter(
        "limit",
        OpenApiTypes.INT,
        description=f"At most this many (default {FEED_DEFAULT_LIMIT}; above 500 reads as 500).",
    ),
    OpenApiParameter(
        "type",
        OpenApiTypes.STR,
        many=True,
        explode=True,
        enum=list(SUBSCRIBABLE_TYPES),
        description="Event types: repeat the parameter or separate them with commas.",
    ),
    OpenApiParameter("brand", OpenApiTypes.INT, description="Events of this brand."),
    OpenApiParameter("campaign", OpenApiTypes.INT, description="Events of this campaign."),
    OpenApiParameter(
        "occurred_after", OpenApiTypes.DATETIME, description="Events at or after this moment (ISO 8601)."
    ),
    OpenApiParameter("occurred_before", OpenApiTypes.DATETIME, description="Events before this moment."),
]


class FeedSchema(AutoSchema):
    """The feed answers one object (``results`` and ``next_after``), not a list of pages."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False

    def _error_codes(self) -> list[str]:
        codes = super()._error_codes()
        if getattr(self.view, "action", None) == "list":
            codes = sorted({*codes, "400"})  # a bad parameter
        return codes


class EventViewSet(ApiViewSet):
    """The log of everything that happened, as a cursor feed."""

    schema = FeedSchema()

    queryset = Event.objects.filter(position__isnull=False, endpoint__isnull=True)  # events.view_event
    serializer_class = EventSerializer
    pagination_class = None
    filterset_class = None
    lookup_field = "position"
    lookup_url_kwarg = "id"
    scope_field = "brand"

    @extend_schema(
        summary="Read one event",
        parameters=[
            OpenApiParameter(
                "id", OpenApiTypes.INT64, OpenApiParameter.PATH, description="The event's id (its position)."
            )
        ],
        responses={200: EventSerializer},
        examples=[OpenApiExample("An event", value=EVENT_EXAMPLE, response_only=True)],
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self.get_object().payload())

    @extend_schema(
        operation_id="events_list",
        summary="The event feed, in id order",
        description=(
            "Every change to serving state, status, budgets and schedules, and every alert, in "
            "ascending `id`. Resume with `after=<next_after>`: a reader that does so sees every "
            "event exactly once, in order, even when transactions commit out of order (ids are "
            "assigned at commit). Filters: `type` (repeatable or comma-separated), `brand`, "
            "`campaign`, `occurred_after`, `occurred_before`."
        ),
        parameters=FEED_PARAMETERS,
        responses={200: EventFeedSerializer},
        examples=[
            OpenApiExample(
                "A page of the feed",
                value={"results": [EVENT_EXAMPLE], "next_after": 1042},
                response_only=True,
            )
        ],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = _query(request)
        events_position()  # the events committed by now get their ids before the read
        occurred_after: dt.datetime | None = query.get("occurred_after")
        occurred_before: dt.datetime | None = query.get("occurred_before")
        page = event_feed(
            after=query["after"],
            limit=min(query["limit"], settings.API_MAX_PAGE_SIZE),
            types=query["type"],
            brand_id=query.get("brand"),
            campaign_id=query.get("campaign"),
            occurred_after=occurred_after,
            occurred_before=occurred_before,
            in_brands=brand_ids_in_scope(self.principal),
        )
        return Response(
            {"results": [event.payload() for event in page.events], "next_after": page.next_after}
        )
