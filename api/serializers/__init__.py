"""Input and output serializers of the REST API v1, one module per resource.

Output serializers render models (and the budget status computed for a whole page by
``api.states``); input serializers (``common.InputSerializer``) parse types and shapes
strictly and refuse unknown fields. Every rule (budgets, time zones, windows, spend dates,
idempotency) is checked by the services the views call.
"""

from __future__ import annotations

from .brands import BrandCreateSerializer, BrandSerializer, BrandWriteSerializer
from .campaigns import (
    BrandBudgetSerializer,
    CampaignCreateSerializer,
    CampaignSerializer,
    CampaignUpdateSerializer,
)
from .common import BudgetSerializer, InputSerializer, RecordsSerializer
from .events import CampaignEventSerializer, EventSerializer
from .schedules import ScheduleCreateSerializer, ScheduleSerializer, ScheduleWriteSerializer, WindowSerializer
from .service import ApiRootSerializer, HealthSerializer, PingSerializer
from .spends import (
    SpendBulkCreateSerializer,
    SpendBulkResponseSerializer,
    SpendBulkResultSerializer,
    SpendCreateSerializer,
    SpendOutcomeSerializer,
    SpendSerializer,
    outcome_payload,
)

__all__ = [
    "ApiRootSerializer",
    "BrandBudgetSerializer",
    "BrandCreateSerializer",
    "BrandSerializer",
    "BrandWriteSerializer",
    "BudgetSerializer",
    "CampaignCreateSerializer",
    "CampaignEventSerializer",
    "CampaignSerializer",
    "CampaignUpdateSerializer",
    "EventSerializer",
    "HealthSerializer",
    "InputSerializer",
    "PingSerializer",
    "RecordsSerializer",
    "ScheduleCreateSerializer",
    "ScheduleSerializer",
    "ScheduleWriteSerializer",
    "SpendBulkCreateSerializer",
    "SpendBulkResponseSerializer",
    "SpendBulkResultSerializer",
    "SpendCreateSerializer",
    "SpendOutcomeSerializer",
    "SpendSerializer",
    "WindowSerializer",
    "outcome_payload",
]
