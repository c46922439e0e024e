"""The Beat heartbeat (every 30 seconds) is logged at DEBUG: its own line and Celery's."""

from __future__ import annotations

import logging
from typing import cast

import pytest
from django.conf import settings

from core.logging import DemoteToDebugFilter

ROUTINE = (
    ("celery.beat", "Scheduler: Sending due task beat heartbeat (tasks.heartbeat)"),
    ("celery.worker.strategy", "Task tasks.heartbeat[5c28] received"),
    ("celery.app.trace", "Task tasks.heartbeat[5c28] succeeded in 0.04s: '2026-12-03T13:16:34'"),
)


def _record(name: str, message: str, level: int = logging.INFO) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, message, None, None)


def test_routine_lines_become_debug_and_others_pass() -> None:
    quiet = DemoteToDebugFilter(contains=["tasks.heartbeat"])
    logging.getLogger("probe.routine").setLevel(logging.INFO)

    routine = _record("probe.routine", "Task tasks.heartbeat[1] received")
    other = _record("probe.routine", "Task tasks.enforce_budgets[1] received")
    warning = _record("probe.routine", "tasks.heartbeat failed", logging.WARNING)

    assert quiet.filter(routine) is False
    assert (routine.levelno, routine.levelname) == (logging.DEBUG, "DEBUG")
    assert quiet.filter(other) is True
    assert other.levelno == logging.INFO
    assert quiet.filter(warning) is False  # demoted too: only DEBUG loggers show it
    logging.getLogger("probe.routine").setLevel(logging.DEBUG)
    assert quiet.filter(_record("probe.routine", "Task tasks.heartbeat[2] received")) is True


def test_the_logging_settings_put_the_filter_on_celerys_loggers(caplog: pytest.LogCaptureFixture) -> None:
    # Django configured logging from settings.LOGGING at start-up (workers and Beat do the same).
    loggers = cast(dict[str, dict[str, list[str]]], settings.LOGGING["loggers"])
    for name in ("celery.beat", "celery.worker.strategy", "celery.app.trace"):
        assert loggers[name]["filters"] == ["heartbeat_at_debug"]
        assert any(isinstance(f, DemoteToDebugFilter) for f in logging.getLogger(name).filters)
    with caplog.at_level(logging.INFO):
        for name, message in ROUTINE:
            logging.getLogger(name).info(message)
        logging.getLogger("celery.app.trace").info("Task tasks.enforce_budgets[9] succeeded in 0.1s")
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO] == [
        "Task tasks.enforce_budgets[9] succeeded in 0.1s"
    ]


@pytest.mark.django_db
def test_the_heartbeat_task_logs_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    from tasks.tasks import heartbeat

    with caplog.at_level(logging.INFO, logger="budget.jobs"):
        heartbeat()
    assert not [r for r in caplog.records if "heartbeat" in r.getMessage() and r.levelno >= logging.INFO]
