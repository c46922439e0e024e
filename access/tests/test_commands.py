"""``manage.py create_api_key``: the key on stdout once, what was made on stderr."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command

from access.models import ApiKey
from access.selectors import api_key_matching, brands_in_scope
from core.tests.factories import make_brand

from .helpers import make_team, rows_containing

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def team() -> Any:
    return make_team("Acme team", [make_brand(name="Acme"), make_brand(name="Acme Outlet")])


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_it_prints_a_working_key_once(team: Any) -> None:
    with time_machine.travel(NOON, tick=False):
        key, told = run(
            "--team", "Acme team", "--role", "integration", "--brand", "Acme", "--expires-in", "90d"
        )

    stored = api_key_matching(key)
    assert stored is not None
    assert (stored.team, stored.role, stored.name, stored.created_by) == (
        team,
        "integration",
        "integration key",
        "system: create_api_key command",
    )
    assert stored.expiry_date == NOON + dt.timedelta(days=90)
    assert [brand.name for brand in brands_in_scope(stored)] == ["Acme"]
    assert stored.prefix in told
    assert key not in told
    assert rows_containing(key.split(".")[1]) == []


def test_team_and_brands_by_id_and_a_name(team: Any) -> None:
    brand = team.brands.get(name="Acme Outlet")

    key, _ = run("--team", str(team.pk), "--role", "viewer", "--brand", str(brand.pk), "--name", "dashboards")

    stored = api_key_matching(key)
    assert stored is not None
    assert (stored.name, stored.expiry_date) == ("dashboards", None)
    assert list(stored.brands.all()) == [brand]


def test_an_unknown_team_is_an_error_and_creates_nothing(team: Any) -> None:
    with pytest.raises(CommandError, match=r"No team 'Acme'.*does not create teams"):
        run("--team", "Acme", "--role", "integration")

    assert not ApiKey.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--brand", "Elsewhere"), "brands: Every brand must be one of the team's brands."),
        (("--brand", "Nowhere"), "Unknown brand 'Nowhere'"),
        (("--expires-in", "soon"), "Give a duration"),
        (("--name", "n" * 51), "name: At most 50 characters."),
    ],
)
def test_bad_arguments_create_nothing(team: Any, args: tuple[str, ...], message: str) -> None:
    make_team("Other", [make_brand(name="Elsewhere")])

    with pytest.raises(CommandError) as error:
        run("--team", "Acme team", "--role", "integration", *args)

    assert message in str(error.value)
    assert not ApiKey.objects.exists()
