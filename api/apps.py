from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """REST API v1: routers, serializers, auth, throttling, idempotency, health, schema."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from api.groups import sync_groups_after_migrate

        # Keep the API's permission groups (read-only, integration, ops) in place after
        # every migrate, once every app's permissions exist (api is the last app).
        post_migrate.connect(sync_groups_after_migrate, sender=self, dispatch_uid="api_sync_groups")
