from django.apps import AppConfig


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from core import pgdriver, prepared  # noqa: F401 - prepared connects its receiver

        connection_created.connect(pgdriver.check_connection, dispatch_uid="core.pgdriver.check_connection")
