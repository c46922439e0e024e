"""Production settings, loaded in subprocesses (settings cannot be re-imported in-process)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "CACHE_URL",
            "REDIS_URL",
            "LOG_FORMAT",
            "SECURE_PROXY_SSL_HEADER",
        }
    }
    clean["DJANGO_SETTINGS_MODULE"] = "budget_system.settings_production"
    clean.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def _show(**env: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'debug': s.DEBUG, 'hosts': s.ALLOWED_HOSTS, 'redirect': s.SECURE_SSL_REDIRECT, "
        "'proxy': s.SECURE_PROXY_SSL_HEADER, 'cache': s.CACHES['default']['BACKEND'], "
        "'formatter': s.LOGGING['handlers']['console']['formatter'], 'middleware': s.MIDDLEWARE[:3], "
        "'static': s.STORAGES['staticfiles']['BACKEND'], 'hsts': s.SECURE_HSTS_SECONDS}))"
    )
    return _run("-c", code, **env)


def test_check_deploy_passes_with_a_secret_and_a_host() -> None:
    result = _run(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="budget.example.com",
        CACHE_URL="redis://127.0.0.1:6379/3",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key() -> None:
    result = _run("manage.py", "check", ALLOWED_HOSTS="budget.example.com")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr
    assert "budget_system.settings_production" in result.stderr


def test_production_settings_refuse_the_development_key() -> None:
    result = _run(
        "manage.py",
        "check",
        SECRET_KEY="insecure-development-key-do-not-use-in-production",
        ALLOWED_HOSTS="budget.example.com",
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts() -> None:
    result = _run("manage.py", "check", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "ImproperlyConfigured: ALLOWED_HOSTS is not set" in result.stderr


def test_production_defaults_are_secure_and_configurable() -> None:
    import json

    key = secrets.token_urlsafe(50)
    defaults = _show(SECRET_KEY=key, ALLOWED_HOSTS="a.example.com,b.example.com", DEBUG="true")
    assert defaults.returncode == 0, defaults.stderr
    shown = json.loads(defaults.stdout)
    assert shown["debug"] is False  # DEBUG=true in the environment changes nothing
    assert shown["hosts"] == ["a.example.com", "b.example.com"]
    assert shown["redirect"] is True
    assert shown["proxy"] is None
    assert shown["hsts"] == 31_536_000
    assert shown["formatter"] == "json"
    assert shown["middleware"][1:3] == [
        "django.middleware.security.SecurityMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    assert shown["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert shown["cache"] == "django.core.cache.backends.locmem.LocMemCache"

    changed = _show(
        SECRET_KEY=key,
        ALLOWED_HOSTS="a.example.com",
        SECURE_SSL_REDIRECT="false",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        REDIS_URL="redis://127.0.0.1:6379/3",
        LOG_FORMAT="plain",
    )
    assert changed.returncode == 0, changed.stderr
    shown = json.loads(changed.stdout)
    assert shown["redirect"] is False
    assert shown["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert shown["cache"] == "core.cache.FailOpenRedisCache"
    assert shown["formatter"] == "plain"


def test_a_wrong_log_format_is_refused() -> None:
    result = _run(
        "-c", "import django; django.setup()", SECRET_KEY="x" * 50, ALLOWED_HOSTS="a", LOG_FORMAT="xml"
    )
    assert result.returncode != 0
    assert "LOG_FORMAT must be 'plain' or 'json'" in result.stderr


def test_http_is_redirected_to_https_except_the_health_probe(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.test import Client; "
        "c = Client(HTTP_HOST='a.example.com'); "
        "admin = c.get('/admin/login/'); health = c.get('/api/v1/health/'); "
        "print(admin.status_code, admin['Location'], health.status_code, health['X-Request-ID'] != '')"
    )
    result = _run(
        "-c",
        code,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="a.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    admin_status, location, health_status, has_id = result.stdout.split()
    assert (admin_status, location) == ("301", "https://a.example.com/admin/login/")
    assert health_status in {"200", "503"}  # answered over plain HTTP, not redirected
    assert has_id == "True"
