"""Production settings: the base settings, secure by default.

    DJANGO_SETTINGS_MODULE=budget_system.settings_production

Everything comes from the environment (``.env.example`` lists every variable). Refuses to
start without a real ``SECRET_KEY`` or without ``ALLOWED_HOSTS``; DEBUG is always off;
cookies are secure; HSTS and the HTTPS redirect are on unless turned off explicitly
(``SECURE_SSL_REDIRECT=false`` when a proxy in front already redirects); static files are
served by WhiteNoise from the manifest built by ``collectstatic``; the cache (API throttling
counters) is shared by every gunicorn worker through Redis. ``manage.py check --deploy
--fail-level WARNING`` passes with these settings.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from budget_system.settings import *  # noqa: F403 - the base, then what production changes
from budget_system.settings import (
    BASE_DIR,
    LOGGING,
    env_bool,
    env_int,
    env_list,
)

DEVELOPMENT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105 - refused below

DEBUG = False

SECRET_KEY = os.environ.get("SECRET_KEY", "").strip()
if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: production settings (budget_system.settings_production) refuse to "
        "start without a secret key of their own. Set SECRET_KEY in the environment (.env), e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set: production settings need the host names this site answers to, "
        "comma-separated (e.g. ALLOWED_HOSTS=budget.example.com)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- HTTPS -----------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
# The in-network health probes speak plain HTTP to gunicorn: never redirect them.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/health/$"]


def _proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """``"HTTP_X_FORWARDED_PROTO,https"`` -> the tuple Django wants; empty -> None (no proxy)."""
    if not raw.strip():
        return None
    name, _, value = raw.partition(",")
    if not name.strip() or not value.strip():
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must look like 'HTTP_X_FORWARDED_PROTO,https' (header, value)."
        )
    return name.strip(), value.strip()


# Set it only behind a proxy that always sets (and strips from clients) that header.
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(os.environ.get("SECURE_PROXY_SSL_HEADER", ""))
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- Static files: WhiteNoise (in the base MIDDLEWARE), from what collectstatic built ----------
STATIC_ROOT = BASE_DIR / "staticfiles"
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- A cache shared by every gunicorn worker (API throttling counts together) ----------------
CACHE_URL = os.environ.get("CACHE_URL", "").strip() or os.environ.get("REDIS_URL", "").strip()
CACHES = {
    "default": (
        {
            # Django's RedisCache, failing open: with Redis down a throttle count is lost, never
            # a spend (core/cache.py).
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "").strip() or "budget",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}  # per process only
    )
}

# --- Logs: JSON lines unless LOG_FORMAT says otherwise ------------------------------------
LOG_FORMAT = os.environ.get("LOG_FORMAT", "").strip().lower() or "json"
_console: dict[str, object] = LOGGING["handlers"]["console"]  # type: ignore[index]
_console["formatter"] = LOG_FORMAT

# --- Webhooks (events app): https only, and never to a loopback, private or link-local --------
# address unless WEBHOOK_ALLOW_PRIVATE_URLS=true (a receiver inside the private network).
WEBHOOK_HTTPS_ONLY = True
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)

# --- E-mail: alert e-mails over SMTP (the base prints them on the console) --------------------
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip() or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "").strip()
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or "Budget System <alerts@localhost>"
