"""gunicorn's configuration: ``gunicorn -c budget_system/gunicorn_conf.py budget_system.wsgi``.

From the environment: ``WEB_CONCURRENCY`` (worker processes, default 2), ``PORT`` (default
8000) on ``GUNICORN_BIND_HOST`` (default every interface), ``GUNICORN_TIMEOUT`` (seconds,
default 30), ``FORWARDED_ALLOW_IPS``. Request lines are logged by the Django middleware (with
their request ids), not by gunicorn's access log; with ``LOG_FORMAT=json`` (the production
default) gunicorn's own lines are JSON too.
"""

from __future__ import annotations

import os

bind = f"{os.environ.get('GUNICORN_BIND_HOST', '0.0.0.0')}:{int(os.environ.get('PORT', '8000'))}"  # noqa: S104 - inside a container
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
accesslog = None
errorlog = "-"
# No control socket (gunicornc): its default path is under $HOME, which the image's user
# cannot write, and processes are managed by signals (compose) anyway.
control_socket_disable = True
# Headers like X-Forwarded-Proto are trusted from these addresses only (the proxy in front).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

if (os.environ.get("LOG_FORMAT", "").strip().lower() or "json") == "json":
    _stderr = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
        "handlers": {"console": _stderr, "error_console": _stderr},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            # Off: budget.requests already logs every request, with its id and duration.
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
