from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class OpsConfig(AppConfig):
    """The ops console's shared pieces (admin helpers, dashboard) and its commands
    (``seed_demo_data``): callers of every app's services and selectors. No models."""

    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "ops"


class OpsAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with the ops console's site as ``admin.site``."""

    default = False
    default_site = "ops.sites.OpsAdminSite"
