"""The service endpoints of v1: the index, health (no authentication) and a credentials check."""

from __future__ import annotations

from typing import Any, ClassVar

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from api import health
from api.serializers import ApiRootSerializer, HealthSerializer, PingSerializer


class ApiRootView(APIView):
    """``GET /api/v1/``: every resource of v1 with the URL of its list (authenticated)."""

    permission_classes = [IsAuthenticated]
    # {name: URL name}, passed by ``api.urls`` from its router: a resource registered there
    # is listed here without touching this view.
    resources: ClassVar[dict[str, str]] = {}

    @extend_schema(
        summary="The resources of v1, with their URLs",
        responses={200: ApiRootSerializer},
        examples=[
            OpenApiExample(
                "Index",
                value={
                    "resources": {"brands": "https://budget.example.com/api/v1/brands/"},
                    "schema": "https://budget.example.com/api/schema/",
                    "docs": "https://budget.example.com/api/docs/",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        return Response(
            {
                "resources": {
                    name: reverse(url_name, request=request) for name, url_name in self.resources.items()
                },
                "schema": reverse("schema", request=request),
                "docs": reverse("swagger-ui", request=request),
            }
        )


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
