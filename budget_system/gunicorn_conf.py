"""gunicorn's configuration: ``gunicorn -c budget_system/gunicorn_conf.py budget_system.wsgi``.

From the environment: ``WEB_CONCURRENCY`` (worker processes, default 2), ``PORT`` (default
8000, on every interface), ``GUNICORN_TIMEOUT`` (seconds, default 30). Request lines are
logged by the Django middleware (with their request ids), not by gunicorn's access log.
"""

from __future__ import annotations

import os

bind = f"{os.environ.get('GUNICORN_BIND_HOST', '0.0.0.0')}:{int(os.environ.get('PORT', '8000'))}"  # noqa: S104 - inside a container
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Keep-alive just above a typical load balancer's idle timeout would be set by the operator;
# the default (2 s) suits a proxy in front that reuses connections little.
accesslog = None
errorlog = "-"
# Headers like X-Forwarded-Proto are trusted from these addresses only (the proxy in front).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
