from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "campaigns"

    def ready(self) -> None:
        from campaigns.alerts import log_serving_changes
        from core import notifications

        notifications.register(notifications.SERVING_CHANGES, "log", log_serving_changes)
