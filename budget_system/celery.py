"""The Celery application: ``celery -A budget_system worker`` and ``celery -A budget_system beat``.

Configuration comes from Django settings in the ``CELERY_`` namespace (see the automation
block of ``settings.py``); tasks are discovered in each app's ``tasks`` module.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import after_setup_logger, setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "budget_system.settings")

app = Celery("budget_system")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _prepare_embedded_broker(sender: Celery, **kwargs: Any) -> None:
    """The filesystem transport needs its folders to exist before the first message."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        folder = options.get(key)
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)


@after_setup_logger.connect
def _job_lines_at_info(loglevel: int | None = None, **kwargs: Any) -> None:
    """Job summaries and Beat's sends are logged at INFO even when no ``--loglevel`` is given
    (Celery's default is WARNING), so ``celery -A budget_system worker`` needs no flags."""
    level = min(loglevel or logging.INFO, logging.INFO)
    for name in ("budget", "celery.beat"):
        logging.getLogger(name).setLevel(level)


@setup_logging.connect
def _django_logging(**kwargs: Any) -> None:
    """Workers and Beat log through Django's ``LOGGING`` (``LOG_FORMAT=json|plain``), like the
    web processes, instead of Celery's own format: one format for every process."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
