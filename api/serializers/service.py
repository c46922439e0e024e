"""The service endpoints: health, credentials check and the v1 index."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class HealthSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=["ok", "error"], read_only=True)
    checks = serializers.DictField(
        child=serializers.CharField(),
        read_only=True,
        help_text='Each check: "ok", "unknown" (cannot tell yet; not a failure) or the error.',
    )


class PingSerializer(serializers.Serializer[Any]):
    user = serializers.CharField(
        read_only=True, help_text="The authenticated user (for an API key, its service account)."
    )
    authentication = serializers.ChoiceField(choices=["token", "api_key", "session"], read_only=True)
    # Not read-only: the schema lists read-only fields as required, and this one is present
    # with an API key only.
    api_key = serializers.CharField(required=False, help_text="With an API key (only): the key's name.")


class ApiRootSerializer(serializers.Serializer[Any]):
    resources = serializers.DictField(
        child=serializers.URLField(),
        read_only=True,
        help_text="Each resource of v1 by name, with the absolute URL of its list.",
    )
    schema = serializers.URLField(read_only=True, help_text="The OpenAPI schema (the whole contract).")
    docs = serializers.URLField(read_only=True, help_text="Swagger UI.")
