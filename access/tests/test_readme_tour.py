"""The README's API-key tour runs as written against a live server."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from pytest_django.live_server_helper import LiveServer
from rest_framework.authtoken.models import Token

from access.models import ApiKey
from access.roles import Role
from api.groups import OPS
from conftest import IN_CI
from core.tests.factories import make_brand
from spending.models import Spend

from .helpers import make_person, make_team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
README = Path(settings.BASE_DIR) / "README.md"


def tour() -> str:
    """The fenced ``sh`` block of "A tour with an API key"."""
    section = README.read_text().split("#### A tour with an API key", 1)[1]
    return str(re.findall(r"```sh\n(.*?)```", section, flags=re.S)[0])


def test_the_readme_api_key_tour_runs(live_server: LiveServer) -> None:
    if not (shutil.which("curl") and shutil.which("jq") and shutil.which("bash")):
        if IN_CI:
            pytest.fail("the README tour needs bash, curl and jq")
        pytest.skip("the README tour needs bash, curl and jq")
    # given: the set-up the README describes (alice's token; brand Acme in Acme team, alice manager)
    alice = make_person("alice", group=OPS)
    team = make_team("Acme team", [make_brand(name="Acme")], members=[(alice, Role.MANAGER)])
    token = Token.objects.create(user=alice).key
    substitutions = {"API": f"{live_server.url}/api/v1", "TOKEN": token, "TEAM": str(team.pk)}
    script = tour()
    for name, value in substitutions.items():
        script, count = re.subn(rf"^{name}=.*$", f"{name}={value}", script, flags=re.M)
        assert count == 1, name

    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "401"
    assert '"is_active": true' in result.stdout  # the spend's campaign_state
    key = ApiKey.objects.get()
    assert (key.name, key.role, key.revoked, key.revoked_by) == (
        "google-ads sync",
        "integration",
        True,
        "token: alice",
    )
    assert key.last_used_at is not None
    spend = Spend.objects.get()
    assert (spend.source, str(spend.amount), spend.brand.name) == ("google-ads", "12.50", "Acme")
    assert key.prefix in result.stdout
