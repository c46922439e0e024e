"""Request and response examples of the OpenAPI schema (the values of API.md)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

_BUDGET = {
    "date": "2026-11-21",
    "month": "2026-11",
    "daily_spend": "40.00",
    "monthly_spend": "900.00",
    "daily_remaining": "60.00",
    "monthly_remaining": "1600.00",
    "daily_available": True,
    "monthly_available": True,
    "pacing": {
        "month_elapsed": 0.433,
        "expected_monthly_spend": "1083.33",
        "month_pace": 0.92,
        "status": "on_pace",
        "run_rate_daily": "35.10",
        "projected_monthly_spend": "2371.10",
        "projected_exhaustion": None,
        "day_elapsed": 0.75,
        "expected_daily_spend": "75.00",
        "run_rate_days": 7,
    },
}
_STAMPS = {"created_at": "2026-11-01T09:30:00Z", "updated_at": "2026-11-21T14:05:12Z"}

BRAND = {
    "id": 1,
    "name": "Acme",
    "timezone": "America/New_York",
    "currency": "USD",
    "daily_budget": "100.00",
    "monthly_budget": "2500.00",
    "is_active": True,
    "alert_thresholds": [50, 80, 100],
    "alert_emails": ["ops@example.com"],
    "budget": _BUDGET,
    **_STAMPS,
}
BRAND_REQUEST = OpenApiExample(
    "Brand",
    value={
        "name": "Acme",
        "timezone": "America/New_York",
        "currency": "USD",
        "daily_budget": "100.00",
        "monthly_budget": "2500.00",
        "is_active": True,
        "alert_thresholds": [50, 80, 100],
        "alert_emails": ["ops@example.com"],
    },
    request_only=True,
)
BRAND_PATCH = OpenApiExample("Raise the daily cap", value={"daily_budget": "150.00"}, request_only=True)
BRAND_RESPONSE = OpenApiExample("Brand", value=BRAND, response_only=True)

CAMPAIGN = {
    "id": 7,
    "brand": 1,
    "name": "Black Friday",
    "status": "active",
    "is_active": False,
    "pause_reason": "campaign_daily_budget",
    "blocking_reasons": ["campaign_daily_budget", "outside_schedule"],
    "daily_budget": "50.00",
    "monthly_budget": None,
    "dayparting_schedule": 3,
    "budget": {
        "date": "2026-11-21",
        "month": "2026-11",
        "daily_spend": "50.00",
        "monthly_spend": "310.00",
        "daily_remaining": "0.00",
        "monthly_remaining": None,
        "daily_available": False,
        "monthly_available": True,
        "pacing": {
            "month_elapsed": 0.692,
            "expected_monthly_spend": None,
            "month_pace": None,
            "status": "no_budget",
            "run_rate_daily": "13.00",
            "projected_monthly_spend": "427.00",
            "projected_exhaustion": None,
            "day_elapsed": 0.75,
            "expected_daily_spend": "37.50",
            "run_rate_days": 7,
        },
    },
    **_STAMPS,
}
CAMPAIGN_REQUEST = OpenApiExample(
    "Campaign",
    value={
        "brand": 1,
        "name": "Black Friday",
        "status": "active",
        "daily_budget": "50.00",
        "monthly_budget": None,
        "dayparting_schedule": 3,
    },
    request_only=True,
)
CAMPAIGN_PATCH = OpenApiExample("Raise the daily cap", value={"daily_budget": "80.00"}, request_only=True)
CAMPAIGN_RESPONSE = OpenApiExample("Campaign", value=CAMPAIGN, response_only=True)
BRAND_BUDGET_RESPONSE = OpenApiExample(
    "Budget status", value={"brand": BRAND, "campaigns": [CAMPAIGN]}, response_only=True
)

_WINDOWS = [
    {"days_of_week": [0, 1, 2, 3, 4], "start_time": "09:00", "end_time": "17:00"},
    {"days_of_week": [4], "start_time": "22:00", "end_time": "02:00"},
]
SCHEDULE_REQUEST = OpenApiExample(
    "Business hours",
    value={"name": "Business hours", "timezone": None, "is_active": True, "windows": _WINDOWS},
    request_only=True,
)
SCHEDULE_PATCH = OpenApiExample("Deactivate", value={"is_active": False}, request_only=True)
SCHEDULE_RESPONSE = OpenApiExample(
    "Business hours",
    value={
        "id": 3,
        "name": "Business hours",
        "timezone": None,
        "is_active": True,
        "windows": _WINDOWS,
        "days_display": "Mon-Fri",
        "is_currently_active": True,
        **_STAMPS,
    },
    response_only=True,
)

_SPEND_BODY = {
    "campaign": 7,
    "amount": "12.34",
    "date": "2026-11-21",
    "description": "Search clicks 14:00-15:00",
    "source": "google-ads",
    "external_id": "gads-row-991",
}
_SPEND = {
    "id": 5012,
    "campaign": 7,
    "brand": 1,
    "amount": "12.34",
    "date": "2026-11-21",
    "description": "Search clicks 14:00-15:00",
    "source": "google-ads",
    "external_id": "gads-row-991",
    "created_at": "2026-11-21T15:00:04Z",
    "campaign_state": {"is_active": False, "pause_reason": "campaign_daily_budget"},
}
SPEND_REQUEST = OpenApiExample("Spend", value=_SPEND_BODY, request_only=True)
SPEND_RESPONSE = OpenApiExample("Recorded; the campaign is now paused", value=_SPEND, response_only=True)
SPEND_BULK_REQUEST = OpenApiExample(
    "Two records",
    value={
        "spends": [
            _SPEND_BODY,
            {**_SPEND_BODY, "amount": "3.10", "external_id": "gads-row-992", "description": ""},
        ]
    },
    request_only=True,
)
SPEND_BULK_RESPONSE = OpenApiExample(
    "One new, one seen before",
    value={
        "created": 1,
        "duplicates": 1,
        "results": [
            {**_SPEND, "result": "duplicate"},
            {
                **_SPEND,
                "id": 5013,
                "amount": "3.10",
                "external_id": "gads-row-992",
                "description": "",
                "result": "created",
            },
        ],
    },
    response_only=True,
)
