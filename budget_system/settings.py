"""Settings for the Budget System, read from the environment in this one place.

Every value that differs between a laptop, CI and production comes from an
environment variable (12-factor). Defaults are chosen so that ``make run`` works on
a machine with nothing but Python: a local SQLite file and an embedded broker.
PostgreSQL is the production and CI database.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from core import pgdriver

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_VALUES = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in TRUE_VALUES


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


DEBUG = env_bool("DEBUG", default=False)

# A development-only fallback key. Production settings refuse to start without SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY") or "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "ops.apps.OpsAdminConfig",  # django.contrib.admin, with ops.sites.OpsAdminSite as admin.site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Static files come from WhiteNoise in every configuration (below): runserver does not
    # serve them itself, so `make run` answers /static/ exactly as production does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "core",
    "brands",
    "scheduling",
    "campaigns",
    "spending",
    "tasks",
    "ops",
    "django_celery_beat",
    "axes",
    "import_export",  # the admin lists' CSV/XLSX export (export only: ops.exports)
]

MIDDLEWARE = [
    # First, so that every log line of the request (and its response header) has the id.
    "core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (the admin's CSS and JavaScript, the API docs): WhiteNoise, right after
    # SecurityMiddleware, whatever DEBUG says.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: refuses a locked-out admin login with 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "budget_system.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "budget_system.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# The PostgreSQL driver: psycopg2 (default) or psycopg (psycopg 3). Both are installed and
# pass the whole suite (CI runs it on each); Django would load psycopg 3 whenever it can be
# imported, so `select` makes the other driver unimportable in this process. psycopg2 is the
# default because the measured figures (README "Performance") were taken with it; psycopg 3
# is there for packages that need it. core/pgdriver.py holds every difference between them.
DB_DRIVER = pgdriver.select(os.environ.get("DB_DRIVER", "").strip() or pgdriver.PSYCOPG2)
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Short OLTP statements: parallel workers cost more to start than they save (the sweep's
    # totals statement runs twice as fast without them). Raise it for ad-hoc analytics.
    # The prepared hot-path statements (core/prepared.py) are planned once per connection:
    # a custom plan per execution would cost as much as not preparing them.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c max_parallel_workers_per_gather={env_int('DB_MAX_PARALLEL_WORKERS_PER_GATHER', 0)} "
        "-c plan_cache_mode=force_generic_plan"
    )
# The hot-path statements (recording spend, loading campaigns) are prepared once per
# connection (core/prepared.py). Turn off behind a pooler in transaction mode (PgBouncer),
# which may hand each transaction a different server session.
DB_PREPARED_STATEMENTS = env_bool("DB_PREPARED_STATEMENTS", default=True)

# --- Admin login lockout (django-axes) ---------------------------------------------------
# After AXES_FAILURE_LIMIT wrong passwords for one username from one address, that pair is
# locked out for ADMIN_LOCKOUT_MINUTES (429); `manage.py axes_reset_username <user>` (or
# `axes_reset`) unlocks at once. Attempts are kept in the database (admin: Axes).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("ADMIN_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("ADMIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = None
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Development and tests: WhiteNoise serves the apps' static folders as they are (no
# collectstatic step, no STATIC_ROOT), so `make run` shows a styled admin with DEBUG off.
# Production (settings_production) serves the hashed, compressed files that collectstatic
# built in STATIC_ROOT instead.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Budget rules -------------------------------------------------------------------
# How many campaigns one reconcile batch evaluates (a fixed number of queries per batch).
RECONCILE_BATCH_SIZE = env_int("RECONCILE_BATCH_SIZE", 2000)
# How far ahead of the brand's local today a spend date may lie (ETL jobs running in UTC
# legitimately report "tomorrow" for brands west of them).
SPEND_MAX_DAYS_AHEAD = env_int("SPEND_MAX_DAYS_AHEAD", 1)

# Logs go to stderr, one line per event: LOG_FORMAT=plain (default) or json (one object a
# line, with the `extra` fields such as campaign_id, brand_id, reason as keys). Every line
# written while a web request is handled carries its request id (core.middleware).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "").strip().lower() or "plain"
if LOG_FORMAT not in {"plain", "json"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"LOG_FORMAT must be 'plain' or 'json', not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "core.logging.RequestIdFilter"},
        # The Beat heartbeat (every 30 s) is logged at DEBUG: Beat's send, the worker's
        # received and succeeded lines (the task's own line is a DEBUG record already).
        "heartbeat_at_debug": {"()": "core.logging.DemoteToDebugFilter", "contains": ["tasks.heartbeat"]},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "loggers": {
        name: {"filters": ["heartbeat_at_debug"]}
        for name in ("celery.beat", "celery.worker.strategy", "celery.app.trace")
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Automation: Celery, Beat, spend source, alerts (owned by the automation issue) -----
# Broker: Redis in production and CI (CELERY_BROKER_URL=redis://...). When unset, an
# embedded broker that needs no server: kombu's filesystem transport under .run/broker/
# (one machine only; it is what `make run` uses on a laptop with nothing but Python).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "").strip() or "filesystem://"
CELERY_BROKER_DIR = Path(os.environ.get("CELERY_BROKER_DIR", "").strip() or BASE_DIR / ".run" / "broker")
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
# The longest a retried task waits for its next attempt (the cap of every exponential backoff
# in tasks/tasks.py; Celery's default cap too).
TASK_RETRY_BACKOFF_MAX = 600
# How the limits fit together (README "Automation"), with T the hard time limit (defaults in
# brackets):
# - A worker holds a message unacknowledged until its retry countdown is due (at most
#   TASK_RETRY_BACKOFF_MAX) and then while the task runs (at most T): 900 s at most.
# - Redis gives an unacknowledged message to another worker after the visibility timeout
#   (Redis' default: one hour). One minute over that bound [960 s], it never hands out a task
#   that a live worker still holds, and a dead worker's messages come back within 16 minutes.
# - A sweep chunk not started SWEEP_CHUNK_EXPIRES after dispatch is dropped: the visibility
#   timeout plus one run [1260 s], so that a chunk Redis gives back is still run. (The old
#   600 s expiry dropped every chunk that came back after Redis' hour.)
# - The watchdog (tasks/chunks.py) does not wait for Redis: it completes a run on which no
#   chunk has finished for SWEEP_STALL_DEADLINE, T plus one minute [360 s], so that a chunk
#   still running within its time limit is not run a second time.
BROKER_VISIBILITY_TIMEOUT = TASK_RETRY_BACKOFF_MAX + CELERY_TASK_TIME_LIMIT + 60
SWEEP_CHUNK_EXPIRES = BROKER_VISIBILITY_TIMEOUT + CELERY_TASK_TIME_LIMIT
SWEEP_STALL_DEADLINE = env_int("SWEEP_STALL_DEADLINE", CELERY_TASK_TIME_LIMIT + 60)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = (
    {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem://")
    else {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT}
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Results are optional: jobs record their outcome in the database and the log.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "").strip() or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"  # Beat's clock; brands' days are computed in their own zones
CELERY_ENABLE_UTC = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "").strip() or "celery"
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 1000)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A sweep over more status-active campaigns than this is split into pk-range chunks
# dispatched as a Celery group, so that more workers divide the work.
SWEEP_CHUNK_SIZE = env_int("SWEEP_CHUNK_SIZE", 1000)
# Where sync_spend reads spend from: "none" (production: spend arrives through the API),
# "simulated" (demos and load; deterministic with SPEND_SOURCE_SEED), or a dotted path to
# a class implementing tasks.spend_sources.SpendSource.
SPEND_SOURCE = os.environ.get("SPEND_SOURCE", "").strip() or "none"
SPEND_SOURCE_SEED = env_int("SPEND_SOURCE_SEED", 42)
# When set, `migrate` makes it a webhook endpoint (serving changes, signed, fed from the
# event log: events.endpoints.alert_endpoint_sync).
ALERT_WEBHOOK_URL = os.environ.get("ALERT_WEBHOOK_URL", "").strip()
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # `make run` has web, worker and Beat writing one SQLite file: wait for the lock
    # instead of failing, and take the write lock when a transaction begins.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
# --- end of the automation block --------------------------------------------------------

# === REST API v1 (the api app: issue 4) ==============================================
# Everything the REST API needs, in one block: apps, DRF, drf-spectacular, throttle rates,
# health checks. See README.md "API" and api/.
INSTALLED_APPS += [
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from our static files (offline, pinned)
    "api",
]
# Every error under /api/ is JSON (unmatched paths, 500, a lost database: 503); outside the
# request id (so that its log lines carry it), the security middleware and static files.
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1, "api.middleware.ApiErrorMiddleware"
)

# Requests per user and period ("<n>/<second|minute|hour|day>"); reads and writes apart.
API_THROTTLE_READ_RATE = os.environ.get("API_THROTTLE_READ_RATE", "1200/minute")
API_THROTTLE_WRITE_RATE = os.environ.get("API_THROTTLE_WRITE_RATE", "600/minute")
API_MAX_PAGE_SIZE = 500
# Failed token authentications per client address before it gets 429 for the window.
API_AUTH_FAILURE_RATE = os.environ.get("API_AUTH_FAILURE_RATE", "20/minute")
# Throttle counters (core.hitcounters): Redis when the default cache is Redis (production),
# otherwise this SQLite file, shared by every process of the machine (make run).
COUNTER_FILE = Path(os.environ.get("COUNTER_FILE", "").strip() or BASE_DIR / ".run" / "counters.sqlite3")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.key_auth.ApiKeyAuthentication",  # Authorization: Api-Key <key> (teams, issue 16)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ModelPermissions"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"read": API_THROTTLE_READ_RATE, "write": API_THROTTLE_WRITE_RATE},
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Proxies in front whose X-Forwarded-For is trusted for the client address (0: REMOTE_ADDR).
    "NUM_PROXIES": env_int("API_NUM_PROXIES", 0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Budget System API",
    "DESCRIPTION": (
        "REST API v1 of the Budget System: brands, campaigns, dayparting schedules and the "
        "append-only spend ledger, with budget status and idempotent spend ingestion. "
        "Authenticate with `Authorization: Token <key>` (or a Django session)."
    ),
    "VERSION": "1.0.0",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CampaignStatusEnum": "campaigns.rules.Status",
        "PauseReasonEnum": "campaigns.rules.PauseReason",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums"],
}

# Health checks (api/health.py): extra or replacement checks as {"name": "dotted.path"};
# a check returns "ok", "unknown" (reported, not failing) or raises / returns an error text.
HEALTH_CHECKS: dict[str, str] = {}
HEALTH_BROKER_TIMEOUT_SECONDS = 1.0
HEALTH_BEAT_MAX_AGE_SECONDS = env_int("HEALTH_BEAT_MAX_AGE_SECONDS", 180)
# === end REST API v1 ================================================================

# === Teams and scoped access (the access app: issue 16) ================================
# Teams, roles and API keys (README "Teams, roles and API keys"). API keys are hashed at
# rest by djangorestframework-api-key (its app holds the abstract model access.ApiKey
# extends; its own APIKey table stays unused and is hidden from the admin).
INSTALLED_APPS += ["rest_framework_api_key", "access"]
# `Authorization: Api-Key <prefix>.<secret>` is in REST_FRAMEWORK's authentication classes
# above, after the token class (whose "Token" stays the WWW-Authenticate challenge of a 401).
SPECTACULAR_SETTINGS["DESCRIPTION"] = (
    f"{SPECTACULAR_SETTINGS['DESCRIPTION']} A team's API key works too: `Authorization: Api-Key <key>`."
)
# === end Teams and scoped access ========================================================
# === Events and webhooks (the events app: issue 14) ====================================
# The event log (a transactional outbox), its feed (GET /api/v1/events/) and the webhook
# endpoints fed from it. See README.md "Events and webhooks" and events/.
# Before "api": the API's permission groups are synced once every app's permissions exist.
INSTALLED_APPS.insert(INSTALLED_APPS.index("api"), "events")
# Retention (the daily events.purge_events job): every event, and budget-change audit events.
EVENT_RETENTION_DAYS = env_int("EVENT_RETENTION_DAYS", 90)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 730)
# Delivery: one request at most WEBHOOK_TIMEOUT_SECONDS, answers read up to 64 KiB.
WEBHOOK_TIMEOUT_SECONDS = env_int("WEBHOOK_TIMEOUT_SECONDS", 10)
WEBHOOK_MAX_RESPONSE_BYTES = 64 * 1024
# Development and tests deliver to receivers on this machine over http; production
# settings allow https only and public addresses only (unless WEBHOOK_ALLOW_PRIVATE_URLS).
WEBHOOK_HTTPS_ONLY = False
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=True)
# Retries: base * 2^(attempt-1), at most the max delay, for 3 days after the first attempt.
WEBHOOK_RETRY_BASE_SECONDS = float(os.environ.get("WEBHOOK_RETRY_BASE_SECONDS", "").strip() or 10)
WEBHOOK_RETRY_MAX_DELAY_SECONDS = env_int("WEBHOOK_RETRY_MAX_DELAY_SECONDS", 6 * 3600)
WEBHOOK_RETRY_FOR_SECONDS = env_int("WEBHOOK_RETRY_FOR_SECONDS", 3 * 24 * 3600)
# A failing event holds back the later ones of its endpoint this long, then they proceed.
WEBHOOK_HOLD_BACK_SECONDS = env_int("WEBHOOK_HOLD_BACK_SECONDS", 3600)
# An endpoint whose every delivery failed for this long is disabled.
WEBHOOK_DISABLE_AFTER_SECONDS = env_int("WEBHOOK_DISABLE_AFTER_SECONDS", 5 * 24 * 3600)
# A dispatcher's claim on an endpoint lasts one request plus this margin (renewed before
# each request): a killed worker's endpoints are taken over after at most that long.
WEBHOOK_LEASE_MARGIN_SECONDS = env_int("WEBHOOK_LEASE_MARGIN_SECONDS", 20)
WEBHOOK_DISPATCH_SECONDS = 60  # one dispatcher run's time budget
WEBHOOK_REPLAY_MAX_EVENTS = 10_000  # per replay request (the answer says where to go on)
# Alert e-mails (events.alert_emails): a brand's alert_emails get one message per alert type
# per ALERT_EMAIL_MIN_INTERVAL (seconds; a timedelta works too), summarising what happened.
ALERT_EMAIL_MIN_INTERVAL = env_int("ALERT_EMAIL_MIN_INTERVAL", 15 * 60)
# Development prints messages on the console; production settings send them over SMTP
# (EMAIL_HOST, ...); tests collect them in django.core.mail.outbox (pytest-django: locmem).
# EMAIL_BACKEND may name another backend (the end-to-end test's worker writes files:
# django.core.mail.backends.filebased.EmailBackend with EMAIL_FILE_PATH).
EMAIL_BACKEND = (
    os.environ.get("EMAIL_BACKEND", "").strip() or "django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "").strip() or None
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "").strip() or "Budget System <alerts@localhost>"
EMAIL_TIMEOUT = 10  # seconds: a message is sent while its state's row is locked
# === end events and webhooks ===========================================================
