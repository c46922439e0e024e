"""`make run` on a machine without Redis: web + worker + Beat on the embedded broker.

Starts the real `make run` with a temporary SQLite database and broker folder and no
CELERY_BROKER_URL, waits (bounded) until the worker log shows that the dayparting and budget
jobs ran and the web server answers, then sends Ctrl-C (SIGINT to the process group, as a
terminal does) and checks that all three processes stopped.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from core.tests.servers import MakeRun, free_port

pytestmark = pytest.mark.slow

DEADLINE_SECONDS = 120  # the acceptance bound; it takes about 20 seconds


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_starts_web_worker_and_beat_on_the_embedded_broker(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CELERY_")}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "CELERY_BROKER_DIR": str(tmp_path / "broker"),
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "ADMIN_CREDENTIALS": str(tmp_path / "admin.json"),
        }
    )
    with MakeRun(settings.BASE_DIR, [], env) as run:
        wanted = {"enforce_dayparting", "enforce_budgets"}
        for job in wanted:
            run.wait_for(rf"worker\s*\| .*job {job} finished", DEADLINE_SECONDS)
        lines = run.lines
        assert "devstack| broker: embedded filesystem broker" in "\n".join(lines)
        children = run.children()
        assert set(children) == {"web", "worker", "beat"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=10) as response:
            assert response.status == 200
        # once up, it says where to go and how to log in (the password bootstrap_admin made)
        password = run.wait_for(r"devstack\| log in as admin with password (\S+)$", 30).group(1)
        text = "\n".join(lines)
        assert text.index("devstack| ready:") > text.index("worker  |")
        assert password in text[: text.index("devstack| started web")]  # created by `make demo`

        # Ctrl-C stops all three together
        run.stop(40)
        assert "devstack| stopped" in "\n".join(run.lines)
        assert not [name for name, pid in children.items() if _alive(pid)]


def test_make_run_on_a_busy_port_says_so_in_one_line_before_anything_starts(tmp_path: Path) -> None:
    """Acceptance: `make run PORT=<busy>` exits non-zero within 5 s with a one-line message."""
    venv = tmp_path / "venv"  # never created: the port is checked before the install
    database = tmp_path / "db.sqlite3"
    env = {key: value for key, value in os.environ.items() if not key.startswith("CELERY_")}
    env.update({"DATABASE_URL": f"sqlite:///{database}", "CELERY_BROKER_DIR": str(tmp_path / "broker")})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        result = subprocess.run(
            ["make", "--no-print-directory", "run", f"PORT={port}", f"VENV={venv}"],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=5,  # the acceptance bound (it takes a fraction of a second)
            check=False,
        )

    assert result.returncode != 0
    assert result.stdout == ""
    # one line in all: make reports our message as its own error ("Makefile:N: *** ...  Stop.")
    [line] = result.stderr.splitlines()
    assert (
        f"make run: port {port} on 127.0.0.1 is not free (Address already in use); "
        f"stop what uses it or choose another: make run PORT={port + 1}"
    ) in line
    assert not venv.exists()
    assert not database.exists()


def test_make_manage_runs_any_command_in_the_virtualenv(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "manage",
            "ARGS=check",
            f"VENV={sys.prefix}",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,  # a hang guard
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified" in result.stdout
