"""`make run`: the web server, one Celery worker and Celery Beat, started and stopped together.

    python -m tasks.devstack [--host 127.0.0.1] [--port 8000]

Each process gets its own process group; its output is prefixed with its name. Ctrl-C
(SIGINT) or SIGTERM stops all three (SIGTERM, then SIGKILL after a grace period), and so
does any one of them exiting. Without CELERY_BROKER_URL, the settings pick the embedded
filesystem broker, so this needs nothing but Python.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
GRACE_SECONDS = 15.0


def commands(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    celery = [python, "-m", "celery", "-A", "budget_system"]
    return {
        "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
        "worker": [*celery, "worker", "--loglevel=INFO", "--concurrency=2", "--hostname=devstack@%h"],
        "beat": [*celery, "beat", "--loglevel=INFO"],
    }


OUTPUT_LOCK = threading.Lock()


def _say(line: str) -> None:
    with OUTPUT_LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def _pump(name: str, stream: IO[bytes]) -> None:
    for raw in iter(stream.readline, b""):
        _say(f"{name.ljust(8)}| {raw.decode(errors='replace').rstrip()}")


def _stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            # The leader only: a Celery worker then stops its pool itself (warm shutdown).
            process.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)

    stopping = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    broker = (
        env.get("CELERY_BROKER_URL") or "embedded filesystem broker (CELERY_BROKER_DIR, default .run/broker)"
    )
    _say(f"devstack| broker: {broker}")
    processes: dict[str, subprocess.Popen[bytes]] = {}
    for name, command in commands(args.host, args.port).items():
        process = subprocess.Popen(  # noqa: S603 - our own fixed commands
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: we stop it (and its children) as one
        )
        processes[name] = process
        threading.Thread(target=_pump, args=(name, process.stdout), daemon=True).start()
        _say(f"devstack| started {name} pid={process.pid}")

    exit_code = 0
    while not stopping.is_set():
        for name, process in processes.items():
            code = process.poll()
            if code is not None:
                _say(f"devstack| {name} exited with {code}: stopping the others")
                exit_code = code or 1
                stopping.set()
                break
        stopping.wait(0.5)
    _say("devstack| stopping web, worker and beat")
    _stop(processes)
    _say("devstack| stopped")
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
