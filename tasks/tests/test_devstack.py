"""`make run` on a machine without Redis: web + worker + Beat on the embedded broker.

Starts the real `make run` with a temporary SQLite database and broker folder and no
CELERY_BROKER_URL, waits (bounded) until the worker log shows that the dayparting and budget
jobs ran and the web server answers, then sends Ctrl-C (SIGINT to the process group, as a
terminal does) and checks that all three processes stopped.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.slow

DEADLINE_SECONDS = 120  # the acceptance bound; it takes about 20 seconds


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
            "PYTHONUNBUFFERED": "1",
        }
    )
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # like a terminal's foreground process group
    )
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for raw in iter(process.stdout.readline, b""):
            lines.append(raw.decode(errors="replace").rstrip())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    children: dict[str, int] = {}
    try:
        wanted = {"enforce_dayparting", "enforce_budgets"}
        seen: set[str] = set()
        deadline = time.monotonic() + DEADLINE_SECONDS
        while seen != wanted and time.monotonic() < deadline and process.poll() is None:
            for line in list(lines):
                match = re.match(r"worker\s*\| .*job (\w+) finished", line)
                if match and match.group(1) in wanted:
                    seen.add(match.group(1))
            time.sleep(0.5)
        log = "\n".join(lines[-80:])
        assert seen == wanted, f"jobs seen in the worker log: {seen}\n{log}"
        assert "devstack| broker: embedded filesystem broker" in "\n".join(lines)
        for line in lines:
            started = re.match(r"devstack\| started (\w+) pid=(\d+)", line)
            if started:
                children[started.group(1)] = int(started.group(2))
        assert set(children) == {"web", "worker", "beat"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=10) as response:
            assert response.status == 200
        # once up, it says where to go and how to log in (the password bootstrap_admin made)
        deadline = time.monotonic() + 30
        while not any("devstack| log in as admin with password" in line for line in lines):
            assert time.monotonic() < deadline, "\n".join(lines[-40:])
            time.sleep(0.5)
        text = "\n".join(lines)
        assert text.index("devstack| ready:") > text.index("worker  |")
        password = re.search(r"devstack\| log in as admin with password (\S+)", text)
        assert password
        assert password.group(1) in text[: text.index("devstack| started web")]  # created by `make demo`

        # Ctrl-C stops all three together
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=40)
        reader.join(timeout=5)
        assert "devstack| stopped" in "\n".join(lines)
        assert not [name for name, pid in children.items() if _alive(pid)]
    finally:
        for pid in [process.pid, *children.values()]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        process.wait(timeout=10)


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
    # one line of ours; make adds its own "make: *** [Makefile:N: run] Error 2" after it
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"make run: port {port} on 127.0.0.1 is not free (Address already in use); "
        f"stop what uses it or choose another: make run PORT={port + 1}"
    )
    assert [line for line in lines[1:] if not line.startswith("make: *** [")] == []
    assert not venv.exists()
    assert not database.exists()
