"""The deployment files: docker-compose.yml, the Dockerfile, .env.example and the README's
configuration table, read and checked without Docker."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from core.tests.test_production_stack import COMMANDS, PROBES

ROOT = Path(settings.BASE_DIR)
LONG_RUNNING = {"postgres", "redis", "web", "worker", "beat"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$", re.IGNORECASE)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


def _services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = compose["services"]
    return services


def _environment(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in raw)
    return {str(key): str(value) for key, value in raw.items()}


def test_compose_has_the_five_services_and_the_one_shot_migrate(compose: dict[str, Any]) -> None:
    services = _services(compose)
    assert set(services) == LONG_RUNNING | {"migrate"}
    assert services["migrate"]["restart"] == "no"
    for name in LONG_RUNNING:
        assert services[name]["restart"] == "unless-stopped", name


def test_every_service_has_a_health_check(compose: dict[str, Any]) -> None:
    for name, service in _services(compose).items():
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert check.get("test"), f"{name} has no healthcheck test"
        assert not check.get("disable"), name
    checks = {name: " ".join(service["healthcheck"]["test"]) for name, service in _services(compose).items()}
    assert "pg_isready" in checks["postgres"]
    assert "redis-cli ping" in checks["redis"]
    assert "core.healthprobe" in checks["web"]  # GET /api/v1/health/
    assert "inspect ping -d celery@$$HOSTNAME" in checks["worker"]
    assert "beat_alive" in checks["beat"]


def test_dependencies_wait_for_healthy_services_and_the_finished_migration(compose: dict[str, Any]) -> None:
    services = _services(compose)
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"] == {"condition": "service_healthy"}, name
        assert depends["redis"] == {"condition": "service_healthy"}, name
        assert depends["migrate"] == {"condition": "service_completed_successfully"}, name
    assert services["beat"]["depends_on"]["worker"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for service in services.values():
        for dependency in (service.get("depends_on") or {}).values():
            assert dependency["condition"] in {"service_healthy", "service_completed_successfully"}


def test_no_secret_is_written_in_the_compose_file(compose: dict[str, Any]) -> None:
    for name, service in _services(compose).items():
        if name != "redis":  # Redis reads no settings
            assert service.get("env_file") == ".env", name
        for key, value in _environment(service).items():
            assert not SECRET_NAME.search(key), f"{name} sets {key} inline: put it in .env"
            assert not re.search(r"://[^/\s:@]+:[^@\s]+@", value), f"{name}: credentials in {key}"
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"(PASSWORD|SECRET_KEY)\s*[:=]\s*\S", text)


def test_images_are_pinned_to_a_major_version(compose: dict[str, Any]) -> None:
    for name, service in _services(compose).items():
        image = service.get("image")
        if "build" in service:
            assert image is None or not image.endswith(":latest"), name
            continue
        assert image, f"{name} has neither image nor build"
        tag = image.partition(":")[2]
        assert tag, f"{name}: {image} is untagged"
        assert tag != "latest", f"{name}: {image} is not pinned"
        assert re.match(r"^\d+", tag), f"{name}: {image} is not pinned to a version"
    services = _services(compose)
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"


def test_named_volumes_hold_the_data(compose: dict[str, Any]) -> None:
    assert set(compose["volumes"]) == {"postgres-data", "redis-data"}
    assert "postgres-data:/var/lib/postgresql/data" in _services(compose)["postgres"]["volumes"]


def test_compose_runs_the_commands_the_no_docker_test_runs(compose: dict[str, Any]) -> None:
    services = _services(compose)
    for name, command in COMMANDS.items():
        assert services[name]["command"] == command, name
    for name, probe in PROBES.items():
        test = services[name]["healthcheck"]["test"]
        argv = test[1:] if test[0] == "CMD" else test[1].replace("$$", "$").split()
        assert argv == probe, name


def _dockerfile() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_the_dockerfile_runs_gunicorn_as_an_unprivileged_user() -> None:
    instructions = _dockerfile()
    froms = [rest for keyword, rest in instructions if keyword == "FROM"]
    assert froms == ["python:3.11-slim"]
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users, "no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}
    cmd = [rest for keyword, rest in instructions if keyword == "CMD"][-1]
    assert cmd.startswith('["gunicorn"'), cmd
    assert COMMANDS["web"] == yaml.safe_load(cmd)
    conf = (ROOT / "budget_system/gunicorn_conf.py").read_text()
    assert 'os.environ.get("WEB_CONCURRENCY"' in conf
    # Dependencies before the code: the pip layer stays cached while only code changes.
    steps = [f"{keyword} {rest}" for keyword, rest in instructions]
    requirements = steps.index("COPY requirements.txt ./")
    assert steps[requirements + 1].startswith("RUN pip install -r requirements.txt")
    assert requirements + 1 < steps.index("COPY . .")
    assert any("collectstatic" in step for step in steps[steps.index("COPY . .") :])
    assert steps.index(f"USER {users[-1]}") > steps.index("COPY . .")


def test_the_dockerignore_keeps_secrets_and_local_state_out() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".env", ".venv", ".git", "*.sqlite3", ".run/"):
        assert entry in ignored, entry


def settings_variables() -> set[str]:
    """Every environment variable the settings files (and gunicorn's config) read."""
    found: set[str] = set()
    pattern = re.compile(
        r"""(?:os\.environ\.get|os\.environ\[|os\.getenv|env_bool|env_int|env_list)\(?\s*["']([A-Z][A-Z0-9_]+)["']"""
    )
    for path in [*ROOT.glob("budget_system/settings*.py"), ROOT / "budget_system/gunicorn_conf.py"]:
        found |= set(pattern.findall(path.read_text()))
    return found


def test_the_settings_variables_are_found() -> None:
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "LOG_FORMAT", "WEB_CONCURRENCY"} <= (
        settings_variables()
    )


def test_env_example_lists_every_variable_the_settings_read() -> None:
    text = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))
    assert settings_variables() - listed == set()
    assert re.search(r"^SECRET_KEY=$", text, re.MULTILINE), "the example must not carry a secret key"
    assert "DJANGO_SETTINGS_MODULE=budget_system.settings_production" in text


def test_the_readme_configuration_table_lists_every_variable() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("### Configuration") :]
    listed = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", table, re.MULTILINE))
    assert settings_variables() - listed == set()


def test_the_readme_starts_with_make_run_and_make_test() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^make \w+", readme, re.MULTILINE)
    assert commands[:2] == ["make run", "make test"]
    for section in ("## Production", "### Architecture", "### Scaling", "### Backups"):
        assert section in readme, section
    assert "pg_dump" in readme
    assert "pg_restore" in readme


def test_make_up_and_the_demo_admin_are_in_the_makefile() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "docker compose up --build" in makefile
    demo = makefile[makefile.index("demo: migrate") :].split("\n\n")[0]
    assert "manage.py bootstrap_admin" in demo
