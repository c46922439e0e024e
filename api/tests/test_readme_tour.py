"""The README's curl tour runs as written against a live server."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from pytest_django.live_server_helper import LiveServer
from rest_framework.authtoken.models import Token

from api.groups import OPS
from campaigns.models import Campaign
from conftest import IN_CI
from spending.models import Spend

from .conftest import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
README = Path(settings.BASE_DIR) / "README.md"


def tour() -> str:
    """The fenced ``sh`` block of the README's "A tour with curl" that defines ``API=``."""
    section = README.read_text().split("### A tour with curl", 1)[1]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    return str(next(block for block in blocks if re.search(r"^API=", block, flags=re.M)))


def test_the_readme_tour_runs(live_server: LiveServer) -> None:
    if not (shutil.which("curl") and shutil.which("jq") and shutil.which("bash")):
        if IN_CI:
            pytest.fail("the README tour needs bash, curl and jq")
        pytest.skip("the README tour needs bash, curl and jq")
    token = Token.objects.create(user=make_user("ops-alice", OPS)).key
    script = tour()
    script, api_lines = re.subn(r"^API=.*$", f"API={live_server.url}/api/v1", script, flags=re.M)
    script, token_lines = re.subn(r"^TOKEN=.*$", f"TOKEN={token}", script, flags=re.M)
    assert (api_lines, token_lines) == (1, 1)

    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert '"pause_reason": "campaign_daily_budget"' in result.stdout
    campaign = Campaign.objects.get(name="Black Friday")
    assert (campaign.is_active, campaign.pause_reason) == (False, "campaign_daily_budget")
    assert Spend.objects.get().external_id == "gads-row-991"
