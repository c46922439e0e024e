"""Helpers for tests that start the project's own processes (gunicorn, worker, Beat)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

from django.db import connection


def database_url() -> str:
    """The test database as a ``DATABASE_URL``, for processes started by a test."""
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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
