from django.apps import AppConfig


class OpsConfig(AppConfig):
    """The ops console's shared pieces (admin helpers, dashboard) and its commands
    (``seed_demo_data``): callers of every app's services and selectors. No models."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ops"
