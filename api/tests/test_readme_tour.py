"""The README's curl tour runs as written against a live server."""

from __future__ import annotations

import re
import shlex
from io import StringIO

import pytest
from django.core.management import call_command
from pytest_django.live_server_helper import LiveServer

from campaigns.models import Campaign
from core.tests.readme import README, run_tour, sh_block
from spending.models import Spend

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def tour() -> str:
    """The fenced ``sh`` block of the README's "A tour with curl" that defines ``API=``."""
    return sh_block("### A tour with curl", defines="API")


def test_the_readme_tour_runs(live_server: LiveServer) -> None:
    # given: the token the README's set-up line prints (an ops staff member)
    setup = re.search(r"python manage.py (create_api_token .*)", README.read_text())
    assert setup is not None
    printed = StringIO()
    call_command(*shlex.split(setup.group(1)), stdout=printed)
    token = printed.getvalue().strip()

    result = run_tour(tour(), {"API": f"{live_server.url}/api/v1", "TOKEN": token})

    assert result.returncode == 0, result.stdout + result.stderr
    assert '"pause_reason": "campaign_daily_budget"' in result.stdout
    campaign = Campaign.objects.get(name="Black Friday")
    assert (campaign.is_active, campaign.pause_reason) == (False, "campaign_daily_budget")
    assert Spend.objects.get().external_id == "gads-row-991"
