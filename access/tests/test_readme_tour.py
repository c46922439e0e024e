"""The README's API-key tour runs as written against a live server."""

from __future__ import annotations

import pytest
from pytest_django.live_server_helper import LiveServer
from rest_framework.authtoken.models import Token

from access.models import ApiKey
from access.roles import Role
from api.groups import OPS
from core.tests.factories import make_brand
from core.tests.readme import run_tour, sh_block
from spending.models import Spend

from .helpers import make_person, make_team

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_readme_api_key_tour_runs(live_server: LiveServer) -> None:
    # given: the set-up the README describes (alice's token; brand Acme in Acme team, alice
    # manager; brand Globex in another team)
    alice = make_person("alice", group=OPS)
    team = make_team("Acme team", [make_brand(name="Acme")], members=[(alice, Role.MANAGER)])
    globex = make_brand(name="Globex")
    make_team("Globex team", [globex])
    token = Token.objects.create(user=alice).key

    result = run_tour(
        sh_block("#### A tour with an API key", defines="API"),
        {"API": f"{live_server.url}/api/v1", "TOKEN": token, "TEAM": str(team.pk), "OTHER": str(globex.pk)},
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "401"
    assert '["Acme"]' in result.stdout.splitlines()  # the key's brands: its team's only
    assert "404" in result.stdout.splitlines()  # another team's brand, for the key
    assert '"is_active": true' in result.stdout  # the spend's campaign_state
    key = ApiKey.objects.get()
    assert (key.name, key.role, key.revoked, key.revoked_by) == (
        "google-ads sync",
        "integration",
        True,
        "token: alice",
    )
    assert key.last_used_at is not None
    assert key.prefix in result.stdout
    spend = Spend.objects.get()
    assert (spend.source, str(spend.amount), spend.brand.name) == ("google-ads", "12.50", "Acme")
