"""``/api/``: v1 resources under ``/api/v1/``, the OpenAPI schema and its two viewers.

A new resource is one ``router.register`` line: the v1 index (``GET /api/v1/``) lists
every registered resource by itself.
"""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from .events import EventViewSet
from .keys import ApiKeyViewSet
from .views import (
    ApiRootView,
    BrandViewSet,
    CampaignViewSet,
    HealthView,
    PingView,
    ScheduleViewSet,
    SpendViewSet,
)
from .webhooks import WebhookEndpointViewSet

router = SimpleRouter()
router.register("brands", BrandViewSet, basename="brand")
router.register("campaigns", CampaignViewSet, basename="campaign")
router.register("schedules", ScheduleViewSet, basename="schedule")
router.register("spends", SpendViewSet, basename="spend")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("events", EventViewSet, basename="event")
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")

v1 = [
    path(
        "",
        ApiRootView.as_view(
            resources={prefix: f"v1:{basename}-list" for prefix, _, basename in router.registry}
        ),
        name="root",
    ),
    path("health/", HealthView.as_view(), name="health"),
    path("ping/", PingView.as_view(), name="ping"),
    *router.urls,
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
