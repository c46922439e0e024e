from __future__ import annotations

from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Teams, roles and API keys: which brands each person and integration may see and act on."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "access"
    verbose_name = "Teams and access"
