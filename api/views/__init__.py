"""REST API v1 views: thin callers of the services and selectors, one module per resource
(the shared bases are in ``api.base``)."""

from __future__ import annotations

from .brands import BrandViewSet
from .campaigns import CampaignViewSet
from .schedules import ScheduleViewSet
from .service import ApiRootView, HealthView, PingView
from .spends import SpendViewSet

__all__ = [
    "ApiRootView",
    "BrandViewSet",
    "CampaignViewSet",
    "HealthView",
    "PingView",
    "ScheduleViewSet",
    "SpendViewSet",
]
