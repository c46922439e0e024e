"""The Budget System project package; exports the Celery app so ``-A budget_system`` finds it."""

from budget_system.celery import app as celery_app

__all__ = ("celery_app",)
