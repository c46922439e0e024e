from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from tasks.services import heartbeat_record

pytestmark = pytest.mark.django_db
NOON = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


def test_beat_alive_fails_before_the_first_heartbeat() -> None:
    with pytest.raises(CommandError, match="no heartbeat recorded yet"):
        call_command("beat_alive")


def test_beat_alive_passes_while_the_heartbeat_is_fresh_and_fails_when_stale() -> None:
    heartbeat_record(moment=NOON)
    out = StringIO()
    with time_machine.travel(NOON + dt.timedelta(seconds=45), tick=False):
        call_command("beat_alive", stdout=out)
    assert "beat: alive, the heartbeat ran 45s ago" in out.getvalue()
    with (
        time_machine.travel(NOON + dt.timedelta(minutes=4), tick=False),
        pytest.raises(CommandError, match="stale, the heartbeat last ran 240s ago"),
    ):
        call_command("beat_alive")
    with time_machine.travel(NOON + dt.timedelta(minutes=4), tick=False):
        call_command("beat_alive", "--max-age", "300", stdout=StringIO())
