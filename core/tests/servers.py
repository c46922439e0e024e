"""Helpers for tests that start the project's own processes (gunicorn, runserver, worker, Beat)."""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    """The test database as a ``DATABASE_URL``, for processes started by a test."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def stop_group(process: subprocess.Popen[bytes], *, grace: float = 10, sig: int = signal.SIGTERM) -> None:
    """Stop a process started with ``start_new_session=True`` and its children (``sig``, then
    SIGKILL after ``grace`` seconds)."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def redis_server_command(port: int) -> list[str]:
    """A private ``redis-server`` on 127.0.0.1:``port`` without persistence."""
    return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_until(
    condition: Callable[[], Any], *, timeout: float, what: str, logs: Callable[[], str] = str
) -> Any:
    """Poll ``condition`` until it is truthy (returned) or fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out after {timeout}s waiting for {what}{logs()}")


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a server started with the production settings on loopback."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CELERY_", "CACHE_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "budget_system.settings_production",
            "SECRET_KEY": "test-" + os.urandom(16).hex(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


def gunicorn_command(port: int, workers: int) -> tuple[list[str], dict[str, str]]:
    """gunicorn as deployed (``gunicorn_conf.py``) on loopback: the command and the
    environment it adds."""
    command = [sys.executable, "-m", "gunicorn", "-c", "budget_system/gunicorn_conf.py", "budget_system.wsgi"]
    return command, {"PORT": str(port), "GUNICORN_BIND_HOST": "127.0.0.1", "WEB_CONCURRENCY": str(workers)}


def _answers(port: int, path: str) -> bool:
    with contextlib.suppress(OSError, http.client.HTTPException):
        probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        probe.request("GET", path)
        probe.getresponse().read()
        return True
    return False


@contextlib.contextmanager
def serving(
    command: list[str], env: dict[str, str], port: int, log: Path, *, ready_path: str = "/api/v1/health/"
) -> Iterator[str]:
    """Start ``command`` (its own process group), wait until ``ready_path`` answers on
    ``port`` (60 s at most), yield its base URL; stop the whole group afterwards."""
    with log.open("ab") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while not _answers(port, ready_path):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command[:4]} did not answer:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class MakeRun:
    """`make run` started as a terminal does (its own process group), its output collected
    line by line; ``stop()`` sends Ctrl-C, leaving the block kills whatever is left."""

    def __init__(self, cwd: Path, args: Sequence[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            ["make", "--no-print-directory", "run", *args],
            cwd=cwd,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in iter(self.process.stdout.readline, b""):
            self.lines.append(raw.decode(errors="replace").rstrip())

    def __enter__(self) -> MakeRun:
        return self

    def __exit__(self, *exc: object) -> None:
        for pid in [self.process.pid, *self.children().values()]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def wait_for(self, pattern: str, seconds: float) -> re.Match[str]:
        """The first output line matching ``pattern`` (fails with the last lines if none comes)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.process.poll() is None:
            found = next((m for m in map(re.compile(pattern).match, list(self.lines)) if m), None)
            if found:
                return found
            time.sleep(0.5)
        found = next((m for m in map(re.compile(pattern).match, list(self.lines)) if m), None)
        assert found, f"no line matching {pattern!r}:\n" + "\n".join(self.lines[-60:])
        return found

    def children(self) -> dict[str, int]:
        """The web, worker and Beat process ids devstack announced."""
        return {
            match.group(1): int(match.group(2))
            for match in map(re.compile(r"devstack\| started (\w+) pid=(\d+)").match, list(self.lines))
            if match
        }

    def stop(self, seconds: float = 60) -> None:
        """Ctrl-C (SIGINT to the process group), then wait for everything to end."""
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(timeout=seconds)
        self._reader.join(timeout=5)
