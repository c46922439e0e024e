from django.apps import AppConfig


class SpendingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "spending"
